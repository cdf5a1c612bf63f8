/**
 * A node with the wrong CURVE server key retries its handshake every few milliseconds, forever: the
 * hub counts every rejection but logs one warning per kind per window, without stack traces
 * (issue: 273 warning lines in 20 s from one such node).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XSubscriber, curveKeyPair } from 'zeromq';
import { createLogger } from '@zeek-relay/runtime';
import { curveOptions } from './helpers/curve.js';
import { counter, logLines, scrapeUntil, startMeteredHub } from './helpers/hub.js';

/** The rate-limit key of the warning: the monitor's event on libzmq, the typed error on zmtp. */
const REASON = { native: 'handshake_protocol_xpub', zmtp: 'ZR_HUB_PEER_CURVE_xpub' } as const;

for (const forwarding of ['native', 'zmtp'] as const)
  describe(`rejected handshakes in the log (forwarding=${forwarding})`, () => {
    it('every failure is counted, one warning per window is logged', async () => {
      const { lines, destination } = logLines();
      const server = curveKeyPair();
      const client = curveKeyPair();
      const h = await startMeteredHub(
        {
          curveServerSecretKey: server.secretKey,
          curveClientPublicKeys: [client.publicKey],
          forwarding,
        },
        { log: createLogger({ service: 'hub', level: 'warn', destination }) },
      );
      // Right client pair, wrong server key: the hub cannot read the client's HELLO.
      const wrong = new XSubscriber({
        linger: 0,
        reconnectInterval: 5,
        ...curveOptions(client, curveKeyPair().publicKey),
      });
      try {
        wrong.connect(h.sub);
        const failures = (text: string) => counter(text, 'zeek_relay_hub_handshake_failures_total');
        const counted = failures(await scrapeUntil(h.metrics, (text) => failures(text) >= 20));
        const warnings = lines.filter((l) => l.msg === 'Rejected handshake');
        assert.equal(warnings.length, 1, `one warning for ${counted} failures`);
        assert.equal(warnings[0]!.reason, REASON[forwarding]);
        assert.equal(typeof warnings[0]!.error, 'string');
        assert.ok(!JSON.stringify(lines).includes('"stack"'), 'no stack traces');
      } finally {
        wrong.close();
        await h.close();
      }
    });
  });
