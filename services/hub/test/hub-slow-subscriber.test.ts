/**
 * Slow-subscriber isolation: with `slowSubscriber: 'drop'` a subscriber that stops reading loses
 * only its own messages, and the other subscribers still get every event. Nothing here is timed:
 * the publisher keeps at most WINDOW events in flight towards the fast subscribers (far below the
 * hub's high-water mark, so they can never lose one), and offers N events, many more than the
 * stuck subscriber's queues and buffers hold. In drop mode the fast subscribers get all N while the
 * stuck one is never read; afterwards the stuck one is drained and holds fewer than N (the hub
 * dropped the rest for it alone). `block` (Zeek's NODROP) is the control: there the slow
 * subscriber, reading slowly, gets every one of the N events (nothing dropped), which is why a
 * stuck one stalls everyone in that mode. Both run on libzmq's proxy (`native`) and on the hub's
 * own ZMTP core (`zmtp`), which also counts the drops per subscriber: the stuck one's count rises,
 * the fast ones' stay 0 (read from a real `/metrics` scrape).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XSubscriber } from 'zeromq';
import { data, encodeEvent, encodeSubscriptionFrame } from '@zeek-relay/wire';
import { createMetrics } from '@zeek-relay/runtime';
import { createHub } from '../src/index.js';
import { serveHub } from './helpers/http.js';
import { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { connectable, sleep, waitFor } from './helpers/wait.js';

const N = 6_000;
/** Events in flight towards the fast subscribers at most (the hub's HWM below is 500). */
const WINDOW = 200;
const TOPIC = 'zeek.bulk.';
/**
 * 2 kB events: N of them (12 MB) overflow whatever the kernel buffers towards the stuck subscriber
 * hold. The zmtp path cannot shrink its socket's send buffer as ZMQ_SNDBUF does (node:net has no
 * SO_SNDBUF), and on loopback Linux grows it to net.ipv4.tcp_wmem's maximum (4 MB).
 */
const PAYLOAD = encodeEvent({ name: 'Bench::event', args: [data.string('x'.repeat(2000))] });

interface Outcome {
  /** Events each fast subscriber received (all N when the run completes). */
  fast: number[];
  /** Events the slow subscriber received in the end. */
  slow: number;
  /** Times the slow subscriber's connection went down during the run (the hub dropped it). */
  slowDisconnects: number;
  /** END markers published (some may be dropped for the slow subscriber too). */
  markers: number;
  /** `zeek_relay_hub_subscriber_drops_total` per subscriber label, from `/metrics`. */
  drops: Map<string, number>;
}

type Forwarding = 'native' | 'zmtp';

/** The per-subscriber drop counts of a `/metrics` scrape. */
async function scrapeDrops(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(
    /^zeek_relay_hub_subscriber_drops_total\{[^}]*subscriber="([^"]+)"[^}]*\} (\S+)$/gm,
  ))
    out.set(m[1]!, Number(m[2]));
  return out;
}

/** Published after the N events until the slow subscriber has read one: everything before it is in. */
const END = 'zeek.bulk.end';

/**
 * Counts the slow subscriber's events up to the first END marker. `stuck`: it reads nothing until
 * the publisher has sent all N; else it reads slowly from the start.
 */
async function drain(slow: XSubscriber, stuck: boolean, published: Promise<void>): Promise<number> {
  if (stuck) await published;
  let got = 0;
  for (;;) {
    const [topic] = await slow.receive();
    if (topic?.toString() === END) return got;
    got++;
    if (!stuck && got % 20 === 0) await sleep(1); // slow, not stuck
  }
}

async function run(mode: 'drop' | 'block', slowStuck: boolean, forwarding: Forwarding): Promise<Outcome> {
  const closers: Array<() => Promise<void> | void> = [];
  try {
    const metrics = createMetrics({ serviceName: 'zeek-relay-hub' });
    closers.push(() => metrics.shutdown());
    // Small hub buffers so a stalled pipe fills within a few hundred events.
    const hub = createHub(
      {
        forwarding,
        bindAddress: '127.0.0.1',
        xpubPort: 0,
        xsubPort: 0,
        slowSubscriber: mode,
        sendHighWaterMark: 500,
        sendBufferSize: 16_384,
        // No heartbeat: its timeout would disconnect a stuck subscriber (whose socket never answers
        // while its buffers are full), which frees a blocked hub too and hides what the mode does.
        heartbeatIntervalMs: 0,
      },
      { meter: metrics.meter },
    );
    closers.push(() => hub.close());
    const a = await hub.start();
    const http = await serveHub(hub, metrics);
    closers.push(() => http.close());
    const ep = { connectXpub: connectable(a.xsub), connectXsub: connectable(a.xpub) };
    const mk = async (name: string) => {
      const n = new EmulatedZeekNode({
        name,
        role: 'worker',
        ...ep,
        extraSubscriptions: [TOPIC],
        keepInbox: false,
      });
      closers.push(() => n.close());
      await n.start();
      // Its subscriptions are in place at the hub once the hub echoes a probe sent after them
      // (on a loaded machine a node's connection can come up long after start() returned: the
      // first events would then not be sent to it at all, and the window below never moves).
      await n.subscribeAndWait();
      return n;
    };
    // Subscribes like a Zeek node; how it reads is the test's subject.
    const slow = new XSubscriber({ receiveHighWaterMark: 50, receiveBufferSize: 4096, linger: 0 });
    closers.push(() => slow.close());
    let slowDisconnects = 0;
    slow.events.on('disconnect', () => slowDisconnects++);
    slow.connect(ep.connectXsub);
    await slow.send(encodeSubscriptionFrame(true, TOPIC));
    // Its own node topic, as a Zeek node has: the label of its drop counter.
    await slow.send(encodeSubscriptionFrame(true, 'zeek.cluster.node.slow.'));
    // The node topic, sent after its TOPIC on the same connection, shows that the hub has both of
    // its subscriptions.
    await waitFor(
      () => hub.subscriptions().includes('zeek.cluster.node.slow.'),
      "the slow subscriber's subscriptions at the hub",
    );
    const fast = [await mk('fast-1'), await mk('fast-2')];
    const publisher = await mk('publisher');
    await publisher.waitFor(() => publisher.seenTopics.has(TOPIC), 'publisher sees the subscription');
    let publishedAll!: () => void;
    const published = new Promise<void>((resolve) => (publishedAll = resolve));
    let drained = false;
    const slowCount = drain(slow, slowStuck, published).finally(() => (drained = true));
    const count = (f: EmulatedZeekNode) => f.received.get(TOPIC) ?? 0;
    for (let i = 0; i < N; i += WINDOW / 2) {
      for (const f of fast)
        await f.waitFor(() => count(f) >= i - WINDOW / 2, `fast subscriber at ${i - WINDOW / 2}`);
      for (let k = i; k < Math.min(N, i + WINDOW / 2); k++) await publisher.publishRaw(TOPIC, PAYLOAD);
    }
    for (const [k, f] of fast.entries())
      await f.waitFor(() => count(f) === N, `all ${N} events at fast-${k + 1}`);
    publishedAll();
    let markers = 0;
    while (!drained) {
      markers++;
      await publisher.publishRaw(END, PAYLOAD);
      await Promise.race([slowCount, sleep(50)]); // pacing: markers may be dropped in drop mode
    }
    const slowGot = await slowCount;
    const drops = await scrapeDrops(`http://127.0.0.1:${http.port}`);
    return { fast: fast.map(count), slow: slowGot, slowDisconnects, markers, drops };
  } finally {
    for (const c of closers.reverse()) await c();
  }
}

for (const forwarding of ['native', 'zmtp'] as const)
  describe(`slow-subscriber isolation, forwarding=${forwarding}`, () => {
    it('drop mode: a stuck subscriber does not hold back the others, and loses only its own events', async () => {
      const r = await run('drop', true, forwarding);
      assert.deepEqual(r.fast, [N, N]);
      assert.equal(r.slowDisconnects, 0, 'the stuck subscriber stayed connected throughout');
      assert.ok(r.slow < N, `the stuck subscriber holds all ${N} events: the hub dropped nothing for it`);
      if (forwarding === 'native') {
        // libzmq's XPUB drops without telling: no per-subscriber counts on this path.
        assert.equal(r.drops.size, 0);
        return;
      }
      // Every event it did not get was dropped for it alone, and counted under its node name
      // (with the END markers dropped before one got through: all but the one it read, at most).
      const slowDrops = r.drops.get('slow') ?? 0;
      assert.ok(
        slowDrops >= N - r.slow && slowDrops <= N - r.slow + r.markers - 1,
        `drops of the stuck subscriber ${slowDrops}, expected ${N - r.slow} + up to ${r.markers - 1} markers`,
      );
      assert.equal(r.drops.get('fast-1'), undefined);
      assert.equal(r.drops.get('fast-2'), undefined);
    });

    it("control, block mode (Zeek's NODROP): nothing is dropped, so a slow subscriber gets every event", async () => {
      const r = await run('block', false, forwarding);
      assert.deepEqual(r.fast, [N, N]);
      assert.equal(r.slow, N);
      assert.equal(r.drops.size, 0);
    });
  });
