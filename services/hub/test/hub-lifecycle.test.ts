/**
 * Hub lifecycle errors and options: bind failures, double start, close before start, IPv6; on
 * libzmq's sockets (`native`) and on the hub's own listeners (`zmtp`).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { XSubscriber } from 'zeromq';
import { createLogger } from '@zeek-relay/runtime';
import { encodeSubscriptionFrame } from '@zeek-relay/wire';
import { createHub } from '../src/index.js';
import { logLines } from './helpers/hub.js';
import { waitFor } from './helpers/wait.js';

for (const forwarding of ['native', 'zmtp'] as const)
  describe(`hub lifecycle (forwarding=${forwarding})`, () => {
    it('fails with ZR_HUB_BIND_FAILED when a port is taken, and releases what it opened', async () => {
      const blocker = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as { port: number }).port;
      try {
        const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: 0, xsubPort: port, forwarding });
        await assert.rejects(hub.start(), { code: 'ZR_HUB_BIND_FAILED' });
        assert.equal(hub.readiness().ready, false);
        await hub.close();
      } finally {
        blocker.close();
      }
    });

    it('refuses a second start and a start after close (ZR_HUB_INVALID_STATE)', async () => {
      const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: 0, xsubPort: 0, forwarding });
      await hub.start();
      await assert.rejects(hub.start(), { code: 'ZR_HUB_INVALID_STATE' });
      await hub.close();
      await assert.rejects(hub.start(), { code: 'ZR_HUB_INVALID_STATE' });
      const never = createHub({});
      await never.close(); // closing an unstarted hub is a no-op
    });

    it('fails before binding anything when CURVE is half configured', async () => {
      const hub = createHub({
        bindAddress: '127.0.0.1',
        xpubPort: 0,
        xsubPort: 0,
        curveClientPublicKeys: ['HelloWorld'.repeat(4)],
      });
      await assert.rejects(hub.start(), { code: 'ZR_HUB_CURVE_CONFIG_INVALID' });
    });

    it(`socket buffer sizes: ${forwarding === 'zmtp' ? 'one warning at start (node:net cannot set them)' : 'applied, no warning'}`, async () => {
      const { lines: warnings, destination } = logLines();
      const log = createLogger({ service: 'hub', level: 'warn', destination });
      const hub = createHub(
        {
          bindAddress: '127.0.0.1',
          xpubPort: 0,
          xsubPort: 0,
          forwarding,
          sendBufferSize: 65536,
          receiveBufferSize: 65536,
        },
        { log },
      );
      await hub.start();
      await hub.close();
      if (forwarding === 'native') assert.deepEqual(warnings, []);
      else {
        assert.equal(warnings.length, 1, JSON.stringify(warnings));
        assert.match(String(warnings[0]!.msg), /SO_SNDBUF\/SO_RCVBUF/);
        assert.equal(warnings[0]!.sendBufferSize, 65536);
      }
    });

    it('binds and serves IPv6 loopback with ipv6 on', async () => {
      const hub = createHub({ bindAddress: '::1', ipv6: true, xpubPort: 0, xsubPort: 0, forwarding });
      const a = await hub.start();
      try {
        assert.match(a.xpub, /^tcp:\/\/\[::1\]:\d+$/);
        const sub = new XSubscriber({ ipv6: true, linger: 0 });
        sub.connect(a.xpub);
        await sub.send(encodeSubscriptionFrame(true, 'zeek.v6.'));
        await waitFor(() => hub.subscriptions().includes('zeek.v6.'), 'subscription over IPv6');
        sub.close();
      } finally {
        await hub.close();
      }
    });
  });
