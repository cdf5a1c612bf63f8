/**
 * A node with the wrong CURVE server key retries its handshake every few milliseconds, forever: the
 * hub counts every rejection but logs one warning per kind per window, without stack traces
 * (issue: 273 warning lines in 20 s from one such node).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { XSubscriber, curveKeyPair } from 'zeromq';
import { createLogger, createMetrics } from '@zeek-relay/runtime';
import { createHub } from '../src/index.js';
import { connectable, sleep } from './helpers/wait.js';

/** The rate-limit key of the warning: the monitor's event on libzmq, the typed error on zmtp. */
const REASON = { native: 'handshake_protocol_xpub', zmtp: 'ZR_HUB_PEER_CURVE_xpub' } as const;

for (const forwarding of ['native', 'zmtp'] as const)
  describe(`rejected handshakes in the log (forwarding=${forwarding})`, () => {
    it('every failure is counted, one warning per window is logged', async () => {
      const lines: Array<Record<string, unknown>> = [];
      const destination = new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const l of chunk.toString().split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l));
          done();
        },
      });
      const server = curveKeyPair();
      const client = curveKeyPair();
      const metrics = createMetrics({ serviceName: 'zeek-relay-hub' });
      const hub = createHub(
        {
          bindAddress: '127.0.0.1',
          xpubPort: 0,
          xsubPort: 0,
          curveServerSecretKey: server.secretKey,
          curveClientPublicKeys: [client.publicKey],
          forwarding,
        },
        { log: createLogger({ service: 'hub', level: 'warn', destination }), meter: metrics.meter },
      );
      const a = await hub.start();
      // Right client pair, wrong server key: the hub cannot read the client's HELLO.
      const wrong = new XSubscriber({
        linger: 0,
        reconnectInterval: 5,
        curveServerKey: curveKeyPair().publicKey,
        curvePublicKey: client.publicKey,
        curveSecretKey: client.secretKey,
      });
      try {
        wrong.connect(connectable(a.xpub));
        const failures = async () => {
          const text = await metrics.scrape();
          const m = /^zeek_relay_hub_handshake_failures_total\{[^}]*\} (\d+)$/m.exec(text);
          return Number(m?.[1] ?? 0);
        };
        let counted = 0;
        const end = Date.now() + 60_000; // hang guard only
        while ((counted = await failures()) < 20) {
          if (Date.now() > end) throw new Error(`timed out waiting for 20 handshake failures (${counted})`);
          await sleep(20);
        }
        const warnings = lines.filter((l) => l.msg === 'Rejected handshake');
        assert.equal(warnings.length, 1, `one warning for ${counted} failures`);
        assert.equal(warnings[0]!.reason, REASON[forwarding]);
        assert.equal(typeof warnings[0]!.error, 'string');
        assert.ok(!JSON.stringify(lines).includes('"stack"'), 'no stack traces');
      } finally {
        wrong.close();
        await hub.close();
        await metrics.shutdown();
      }
    });
  });
