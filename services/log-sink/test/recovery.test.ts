/**
 * Crash recovery (Zeek's leftover-log rotation, always on): a live file left with its shadow
 * marker loses only its cut-off partial last line, gets `#close` (TSV), and is archived under the
 * rotated name; stale markers and temp files go; a live file that is not the sink's is archived,
 * never overwritten. Afterwards the sink writes a fresh file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatLogTimestamp } from '@zeek-relay/wire';
import { recoverDirectory } from '../src/index.js';
import { countBatch } from './helpers/batches.js';
import { listVisible, read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

const HEADER =
  '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tgood\n#open\t2026-11-24-10-00-00\n#fields\tn\n#types\tcount\n';

test('a crashed TSV file: partial line cut, #close added (its mtime), archived by open time; then a fresh file', async () => {
  const dir = await tempDir();
  const opened = new Date(2026, 10, 24, 10, 0, 0);
  const lastWrite = new Date(2026, 10, 24, 10, 41, 7);
  await writeFile(join(dir, 'good.log'), `${HEADER}1\n2\n12345`);
  await writeFile(join(dir, '.shadow.good.log'), '.log\n\n');
  await utimes(join(dir, '.shadow.good.log'), opened, opened);
  await utimes(join(dir, 'good.log'), lastWrite, lastWrite);
  await writeFile(join(dir, '.shadow.gone.log'), '.log\n\n');
  await writeFile(join(dir, 'x.2026-11-24-09-00-00.log.gz.tmp'), 'partial');
  const h = await startSink(dir);
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    const archived = `good.${formatLogTimestamp(opened)}.log`;
    assert.deepEqual(await readdir(dir), [archived]);
    assert.equal(await read(dir, archived), `${HEADER}1\n2\n#close\t${formatLogTimestamp(lastWrite)}\n`);
    await node.sendBatchBlocking(countBatch(3));
    await until(() => h.sink.stats.batches === 1);
    await h.sink.close();
    const fresh = await read(dir, 'good.log');
    assert.match(fresh, /^#separator/);
    assert.deepEqual(
      fresh.split('\n').filter((l) => l !== '' && !l.startsWith('#')),
      ['3'],
    );
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('a crashed JSON file: the partial line is cut, no #close is added; an already closed TSV file is left as is', async () => {
  const dir = await tempDir();
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'dns.log'), '{"a":1}\n{"a":2}\n{"a":');
  await writeFile(join(dir, '.shadow.dns.log'), '.log\n\n');
  await writeFile(join(dir, 'good.log'), `${HEADER}1\n#close\t2026-11-24-11-00-00\n`);
  await writeFile(join(dir, '.shadow.good.log'), '.log\n\n');
  try {
    const done = await recoverDirectory(dir, 'log', 0);
    assert.deepEqual(done.map((d) => [d.file, d.truncatedBytes, d.closed]).sort(), [
      ['dns.log', 5, false],
      ['good.log', 0, false],
    ]);
    const names = await listVisible(dir);
    const dns = names.find((n) => n.startsWith('dns.'));
    const good = names.find((n) => n.startsWith('good.'));
    assert.ok(dns && good);
    assert.equal(await read(dir, dns), '{"a":1}\n{"a":2}\n');
    assert.equal(await read(dir, good), `${HEADER}1\n#close\t2026-11-24-11-00-00\n`);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('.')),
      [],
    );
  } finally {
    await removeDir(dir);
  }
});

test('rotation on: a live file the sink did not create is archived, never overwritten', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'good.log'), `${HEADER}7\n`);
  const h = await startSink(dir, { rotationIntervalSeconds: 3600 });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    await node.sendBatchBlocking(countBatch(8));
    await until(() => h.sink.stats.batches === 1);
    await h.sink.close();
    // Both archived (the stranger at open, ours at shutdown since rotation is on).
    const names = await listVisible(dir);
    assert.equal(names.length, 2);
    assert.ok(!names.includes('good.log'));
    const texts = await Promise.all(names.map((n) => read(dir, n)));
    assert.ok(texts.some((t) => /\n7\n#close\t/.test(t)));
    assert.ok(texts.some((t) => /\n8\n#close\t/.test(t)));
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});
