/**
 * Rotation like Zeek's logger: aligned interval boundaries (util.cc calc_next_rotate semantics,
 * base time 0:00), Zeek's rotated name `<path>.<open %Y-%m-%d-%H-%M-%S>.log`, `#close` in every
 * rotated file, optional size limit, optional gzip, and nothing lost or repeated across rotations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { nextRotationMs, rotatedFileName } from '../src/index.js';
import { countBatch } from './helpers/batches.js';
import { listVisible, read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';
import { readdir } from 'node:fs/promises';

const ARCHIVED = /^good\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(-\d+)?\.log$/;

function dataLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

test('interval boundaries are aligned to local midnight + base time', () => {
  const at = (h: number, m: number, s = 0) => new Date(2026, 10, 24, h, m, s).getTime();
  assert.equal(nextRotationMs(at(21, 17, 3), 3600, 0), at(22, 0));
  assert.equal(nextRotationMs(at(21, 0, 0), 3600, 0), at(22, 0));
  assert.equal(nextRotationMs(at(21, 17), 900, 5), at(21, 20));
  assert.equal(nextRotationMs(at(23, 59, 59), 86400, 0), new Date(2026, 10, 25, 0, 0).getTime());
  assert.equal(nextRotationMs(at(1, 0), 86400, 3 * 60), at(3, 0));
});

test('rotated names follow Zeek: <path>.<open time>.log, -n on collision, .gz when compressed', () => {
  const open = new Date(2026, 10, 24, 21, 0, 5);
  assert.equal(rotatedFileName('conn', open, 'log', false), 'conn.2026-11-24-21-00-05.log');
  assert.equal(rotatedFileName('conn', open, 'log', true), 'conn.2026-11-24-21-00-05.log.gz');
  assert.equal(rotatedFileName('conn', open, 'log', false, 2), 'conn.2026-11-24-21-00-05-2.log');
});

test('size limit: files rotate once they reach rotationMaxBytes; every record exactly once; each file closed', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { rotationMaxBytes: 150 });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    for (let i = 0; i < 30; i++) await node.sendBatchBlocking(countBatch(i));
    await until(() => h.sink.stats.batches === 30);
    await h.sink.close();
    const files = await listVisible(dir);
    const archived = files.filter((f) => ARCHIVED.test(f));
    assert.ok(archived.length >= 3, `expected several rotated files, got ${files.join(' ')}`);
    const all: string[] = [];
    for (const f of [...archived, 'good.log']) {
      const text = await read(dir, f);
      assert.match(text, /^#separator \\x09\n/);
      assert.match(text, /\n#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\n$/);
      all.push(...dataLines(text));
    }
    assert.deepEqual(
      all.map(Number).sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i),
    );
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('interval: the file is closed and archived at the boundary, the next write opens a new one; shutdown archives too', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { rotationIntervalSeconds: 1 });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    await node.sendBatchBlocking(countBatch(1));
    await until(async () => (await listVisible(dir)).some((f) => ARCHIVED.test(f)));
    await node.sendBatchBlocking(countBatch(2));
    await until(() => h.sink.stats.batches === 2);
    await h.sink.close();
    const all = await readdir(dir);
    assert.deepEqual(
      all.filter((f) => f.startsWith('.')),
      [],
      'no shadow files after a clean shutdown',
    );
    // Both files can open within the same second; the later one then carries a `-<n>` suffix,
    // which plain string order would put first ('-' < '.'). Order by (stamp, n).
    const order = (f: string): [string, number] => {
      const m = /^good\.([\d-]{19})(?:-(\d+))?\.log$/.exec(f);
      return [m?.[1] ?? f, Number(m?.[2] ?? 0)];
    };
    const archived = all
      .filter((f) => ARCHIVED.test(f))
      .sort((a, b) => {
        const [sa, na] = order(a);
        const [sb, nb] = order(b);
        return sa < sb ? -1 : sa > sb ? 1 : na - nb;
      });
    assert.equal(archived.length, 2);
    const texts = await Promise.all(archived.map((f) => read(dir, f)));
    assert.deepEqual(texts.map(dataLines), [['1'], ['2']]);
    for (const t of texts) assert.match(t, /\n#close\t/);
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('gzip: rotated files are compressed to .log.gz with complete content', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { rotationMaxBytes: 133, gzipLevel: 6, rotationIntervalSeconds: 3600 });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    for (let i = 0; i < 10; i++) await node.sendBatchBlocking(countBatch(i));
    await until(() => h.sink.stats.batches === 10);
    await h.sink.close();
    const files = await listVisible(dir);
    assert.ok(files.length >= 2 && files.every((f) => f.endsWith('.log.gz')), files.join(' '));
    const all: string[] = [];
    for (const f of files) {
      const text = gunzipSync(await readFile(join(dir, f))).toString('utf8');
      assert.match(text, /^#separator/);
      assert.match(text, /\n#close\t/);
      all.push(...dataLines(text));
    }
    assert.deepEqual(
      all.map(Number).sort((a, b) => a - b),
      Array.from({ length: 10 }, (_, i) => i),
    );
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});
