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
import { XSubscriber, curveKeyPair } from 'zeromq';
import { encodeSubscriptionFrame } from '@zeek-relay/wire';
import { createMetrics } from '@zeek-relay/runtime';
import { createHub, type Hub } from '../src/index.js';
import { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { connectable, sleep, waitFor } from './helpers/wait.js';

const server = curveKeyPair();
const clientA = curveKeyPair();
const clientB = curveKeyPair();
const stranger = curveKeyPair();

/** Connects a bare XSUB and returns the first handshake outcome its monitor reports. */
async function handshakeOutcome(
  endpoint: string,
  options: ConstructorParameters<typeof XSubscriber>[0],
): Promise<string> {
  const sock = new XSubscriber({ linger: 0, ...options });
  const events = sock.events;
  sock.connect(endpoint);
  void sock.send(encodeSubscriptionFrame(true, 'zeek.intruder.')).catch(() => undefined);
  try {
    for await (const e of events) {
      if (e.type === 'handshake' || e.type.startsWith('handshake:error')) return e.type;
    }
    return 'end';
  } finally {
    sock.close();
  }
}

// libzmq's CURVE server (native) and the hub's own (zmtp) must behave the same to Zeek's nodes.
for (const forwarding of ['native', 'zmtp'] as const)
  describe(`CURVE with ZAP allow-list (forwarding=${forwarding})`, () => {
    let hub: Hub;
    const metrics = createMetrics({ serviceName: 'zeek-relay-hub' });
    let dir = '';
    const nodes: EmulatedZeekNode[] = [];
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'zr-hub-curve-'));
      writeFileSync(join(dir, 'server_secretkey'), `${server.secretKey}\n`);
      writeFileSync(
        join(dir, 'client_publickeys'),
        `# two clusters share this hub\n${clientA.publicKey}\n\n${clientB.publicKey}\n`,
      );
      hub = createHub(
        {
          bindAddress: '127.0.0.1',
          xpubPort: 0,
          xsubPort: 0,
          curveServerSecretKeyFile: join(dir, 'server_secretkey'),
          curveClientPublicKeyFiles: [join(dir, 'client_publickeys')],
          forwarding,
        },
        { meter: metrics.meter },
      );
      await hub.start();
      rmSync(dir, { recursive: true, force: true });
    });
    after(async () => {
      await Promise.all(nodes.map((n) => n.close()));
      await hub.close();
      await metrics.shutdown();
      rmSync(dir, { recursive: true, force: true });
    });

    it('admits clients whose key is on the allow-list; they run the hello exchange', async () => {
      const a = hub.addresses!;
      for (const [name, role, keys] of [
        ['manager', 'manager', clientA],
        ['worker-1', 'worker', clientB],
      ] as const) {
        const n = new EmulatedZeekNode({
          name,
          role,
          connectXpub: connectable(a.xsub),
          connectXsub: connectable(a.xpub),
          curve: { serverKey: server.publicKey, publicKey: keys.publicKey, secretKey: keys.secretKey },
        });
        nodes.push(n);
        await n.start();
      }
      const [m, w] = nodes as [EmulatedZeekNode, EmulatedZeekNode];
      await waitFor(() => m.up.has(w.id) && w.up.has(m.id), 'node_up over CURVE');
      assert.deepEqual(
        hub.nodes().map((n) => n.name),
        ['manager', 'worker-1'],
      );
    });

    it('rejects a client key that is not on the list (ZAP 400 → auth failure)', async () => {
      const outcome = await handshakeOutcome(connectable(hub.addresses!.xpub), {
        curveServerKey: server.publicKey,
        curvePublicKey: stranger.publicKey,
        curveSecretKey: stranger.secretKey,
      });
      assert.equal(outcome, 'handshake:error:auth');
    });

    it('rejects a client that uses the wrong server key', async () => {
      const outcome = await handshakeOutcome(connectable(hub.addresses!.xpub), {
        curveServerKey: stranger.publicKey,
        curvePublicKey: clientA.publicKey,
        curveSecretKey: clientA.secretKey,
      });
      assert.match(outcome, /^handshake:error:/);
    });

    it('rejects plaintext (NULL mechanism) clients', async () => {
      // The client only learns "failed" (no detail); the hub logs the mechanism mismatch.
      const outcome = await handshakeOutcome(connectable(hub.addresses!.xpub), {});
      assert.match(outcome, /^handshake:error:/);
    });

    it('nothing from rejected clients reached the cluster; the rejections are counted', async () => {
      assert.ok(!hub.subscriptions().includes('zeek.intruder.'));
      assert.ok(!nodes[0]!.seenTopics.has('zeek.intruder.'));
      // The hub counts a failed handshake when its socket monitor reports it, which may come after
      // the client saw the failure: wait for that event (the limit is a hang guard only).
      const protocolFailure =
        /^zeek_relay_hub_handshake_failures_total\{[^}]*error_type="protocol"[^}]*\} [1-9]/m;
      let text = await metrics.scrape();
      for (const end = Date.now() + 60_000; !protocolFailure.test(text) && Date.now() < end; ) {
        await sleep(10);
        text = await metrics.scrape();
      }
      assert.match(text, /^zeek_relay_hub_zap_requests_total\{[^}]*result="rejected"[^}]*\} 1$/m);
      assert.match(text, /^zeek_relay_hub_zap_requests_total\{[^}]*result="accepted"[^}]*\} 4$/m);
      assert.match(text, protocolFailure);
    });
  });
