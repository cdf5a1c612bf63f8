/**
 * The simulator module against the real hub, with a PULL socket in the log sink's place: every
 * node becomes visible at the hub, every expected event delivery arrives, and the log batches
 * decode to exactly the records the simulator wrote, with Zeek's batch size limit respected; the
 * senders of one event kind take turns, each numbering its events without gaps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pull, XSubscriber } from 'zeromq';
import { startSimulation } from '@zeek-relay/cli/simulator';
import { createHub } from '@zeek-relay/hub';
import {
  decodeEvent,
  decodeEventFrames,
  decodeLogBatch,
  decodeLogFrames,
  encodeSubscriptionFrame,
} from '@zeek-relay/wire';
import { freePort } from './helpers.js';

test('simulated nodes: node list at the hub, no lost events, log batches match what was written', async () => {
  const [xpub, xsub, logPort] = [await freePort(), await freePort(), await freePort()];
  const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: xpub, xsubPort: xsub });
  await hub.start();
  const pull = new Pull();
  await pull.bind(`tcp://127.0.0.1:${logPort}`);
  const records = new Map<string, number>();
  let batches = 0;
  let largest = 0;
  const reading = (async () => {
    for await (const frames of pull) {
      const batch = decodeLogBatch(decodeLogFrames(frames).payload);
      batches++;
      largest = Math.max(largest, batch.records.length);
      records.set(batch.header.path, (records.get(batch.header.path) ?? 0) + batch.records.length);
    }
  })();
  try {
    const sim = await startSimulation({
      endpoints: {
        hubXsub: `tcp://127.0.0.1:${xsub}`,
        hubXpub: `tcp://127.0.0.1:${xpub}`,
        log: `tcp://127.0.0.1:${logPort}`,
      },
      workers: 3,
      proxies: 2,
      rate: 300,
      logRate: 400,
      writeBufferSize: 40,
      durationMs: 1500,
    });
    assert.deepEqual(
      hub.nodes().map((n) => n.name),
      ['manager', 'proxy-1', 'proxy-2', 'worker-1', 'worker-2', 'worker-3'],
    );
    const summary = await sim.done;
    assert.ok(summary.eventsSent > 0 && summary.logRecords > 0);
    assert.equal(summary.eventsLost, 0);
    assert.equal(summary.eventsReceived, summary.eventsExpected);
    assert.equal(summary.nodesUp, 6);
    // Each kind has receivers: manager topic (1), worker broadcast (3), one proxy, one worker, zeek/sim/ (manager).
    assert.ok(summary.eventsExpected > summary.eventsSent);
    const until = Date.now() + 5000;
    const total = (): number => [...records.values()].reduce((a, b) => a + b, 0);
    while (total() < summary.logRecords && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(Object.fromEntries(records), summary.logRecordsByStream);
    assert.equal(batches, summary.logBatches);
    assert.ok(largest <= 40, `a batch never exceeds Log::write_buffer_size (got ${largest})`);
  } finally {
    pull.close();
    await reading;
    await hub.close();
  }
});

test('every worker sends its turn of zeek/sim/notice, each numbering its notices 1, 2, 3, … without gaps', async () => {
  const [xpub, xsub] = [await freePort(), await freePort()];
  const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: xpub, xsubPort: xsub });
  await hub.start();
  // What a `zeek-relay subscribe zeek/` client sees, straight from the hub.
  const observer = new XSubscriber({ linger: 0 });
  observer.connect(`tcp://127.0.0.1:${xpub}`);
  await observer.send(encodeSubscriptionFrame(true, 'zeek/sim/'));
  const notices = new Map<string, number[]>();
  const reading = (async () => {
    for await (const frames of observer) {
      const ev = decodeEvent(decodeEventFrames(frames).payload);
      const [from, seq] = ev.args;
      if (ev.name !== 'Sim::notice' || from?.type !== 'string' || seq?.type !== 'count') continue;
      const name = Buffer.from(from.value).toString();
      notices.set(name, [...(notices.get(name) ?? []), Number(seq.value)]);
    }
  })().catch(() => undefined);
  try {
    while (!hub.subscriptions().includes('zeek/sim/')) await new Promise((r) => setTimeout(r, 10));
    // The default mix with two workers: one counter shared by every kind sent every notice from
    // worker-2, numbered with gaps.
    const sim = await startSimulation({
      endpoints: { hubXsub: `tcp://127.0.0.1:${xsub}`, hubXpub: `tcp://127.0.0.1:${xpub}` },
      workers: 2,
      proxies: 1,
      rate: 400,
      logRate: 0,
      durationMs: 1500,
    });
    const summary = await sim.done;
    const total = (): number => [...notices.values()].reduce((a, v) => a + v.length, 0);
    while (total() < summary.appEvents) await new Promise((r) => setTimeout(r, 10));
    assert.ok(summary.appEvents >= 10, `${summary.appEvents} notices`);
    assert.deepEqual([...notices.keys()].sort(), ['worker-1', 'worker-2']);
    for (const [name, seqs] of notices) {
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i + 1),
        `${name}: 1, 2, 3, …`,
      );
    }
    const [a, b] = [...notices.values()].map((v) => v.length);
    assert.ok(Math.abs(a! - b!) <= 1, `turns: ${a} and ${b}`);
  } finally {
    observer.close();
    await reading;
    await hub.close();
  }
});
