/**
 * Slow-subscriber isolation: with `slowSubscriber: 'drop'` a subscriber that stops reading loses
 * only its own messages and the other subscribers keep ≥ 90 % of their throughput. Throughput is
 * counted, not timed: a publisher offers N events at a fixed pace; a subscriber's throughput is the
 * number it received within the same window. `block` (Zeek's NODROP) is the control that fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XSubscriber } from 'zeromq';
import { data, encodeEvent, encodeSubscriptionFrame } from '@zeek-relay/wire';
import { createHub } from '../src/index.js';
import { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { connectable, sleep, waitFor } from './helpers/wait.js';

const N = 6_000;
const RATE_PER_S = 4_000;
/** Upper bound of a run; healthy runs end as soon as both fast subscribers have all N events. */
const WINDOW_MS = 8_000;
/** The block-mode control stalls for good; a shorter window suffices to see it. */
const CONTROL_WINDOW_MS = 3_000;
const TOPIC = 'zeek.bulk.';
const PAYLOAD = encodeEvent({ name: 'Bench::event', args: [data.string('x'.repeat(180))] });

interface Outcome {
  fast: number[];
}

async function run(mode: 'drop' | 'block', withSlow: boolean, windowMs = WINDOW_MS): Promise<Outcome> {
  const closers: Array<() => Promise<void> | void> = [];
  try {
    // Small hub buffers so a stalled pipe fills within a few hundred events.
    const hub = createHub({
      bindAddress: '127.0.0.1',
      xpubPort: 0,
      xsubPort: 0,
      slowSubscriber: mode,
      sendHighWaterMark: 500,
      sendBufferSize: 16_384,
    });
    closers.push(() => hub.close());
    const a = await hub.start();
    const ep = { connectXpub: connectable(a.xsub), connectXsub: connectable(a.xpub) };
    const mk = async (name: string) => {
      // Counting only (no inbox): the fast subscribers must not slow themselves down.
      const n = new EmulatedZeekNode({
        name,
        role: 'worker',
        ...ep,
        extraSubscriptions: [TOPIC],
        keepInbox: false,
      });
      closers.push(() => n.close());
      await n.start();
      return n;
    };
    const fast = [await mk('fast-1'), await mk('fast-2')];
    const publisher = await mk('publisher');
    if (withSlow) {
      // Subscribes like a Zeek node, then never reads: its queues and TCP buffers fill up.
      const slow = new XSubscriber({ receiveHighWaterMark: 50, receiveBufferSize: 4096, linger: 0 });
      closers.push(() => slow.close());
      slow.connect(ep.connectXsub);
      await slow.send(encodeSubscriptionFrame(true, TOPIC));
      await waitFor(() => hub.subscriptions().includes(TOPIC), 'subscription at the hub');
    }
    await waitFor(() => publisher.seenTopics.has(TOPIC), 'publisher sees the subscription');
    const t0 = Date.now();
    const pub = (async () => {
      for (let i = 0; i < N; i++) {
        await publisher.publishRaw(TOPIC, PAYLOAD);
        if (i % 100 === 99) {
          const due = t0 + ((i + 1) / RATE_PER_S) * 1000;
          if (due > Date.now()) await sleep(due - Date.now());
        }
      }
    })().catch(() => undefined); // a stalled send is aborted by close() in block mode
    await waitFor(
      () => Date.now() - t0 > windowMs || fast.every((f) => f.received.get(TOPIC) === N),
      'window',
      windowMs + 2000,
    );
    const result = { fast: fast.map((f) => f.received.get(TOPIC) ?? 0) };
    for (const c of closers.reverse()) await c();
    closers.length = 0;
    await pub;
    return result;
  } finally {
    for (const c of closers.reverse()) await c();
  }
}

describe('slow-subscriber isolation', () => {
  it('baseline: without a slow subscriber (the reference throughput)', async () => {
    const baseline = await run('drop', false);
    for (const got of baseline.fast) assert.ok(got > N / 2, `baseline received only ${got} of ${N}`);
  });

  it('drop mode: a stuck subscriber costs the others < 10 % of their throughput', async () => {
    // Its own reference run, on its own hub: the test does not rely on the baseline test above.
    const baseline = await run('drop', false);
    const r = await run('drop', true);
    for (const [i, got] of r.fast.entries()) {
      assert.ok(got >= 0.9 * baseline.fast[i]!, `fast-${i + 1} received ${got} of ${baseline.fast[i]}`);
    }
  });

  it("control, block mode (Zeek's NODROP): the stuck subscriber stalls everyone", async () => {
    const r = await run('block', true, CONTROL_WINDOW_MS);
    for (const got of r.fast) assert.ok(got < 0.9 * N, `received ${got} of ${N} despite NODROP`);
  });
});
