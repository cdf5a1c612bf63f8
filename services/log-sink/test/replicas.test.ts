/**
 * Several replicas are independent loggers: a Zeek node connects its PUSH socket to all of them
 * (connect_log_endpoints) and ZeroMQ round-robins batches; every record ends up in exactly one
 * replica's files.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countsBatch } from './helpers/batches.js';
import { listVisible, read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

test('two replicas share a node’s batches, each record written once', async () => {
  const dirs = [await tempDir(), await tempDir()];
  const sinks = [await startSink(dirs[0] as string), await startSink(dirs[1] as string)];
  const push = new LogPush({
    endpoints: sinks.map((s) => s.endpoint),
    nodeId: 'zeromq_worker-1_test_1_N1',
    linger: 1000,
  });
  try {
    await until(async () => {
      // wait for both pipes, so round-robin covers both replicas
      await push.sendBatchBlocking(countsBatch([], 'warmup'));
      return sinks.every((s) => s.sink.stats.batches > 0);
    });
    for (let b = 0; b < 40; b++)
      await push.sendBatchBlocking(countsBatch([b * 10, b * 10 + 1, b * 10 + 2], 'seq'));
    await until(() => sinks.reduce((a, s) => a + s.sink.stats.records, 0) === 120);
    for (const s of sinks) await s.sink.close();
    const perReplica: number[][] = [];
    for (const dir of dirs) {
      const values: number[] = [];
      for (const f of (await listVisible(dir)).filter((n) => n.startsWith('seq'))) {
        for (const l of (await read(dir, f)).split('\n'))
          if (l !== '' && !l.startsWith('#')) values.push(Number(l));
      }
      perReplica.push(values);
    }
    assert.ok(
      perReplica.every((v) => v.length > 0),
      'both replicas wrote records',
    );
    const all = perReplica.flat().sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 40 }, (_, b) => [b * 10, b * 10 + 1, b * 10 + 2]).flat());
  } finally {
    push.close();
    for (const s of sinks) await s.sink.close();
    for (const d of dirs) await removeDir(d);
  }
});
