/**
 * The stdout writer: Zeek's JSON line (as in the capture from a Zeek 8.0.10 logger) with
 * `"_path"` as its first key, one line per record.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { countBatch } from './helpers/batches.js';
import { fixture, hex, type BatchVector } from './helpers/fixtures.js';
import { removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

for (const renderThreads of [0, 2])
  test(`stdout lines are the Zeek JSON lines with _path first (render threads: ${renderThreads})`, async () => {
    const v = fixture<{ vectors: BatchVector[] }>('captured/log-batches.json').vectors.find(
      (x) => x.name === 'conn-like-two-records',
    );
    assert.ok(v?.json_writer_output);
    const chunks: Buffer[] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    const dir = await tempDir();
    const h = await startSink(dir, { outputs: ['stdout'], renderThreads }, { stdout });
    const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
    try {
      await node.sendBatchBlocking(hex(v.hex));
      await node.sendBatchBlocking(countBatch(5, 'x'));
      await until(() => h.sink.stats.batches === 2);
      await h.sink.flush();
      const expected =
        v.json_writer_output
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => `{"_path":"conn",${l.slice(1)}`)
          .join('\n') + '\n{"_path":"x","n":5}\n';
      assert.equal(Buffer.concat(chunks).toString('utf8'), expected);
    } finally {
      node.close();
      await h.sink.close();
      await removeDir(dir);
    }
  });
