/**
 * CURVE + ZAP (zeromq-wire.md §8): keys from files as mounted from Kubernetes Secrets, an
 * allow-list of several client keys (Zeek's single shared key is a list of one). Allowed clients
 * complete the hello exchange; a client key not on the list, a wrong server key and plaintext
 * are rejected at the handshake and never reach the cluster.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { curveKeyPair } from 'zeromq';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { curveNodesMeet, curveOptions, handshakeOutcome } from './helpers/curve.js';
import { scrapeUntil, startMeteredHub, type MeteredHub } from './helpers/hub.js';

const server = curveKeyPair();
const clientA = curveKeyPair();
const clientB = curveKeyPair();
const stranger = curveKeyPair();

// libzmq's CURVE server (native) and the hub's own (zmtp) must behave the same to Zeek's nodes.
for (const forwarding of ['native', 'zmtp'] as const)
  describe(`CURVE with ZAP allow-list (forwarding=${forwarding})`, () => {
    let h: MeteredHub;
    let dir = '';
    const nodes: EmulatedZeekNode[] = [];
    /** The first handshake outcome of an XSUB with `options` that also tries to subscribe. */
    const intruder = (options: Parameters<typeof handshakeOutcome>[1]) =>
      handshakeOutcome(h.sub, options, 'zeek.intruder.');
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'zr-hub-curve-'));
      writeFileSync(join(dir, 'server_secretkey'), `${server.secretKey}\n`);
      writeFileSync(
        join(dir, 'client_publickeys'),
        `# two clusters share this hub\n${clientA.publicKey}\n\n${clientB.publicKey}\n`,
      );
      h = await startMeteredHub({
        curveServerSecretKeyFile: join(dir, 'server_secretkey'),
        curveClientPublicKeyFiles: [join(dir, 'client_publickeys')],
        forwarding,
      });
      rmSync(dir, { recursive: true, force: true });
    });
    after(async () => {
      await Promise.all(nodes.map((n) => n.close()));
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('admits clients whose key is on the allow-list; they run the hello exchange', async () => {
      await curveNodesMeet(h.hub, server.publicKey, { manager: clientA, worker: clientB }, nodes);
    });

    it('rejects a client key that is not on the list (ZAP 400 → auth failure)', async () => {
      assert.equal(await intruder(curveOptions(stranger, server.publicKey)), 'handshake:error:auth');
    });

    it('rejects a client that uses the wrong server key', async () => {
      assert.match(await intruder(curveOptions(clientA, stranger.publicKey)), /^handshake:error:/);
    });

    it('rejects plaintext (NULL mechanism) clients', async () => {
      // The client only learns "failed" (no detail); the hub logs the mechanism mismatch.
      assert.match(await intruder({}), /^handshake:error:/);
    });

    it('nothing from rejected clients reached the cluster; the rejections are counted', async () => {
      assert.ok(!h.hub.subscriptions().includes('zeek.intruder.'));
      assert.ok(!nodes[0]!.seenTopics.has('zeek.intruder.'));
      // The hub counts a failed handshake when its socket monitor reports it, which may come after
      // the client saw the failure: wait for that event (the limit is a hang guard only).
      const protocolFailure =
        /^zeek_relay_hub_handshake_failures_total\{[^}]*error_type="protocol"[^}]*\} [1-9]/m;
      const text = await scrapeUntil(h.metrics, protocolFailure);
      assert.match(text, /^zeek_relay_hub_zap_requests_total\{[^}]*result="rejected"[^}]*\} 1$/m);
      assert.match(text, /^zeek_relay_hub_zap_requests_total\{[^}]*result="accepted"[^}]*\} 4$/m);
      assert.match(text, protocolFailure);
      if (forwarding === 'zmtp') {
        // The hub's own CURVE server also names each closed connection's cause.
        await scrapeUntil(
          h.metrics,
          /^zeek_relay_hub_peer_errors_total\{[^}]*error_type="ZR_HUB_PEER_CURVE"[^}]*\} [1-9]/m,
        );
        assert.match(
          await h.metrics.scrape(),
          /^zeek_relay_hub_peer_errors_total\{[^}]*error_type="ZR_HUB_PEER_REFUSED"[^}]*\} 1$/m,
        );
      }
    });
  });
