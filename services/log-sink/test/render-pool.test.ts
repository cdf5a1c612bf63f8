/**
 * The render workers send a batch's header only now and then (render-protocol.ts
 * `HEADER_RESEND`) and the pool resolves the others by id. Many batches over more paths than the
 * header cache holds, interleaved with bad ones, must still land complete, in order, in the
 * right files.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countsBatch, oneValueBatch } from './helpers/batches.js';
import { read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

const PATHS = 20; // more than the decoder's header cache (16): header objects are re-created
const BATCHES = 1400; // > 2 × 256 results per worker: ids are forgotten and headers re-sent

test('batches over many paths through the render workers land complete and in order', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { outputs: ['tsv'], renderThreads: 2 });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    let bad = 0;
    for (let i = 0; i < BATCHES; i++) {
      await node.sendBatchBlocking(countsBatch([i, i], `p${i % PATHS}`));
      if (i % 97 === 0) {
        await node.sendBatchBlocking(oneValueBatch('00', 3, `p${i % PATHS}`)); // records truncated
        bad++;
      }
    }
    await until(() => h.sink.stats.batches === BATCHES && (h.sink.stats.badInput.truncated ?? 0) === bad);
    await h.sink.flush();
    for (let k = 0; k < PATHS; k++) {
      const lines = (await read(dir, `p${k}.log`)).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      const expected: string[] = [];
      for (let i = k; i < BATCHES; i += PATHS) expected.push(String(i), String(i));
      assert.deepEqual(lines, expected, `p${k}.log`);
    }
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});
