/**
 * The render workers send a batch's header only now and then (render-protocol.ts
 * `HEADER_RESEND`) and the pool resolves the others by id. Many batches over more paths than the
 * header cache holds, interleaved with bad ones, must still land complete, in order, in the
 * right files.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { countsBatch, oneValueBatch } from './helpers/batches.js';
import { read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';
import { WriteBudget } from '../src/backpressure.js';
import { renderSettingsOf } from '../src/batch-renderer.js';
import { sizeClass } from '../src/buffer-pool.js';
import { resolveSinkConfig } from '../src/config.js';
import { createRenderPool, type DeliveredResult } from '../src/render-pool.js';

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

/**
 * Batches whose text fills the renderers' buffers are handed over whole, written, and their
 * buffers sent back to the workers to render later batches into (buffer-pool.ts). A buffer
 * reused before its bytes were written would show up as wrong or repeated lines.
 */
test('large batches through reused buffers land complete and in order (TSV and JSON)', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { outputs: ['tsv', 'json'], renderThreads: 2 });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  const PER_BATCH = 12000; // ≈ 80 KB of TSV, 130 KB of JSON per batch: more than half a buffer
  const LARGE = 120;
  try {
    for (let i = 0; i < LARGE; i++) {
      const values = Array.from({ length: PER_BATCH }, (_, k) => i * PER_BATCH + k);
      await node.sendBatchBlocking(countsBatch(values, 'big'));
    }
    await until(() => h.sink.stats.batches === LARGE);
    await h.sink.flush();
    const tsv = (await read(dir, 'big.log')).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    const json = (await read(join(dir, 'json'), 'big.log')).split('\n').filter((l) => l !== '');
    assert.equal(tsv.length, LARGE * PER_BATCH);
    assert.equal(json.length, LARGE * PER_BATCH);
    for (let n = 0; n < LARGE * PER_BATCH; n++) {
      if (tsv[n] !== String(n)) assert.fail(`TSV line ${n}: ${tsv[n]}`);
      if (json[n] !== `{"n":${n}}`) assert.fail(`JSON line ${n}: ${json[n]}`);
    }
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

/**
 * `intake=zmtp` assembles a large payload straight into a buffer the pool lent (a free pooled one,
 * else a new one of the size class): it is transferred to a worker as it is (detached here: no
 * second copy), while any other payload is copied and stays readable; all render the same text.
 */
test('a payload in a lent pooled buffer goes to a worker without a copy; others are copied', async () => {
  const budget = new WriteBudget(1 << 30);
  const results: DeliveredResult[] = [];
  const settings = renderSettingsOf(resolveSinkConfig({ outputs: ['tsv'] }));
  const pool = createRenderPool(
    1,
    settings,
    budget,
    (r) => results.push(r),
    (err) => assert.fail(String(err)),
  );
  try {
    await pool.ready();
    const batch = countsBatch(
      Array.from({ length: 5000 }, (_, i) => i),
      'lent',
    );
    // No free pooled buffer yet: a new one of the size class, transferred too.
    const first = pool.lend(batch.length);
    assert.equal(first.buffer.byteLength, sizeClass(batch.length), 'a buffer of the size class');
    first.set(batch);
    pool.submit(first);
    await pool.idle();
    assert.equal(first.buffer.byteLength, 0, 'the first lent buffer was transferred');
    // It came back with its result: the next lend is that buffer, transferred again.
    const lent = pool.lend(batch.length);
    lent.set(batch);
    const plain = Buffer.from(batch);
    pool.submit(lent);
    pool.submit(plain);
    await pool.idle();
    assert.equal(lent.buffer.byteLength, 0, 'the lent buffer was transferred');
    assert.equal(plain.length, batch.length, 'the other payload was copied');
    // A CURVE batch opened into a lent buffer lies after its flags octet: transferred as it is.
    const opened = pool.lend(batch.length + 1);
    opened.set(batch, 1);
    pool.submit(opened.subarray(1));
    await pool.idle();
    assert.equal(opened.buffer.byteLength, 0, 'the lent buffer with the payload at offset 1 was transferred');
    const texts = results.map((r) => {
      assert.ok(r.ok);
      return Buffer.from(r.tsv ?? []).toString('latin1');
    });
    assert.equal(texts.length, 4);
    assert.equal(texts[0], texts[1]);
    assert.equal(texts[0], texts[2]);
    assert.equal(texts[0], texts[3]);
    assert.equal(texts[0]!.split('\n').length, 5001);
  } finally {
    await pool.close();
  }
});
