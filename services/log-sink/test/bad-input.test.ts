/**
 * Every bad-input class: wrong frame count, unknown format, truncated, corrupt, unknown type tag,
 * unusable path. Each is counted by reason (stats and the `zeek_relay.sink.errors` metric, read
 * back through an in-memory exporter), logged rate-limited, dropped; the sink keeps running and
 * writes the good batch sent after them. Inputs: log-invalid.json values (zeek v8.0.10 reader
 * rejects them) and receiver-checks captured from a Zeek 8.0.10 logger.
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
import { pino } from 'pino';
import { countBatch, oneValueBatch } from './helpers/batches.js';
import { fixture, hex } from './helpers/fixtures.js';
import { listVisible, read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';
import { LOG_WRITE_TOPIC, FORMAT_ZEEK_BIN_SERIALIZER } from '@zeek-relay/wire';

interface Invalid {
  name: string;
  hex: string;
}
const invalid = new Map(
  fixture<{ vectors: Invalid[] }>('log-invalid.json').vectors.map((v) => [v.name, v.hex]),
);
const value = (name: string) => {
  const h = invalid.get(name);
  assert.ok(h, name);
  return h;
};
interface ReceiverCase {
  name: string;
  frames_hex: string[];
  records_written: number;
}
const receiverCases = fixture<{ log_batches: { cases: ReceiverCase[] } }>('captured/receiver-checks.json')
  .log_batches.cases;
const framesOf = (name: string) => {
  const c = receiverCases.find((x) => x.name === name);
  assert.ok(c, name);
  return c.frames_hex.map(hex);
};

for (const renderThreads of [0, 2])
  test(`every bad-input class is counted by reason, logged rate-limited, dropped; the sink keeps writing (render threads: ${renderThreads})`, async () => {
    const dir = await tempDir();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const logLines: string[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    });
    const h = await startSink(
      dir,
      { renderThreads },
      { meter: provider.getMeter('test'), log: pino({ level: 'warn' }, logStream) },
    );
    const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'inject' });
    const id = Buffer.from('inject');
    const conn = hex(
      fixture<{ vectors: { name: string; hex: string }[] }>('captured/log-batches.json').vectors[0]?.hex ??
        '',
    );
    try {
      // frame_count: 3 frames (captured "three-frames"), 5 frames, 1 frame
      await node.sendFrames(framesOf('three-frames'));
      await node.sendFrames([LOG_WRITE_TOPIC, id, FORMAT_ZEEK_BIN_SERIALIZER, conn, Buffer.from('extra')]);
      await node.sendFrames([conn]);
      // format: frame 2 = zeek-bin-v1 (captured "wrong-format")
      await node.sendFrames(framesOf('wrong-format'));
      // truncated: the conn batch cut in the middle, a string longer than the input, container underflow
      await node.sendBatchBlocking(conn.subarray(0, conn.length - 7));
      await node.sendBatchBlocking(oneValueBatch(value('value-string-too-long'), 7));
      await node.sendBatchBlocking(oneValueBatch(value('value-set-underflow'), 14));
      await node.sendBatchBlocking(oneValueBatch(value('value-vector-underflow'), 19));
      // corrupt: bad address/subnet family, negative string length
      await node.sendBatchBlocking(oneValueBatch(value('value-addr-bad-family'), 11));
      await node.sendBatchBlocking(oneValueBatch(value('value-subnet-bad-family'), 12));
      await node.sendBatchBlocking(oneValueBatch(value('value-string-negative-length'), 7));
      // unknown type tag 255
      await node.sendBatchBlocking(oneValueBatch(value('value-unknown-type'), 7));
      // unusable paths (would escape the log directory or hide the file)
      await node.sendBatchBlocking(countBatch(1, '../evil'));
      await node.sendBatchBlocking(countBatch(1, '.hidden'));
      await node.sendBatchBlocking(countBatch(1, 'a/b'));
      // and a good batch afterwards
      await node.sendBatchBlocking(countBatch(42, 'good'));
      await until(() => h.sink.stats.batches === 1);
      // every bad message above, by reason: in the sink's stats and in its metrics alike
      const bad = {
        frame_count: 3,
        format: 1,
        truncated: 4,
        corrupt: 3,
        unknown_tag: 1,
        bad_path: 3,
      };
      assert.deepEqual(h.sink.stats.badInput, bad);
      await h.sink.close();
      assert.match(await read(dir, 'good.log'), /^42$/m);

      await reader.forceFlush();
      const metrics = exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));
      const errors = metrics.find((m) => m.descriptor.name === 'zeek_relay.sink.errors');
      assert.ok(errors);
      const byReason = Object.fromEntries(
        errors.dataPoints.map((p) => [String(p.attributes['error.type']), p.value]),
      );
      assert.deepEqual(byReason, bad);
      // rate-limited: one warning per reason within the window, not one per message
      const warnings = logLines
        .map((l) => JSON.parse(l) as { msg: string; reason: string })
        .filter((l) => l.msg === 'Dropped bad log message');
      assert.deepEqual(warnings.map((w) => w.reason).sort(), [
        'bad_path',
        'corrupt',
        'format',
        'frame_count',
        'truncated',
        'unknown_tag',
      ]);
    } finally {
      node.close();
      await h.sink.close();
      await provider.shutdown();
      await removeDir(dir);
    }
  });

test('receiver checks captured from Zeek 8.0.10: trailing bytes, renamed column, other path, unchecked frame 0 are accepted', async () => {
  const dir = await tempDir();
  const h = await startSink(dir);
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'inject' });
  try {
    for (const name of ['trailing-bytes', 'renamed-column', 'other-path', 'frame0-not-log-write'])
      await node.sendFrames(framesOf(name));
    await until(() => h.sink.stats.batches === 4);
    await h.sink.close();
    assert.equal(h.sink.stats.records, 8);
    // renamed-column: a non-Zeek logger only has the header to go on, so every schema change
    // starts a new file (the previous one is closed and archived): conn A, conn B (xyz), conn A.
    const files = await listVisible(dir);
    const archived = files.filter((f) => /^conn\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(-\d+)?\.log$/.test(f));
    assert.equal(archived.length, 2);
    const texts = [...(await Promise.all(archived.map((f) => read(dir, f)))), await read(dir, 'conn.log')];
    const fieldsLines = texts.map(
      (t) => (t.split('\n').find((l) => l.startsWith('#fields')) ?? '').split('\t')[2],
    );
    assert.deepEqual(fieldsLines.sort(), ['uid', 'uid', 'xyz']);
    for (const t of texts) {
      assert.equal(t.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length, 2);
      assert.match(t, /^#close\t/m);
    }
    const conX = await read(dir, 'conX.log');
    assert.equal(conX.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length, 2);
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});
