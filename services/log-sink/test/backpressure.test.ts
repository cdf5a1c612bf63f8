/**
 * Backpressure instead of unbounded memory: when the destination is slow the sink stops reading
 * (queue bounded by maxQueuedBytes, queue depth visible as a metric), libzmq's RCVHWM and TCP
 * push back, and the Zeek node's own queue fills until its non-blocking send reports EAGAIN
 * (Zeek: "Failed to send log write. HWM reached?"). Once the destination catches up, everything
 * the node did send arrives, in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { countsBatch } from './helpers/batches.js';
import {
  intakeSetting,
  intakesUnderTest,
  removeDir,
  startSink,
  tempDir,
  until,
} from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

/** A destination that accepts writes but completes none until opened. */
function slowDestination() {
  const held: Array<() => void> = [];
  let open = false;
  const lines: string[] = [];
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l !== ''),
      );
      if (open) cb();
      else held.push(cb);
    },
  });
  return {
    stream,
    lines,
    open() {
      open = true;
      held.splice(0).forEach((cb) => cb());
    },
  };
}

for (const intake of intakesUnderTest())
  test(`a slow destination stops intake; the node hits its HWM; nothing sent is lost${intakeSetting(intake).name}`, async () => {
    const dir = await tempDir();
    const dest = slowDestination();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const maxQueuedBytes = 64 * 1024;
    const h = await startSink(
      dir,
      { outputs: ['stdout'], maxQueuedBytes, receiveHighWaterMark: 10, ...intakeSetting(intake).config },
      { stdout: dest.stream, meter: provider.getMeter('t') },
    );
    const push = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1', linger: 0 });
    let sent = 0;
    let refused = 0;
    try {
      const values = (k: number) => Array.from({ length: 500 }, (_, i) => k * 500 + i);
      // Push as Zeek does (DONTWAIT) until the node's own queue is full, bounded to 20000 batches.
      while (refused === 0 && sent < 20_000) {
        if (await push.sendBatch(countsBatch(values(sent), 'seq'))) sent++;
        else refused++;
        if (sent % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      assert.equal(refused, 1, 'the node reached its HWM');
      const perBatch = 500 * '{"_path":"seq","n":1234567}'.length;
      assert.ok(h.sink.stats.intakePauses > 0, 'intake paused');
      assert.ok(
        h.sink.stats.batches <= maxQueuedBytes / (perBatch / 2) + 2,
        `accepted ${h.sink.stats.batches} batches while blocked`,
      );
      await reader.forceFlush();
      const gauge = exporter
        .getMetrics()
        .flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics))
        .find((m) => m.descriptor.name === 'zeek_relay.sink.queue.bytes');
      assert.ok(gauge && Number(gauge.dataPoints[0]?.value) > 0, 'queue depth is visible');

      dest.open();
      await until(() => h.sink.stats.batches === sent);
      await h.sink.flush();
      assert.equal(dest.lines.length, sent * 500);
      const ns = dest.lines.map((l) => (JSON.parse(l) as { n: number }).n);
      assert.deepEqual(
        ns,
        Array.from({ length: sent * 500 }, (_, i) => i),
      );
    } finally {
      dest.open();
      push.close();
      await h.sink.close();
      await provider.shutdown();
      await removeDir(dir);
    }
  });
