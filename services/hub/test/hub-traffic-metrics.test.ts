/**
 * Traffic counters (issue #15, "Metrics Zeek users already chart"): with `forwarding=counted` and
 * `forwarding=zmtp` (each test runs on both) the hub exports Zeek 8.2's `zeek_cluster_zeromq_proxy_*` and its own `forwarded_*` counters with
 * libzmq 4.3's STATISTICS semantics (zeromq-wire.md §7.3). Real libzmq peers on loopback; every
 * expected figure is counted on the peers' side; the counters are read from `/metrics` over HTTP.
 * With CURVE (zmtp) they count plaintext, as libzmq's proxy counts messages after decryption.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { XPublisher, XSubscriber, curveKeyPair } from 'zeromq';
import { createMetrics, type HealthServer } from '@zeek-relay/runtime';
import { createHub, type Hub } from '../src/index.js';
import { scrape, serveHub } from './helpers/http.js';
import { connectable, waitFor } from './helpers/wait.js';

const zeek = (side: string, what: string, dir: string) =>
  `zeek_cluster_zeromq_proxy_${side}_${what}_${dir}_total{node="manager"}`;

const serverKeys = curveKeyPair();
const clientKeys = curveKeyPair();
/** The CURVE settings of a hub and of its (libzmq) peers. */
const CURVE = {
  hub: { curveServerSecretKey: serverKeys.secretKey, curveClientPublicKeys: [clientKeys.publicKey] },
  peer: {
    curveServerKey: serverKeys.publicKey,
    curvePublicKey: clientKeys.publicKey,
    curveSecretKey: clientKeys.secretKey,
  },
};

async function startHub(forwarding: 'native' | 'counted' | 'zmtp', curve = false) {
  const metrics = createMetrics({ serviceName: 'zeek-relay-hub' });
  const hub: Hub = createHub(
    { bindAddress: '127.0.0.1', xpubPort: 0, xsubPort: 0, forwarding, ...(curve ? CURVE.hub : {}) },
    { meter: metrics.meter },
  );
  const a = await hub.start();
  const http: HealthServer = await serveHub(hub, metrics);
  const base = `http://127.0.0.1:${http.port}`;
  return {
    hub,
    base,
    peer: curve ? CURVE.peer : {},
    pubEndpoint: connectable(a.xsub),
    subEndpoint: connectable(a.xpub),
    async close() {
      await http.close();
      await hub.close();
      await metrics.shutdown();
    },
  };
}

/** A multipart message like a Zeek event: topic, sender, format, payload (sizes vary). */
const event = (i: number) => [
  `t.topic.${i % 10}`,
  'sender-id',
  'broker-bin-v1',
  Buffer.alloc(20 + (i % 37), i),
];
const sizeOf = (frames: Array<string | Buffer>) =>
  frames.reduce((n, f) => n + (typeof f === 'string' ? Buffer.byteLength(f) : f.length), 0);

/** A publisher and a subscriber send one subscription and one event through the hub; returns their closer. */
async function oneEventThrough(h: {
  pubEndpoint: string;
  subEndpoint: string;
  peer: object;
}): Promise<() => Promise<void>> {
  const pub = new XPublisher({ linger: 0, ...h.peer });
  const sub = new XSubscriber({ linger: 0, ...h.peer });
  pub.connect(h.pubEndpoint);
  sub.connect(h.subEndpoint);
  await sub.send(Buffer.from('\x01t.'));
  await pub.receive();
  await pub.send(event(1));
  await sub.receive();
  return async () => [pub, sub].forEach((s) => s.close());
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

for (const [forwarding, curve] of [
  ['counted', false],
  ['zmtp', false],
  ['zmtp', true],
] as const)
  describe(`traffic counters with forwarding=${forwarding}${curve ? ' and CURVE' : ''}`, () => {
    it('move by exactly the messages and bytes the peers sent and received', async () => {
      const h = await startHub(forwarding, curve);
      closers.push(() => h.close());
      const pub = new XPublisher({ linger: 0, sendHighWaterMark: 0, ...h.peer });
      const subs = [new XSubscriber({ linger: 0, ...h.peer }), new XSubscriber({ linger: 0, ...h.peer })];
      closers.push(async () => [pub, ...subs].forEach((s) => s.close()));
      pub.connect(h.pubEndpoint);
      const subscription = Buffer.from('\x01t.');
      for (const s of subs) {
        s.connect(h.subEndpoint);
        await s.send(subscription);
      }
      // The publisher sees the subscription once the hub forwarded it (its XPUB passes the first
      // only); the hub has read both from its XPUB (so both subscribers get every event) once its
      // counter says 2 — asserted exactly below, with everything else.
      await pub.receive();
      const backendIn = zeek('backend', 'messages', 'received');
      while (((await scrape(h.base)).get(backendIn) ?? 0) < subs.length)
        await new Promise((r) => setTimeout(r, 20));
      const received = subs.map(() => ({ messages: 0, bytes: 0 }));
      const readers = subs.map(async (s, k) => {
        for await (const frames of s) {
          received[k]!.messages++;
          received[k]!.bytes += sizeOf(frames);
        }
      });
      void Promise.allSettled(readers);
      const sent = { messages: 0, bytes: 0 };
      for (let i = 0; i < 500; i++) {
        const frames = event(i);
        await pub.send(frames);
        sent.messages++;
        sent.bytes += sizeOf(frames);
      }
      await waitFor(
        () => received.every((r) => r.messages === sent.messages),
        'both subscribers got everything',
      );
      // Each subscriber got every event once: the peers agree on what crossed the hub.
      for (const r of received) assert.deepEqual(r, sent);

      const up = { messages: subs.length, bytes: subs.length * subscription.length };
      let m = await scrape(h.base);
      const want = new Map([
        [zeek('frontend', 'messages', 'received'), sent.messages],
        [zeek('frontend', 'bytes', 'received'), sent.bytes],
        // One send to the XPUB per event, however many subscribers it reaches (libzmq's counting).
        [zeek('backend', 'messages', 'sent'), sent.messages],
        [zeek('backend', 'bytes', 'sent'), sent.bytes],
        // Both subscriptions, duplicates included (XPUB_VERBOSER), forwarded to the publishers.
        [zeek('backend', 'messages', 'received'), up.messages],
        [zeek('backend', 'bytes', 'received'), up.bytes],
        [zeek('frontend', 'messages', 'sent'), up.messages],
        [zeek('frontend', 'bytes', 'sent'), up.bytes],
        ['zeek_relay_hub_forwarded_messages_total{direction="to_subscribers"}', sent.messages],
        ['zeek_relay_hub_forwarded_bytes_total{direction="to_subscribers"}', sent.bytes],
        ['zeek_relay_hub_forwarded_messages_total{direction="to_publishers"}', up.messages],
        ['zeek_relay_hub_forwarded_bytes_total{direction="to_publishers"}', up.bytes],
      ]);
      for (const [series, value] of want) assert.equal(m.get(series), value, series);

      // And again after more traffic: the counters move by exactly what was sent.
      for (let i = 0; i < 50; i++) {
        const frames = event(1000 + i);
        await pub.send(frames);
        sent.messages++;
        sent.bytes += sizeOf(frames);
      }
      await waitFor(() => received.every((r) => r.messages === sent.messages), 'the second batch');
      m = await scrape(h.base);
      assert.equal(m.get(zeek('frontend', 'messages', 'received')), sent.messages);
      assert.equal(m.get(zeek('backend', 'bytes', 'sent')), sent.bytes);
      assert.equal(m.get(zeek('backend', 'messages', 'received')), up.messages);
    });

    it('every hub metric the Grafana dashboard queries is in a real scrape of a counting hub', async () => {
      const h = await startHub(forwarding, curve);
      closers.push(() => h.close());
      // Traffic and connections, so that every instrument the board uses has reported once.
      closers.push(await oneEventThrough(h));
      const wanted = dashboardMetrics();
      for (const side of ['frontend', 'backend'])
        for (const dir of ['received', 'sent'])
          assert.ok(
            wanted.has(`zeek_cluster_zeromq_proxy_${side}_messages_${dir}_total`),
            `the board charts ${side} messages ${dir}`,
          );
      const text = await (await fetch(`${h.base}/metrics`)).text();
      const families = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((x) => x[1]));
      // Drops per subscriber exist once a drop happened (hub-slow-subscriber.test checks them).
      for (const name of wanted)
        if (name !== 'zeek_relay_hub_subscriber_drops_total')
          assert.ok(families.has(name), `the hub does not export ${name}`);
    });
  });

describe('traffic counters with forwarding=native', () => {
  it('the native data path exports none of them (absent, not a misleading zero)', async () => {
    const h = await startHub('native');
    closers.push(() => h.close());
    closers.push(await oneEventThrough(h));
    const text = await (await fetch(`${h.base}/metrics`)).text();
    assert.doesNotMatch(text, /zeek_cluster_zeromq_proxy_|zeek_relay_hub_forwarded_/);
    assert.match(text, /zeek_relay_hub_connections\{socket="xpub"\} 1/);
  });
});

/** The hub metric families the Grafana dashboard queries. */
function dashboardMetrics(): Set<string> {
  const board = JSON.parse(readFileSync(dashboardPath(), 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  };
  const exprs = board.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  return new Set(
    exprs.flatMap((e) => e.match(/\b(zeek_relay_hub|zeek_cluster_zeromq_proxy)_[a-z_]+/g) ?? []),
  );
}

function dashboardPath(): string {
  return new URL('../../../../charts/zeek-relay/files/grafana-dashboard.json', import.meta.url).pathname;
}
