/**
 * One path the file system will not take never stalls the others (issue #15): a path whose file
 * name is over 255 bytes (counted in bytes, not characters) is dropped at intake as `bad_path`;
 * a path whose file cannot be opened for good (a directory in its place: EISDIR; a read-only
 * file system: EROFS) is rejected once, its batches dropped and counted as `path_rejected`, while
 * every other path is written in full, and the sink still stops at once. Real files and, for
 * EROFS, a real read-only tmpfs (needs root for mount; skipped otherwise). The path metric
 * attribute, also from the network, is capped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { countsBatch } from './helpers/batches.js';
import { read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';
import { isSafeLogPath } from '../src/index.js';

const records = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

test('isSafeLogPath counts bytes: 62 emoji (124 UTF-16 units, 248 bytes) are too long', () => {
  const emoji = '\u{1F680}'.repeat(62);
  assert.equal(emoji.length, 124);
  assert.equal(isSafeLogPath(emoji), false);
  assert.equal(isSafeLogPath('é'.repeat(100)), true); // 200 bytes
  assert.equal(isSafeLogPath('é'.repeat(101)), false);
  assert.equal(isSafeLogPath('conn'), true);
  assert.equal(isSafeLogPath('a'.repeat(180), 'x'.repeat(60)), false, 'the suffix counts too');
});

test('a path with a 248-byte name is dropped as bad_path; the other path is written', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { renderThreads: 0 });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    await node.sendBatchBlocking(countsBatch([1], '\u{1F680}'.repeat(62)));
    await node.sendBatchBlocking(countsBatch([2], 'good'));
    await until(() => h.sink.stats.batches === 1 && h.sink.stats.badInput.bad_path === 1);
    await h.sink.close();
    assert.deepEqual(await readdir(dir), ['good.log']);
    assert.deepEqual(records(await read(dir, 'good.log')), ['2']);
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('EISDIR: the path is rejected once, later batches for it are dropped, other paths flow', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, 'conn.log'));
  const h = await startSink(dir, { renderThreads: 2, maxQueuedBytes: 64 * 1024 });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    await node.sendBatchBlocking(countsBatch([1], 'conn'));
    await until(() => h.sink.stats.pathsRejected === 1);
    // Far more than the write budget for the rejected path: nothing may queue up behind it.
    for (let b = 0; b < 200; b++) {
      await node.sendBatchBlocking(
        countsBatch(
          Array.from({ length: 100 }, (_, i) => b * 100 + i),
          'conn',
        ),
      );
      await node.sendBatchBlocking(countsBatch([b], 'dns'));
    }
    await until(() => h.sink.stats.batches === 401);
    await until(() => h.sink.stats.rejectedBatches === 200);
    assert.equal(h.sink.stats.pathsRejected, 1, 'rejected (and logged) once');
    assert.equal(h.sink.stats.writeFailures, 0, 'not retried');
    await h.sink.close();
    assert.deepEqual(
      records(await read(dir, 'dns.log')),
      Array.from({ length: 200 }, (_, b) => String(b)),
    );
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('EROFS: JSON files on a read-only file system are rejected, the TSV files are written', async (t) => {
  const dir = await tempDir();
  const ro = join(dir, 'ro');
  await mkdir(ro);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    await removeDir(dir);
    t.skip(`cannot mount a tmpfs here (${mounted.stderr.trim() || 'not root'})`);
    return;
  }
  try {
    const h = await startSink(join(dir), { outputs: ['tsv', 'json'], jsonLogDir: ro, renderThreads: 0 });
    const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
    try {
      for (let b = 0; b < 50; b++) await node.sendBatchBlocking(countsBatch([b], 'conn'));
      await until(() => h.sink.stats.batches === 50 && h.sink.stats.pathsRejected === 1);
      await h.sink.close();
      assert.equal(records(await read(dir, 'conn.log')).length, 50);
      assert.deepEqual(await readdir(ro), []);
    } finally {
      node.close();
      await h.sink.close();
    }
  } finally {
    spawnSync('umount', [ro]);
    await removeDir(dir);
  }
});

test('the zeek.log.path metric attribute is capped: paths beyond metricsMaxPaths count as "other"', async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const dir = await tempDir();
  const h = await startSink(dir, { metricsMaxPaths: 2, renderThreads: 0 }, { meter: provider.getMeter('t') });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    for (const path of ['a', 'b', 'c', 'd', 'a', 'e'])
      await node.sendBatchBlocking(countsBatch([1, 2], path));
    await until(() => h.sink.stats.batches === 6);
    await h.sink.close();
    await reader.forceFlush();
    const metrics = exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics));
    const recordsByPath = (name: string) =>
      Object.fromEntries(
        (metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? []).map((p) => [
          String(p.attributes['zeek.log.path']),
          p.value,
        ]),
      );
    assert.deepEqual(recordsByPath('zeek_relay.sink.records'), { a: 4, b: 2, other: 6 });
    assert.deepEqual(Object.keys(recordsByPath('zeek_relay.sink.written')).sort(), ['a', 'b', 'other']);
    assert.equal((await readdir(dir)).length, 5, 'the files themselves are not affected');
  } finally {
    node.close();
    await h.sink.close();
    await provider.shutdown();
    await removeDir(dir);
  }
});
