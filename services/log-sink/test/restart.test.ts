/**
 * Zero loss and zero duplicates across a graceful restart while emulated Zeek nodes (separate
 * processes) keep pushing: the old sink drains until its socket is idle, closes its files; the
 * nodes' PUSH queues hold what arrives meanwhile; the new sink on the same endpoint recovers the
 * old live file and receives the rest. No record is written twice, and none is missing except a
 * flush a node sent at the very instant the old socket closed (ZeroMQ has no acknowledgements).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fork, type ChildProcess } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countsBatch } from './helpers/batches.js';
import { LogPush } from '@zeek-relay/zeek-node';
import { listVisible, read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';

interface Report {
  sent: number;
  dropped: number;
  flushes: [number, number][];
}

function startNode(endpoint: string, index: number): { child: ChildProcess; ready: Promise<void> } {
  const child = fork(
    new URL('./helpers/pushing-node.js', import.meta.url).pathname,
    [endpoint, String(index)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  return { child, ready: new Promise((r) => child.once('message', () => r())) };
}

function stopNode(child: ChildProcess): Promise<Report> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Report));
    child.send('stop');
  });
}

test(
  'graceful restart with nodes pushing: no duplicates, no loss outside the closing instant',
  { timeout: 60_000 },
  async (t) => {
    const dir = await tempDir();
    const first = await startSink(dir, { drainIdleMs: 50, drainTimeoutMs: 5000 });
    const nodes = [startNode(first.endpoint, 1), startNode(first.endpoint, 2)];
    let second: Awaited<ReturnType<typeof startSink>> | undefined;
    try {
      await Promise.all(nodes.map((n) => n.ready));
      await until(() => first.sink.stats.batches >= 12);
      const closeBegan = Date.now();
      await first.sink.close();
      const closeEnded = Date.now();
      await new Promise((r) => setTimeout(r, 300)); // nodes keep pushing into their queues
      second = await startSink(dir, { pullEndpoint: first.endpoint, drainIdleMs: 50 });
      const s2 = second;
      await until(() => s2.sink.stats.batches >= 12);
      const reports = await Promise.all(nodes.map((n) => stopNode(n.child)));
      const expected = reports.reduce((a, r) => a + r.sent - r.dropped, 0);
      const deadline = Date.now() + 10_000;
      assert.deepEqual(
        reports.map((r) => r.dropped),
        [0, 0],
        'no node hit its HWM',
      );
      await until(
        () => first.sink.stats.records + s2.sink.stats.records >= expected || Date.now() > deadline,
      );
      await s2.sink.close();
      assert.ok(first.sink.stats.records > 0 && s2.sink.stats.records > 0);
      const seen = new Map<number, number>();
      for (const f of await listVisible(dir)) {
        const text = await read(dir, f);
        assert.ok(text.endsWith('\n'), `${f} ends with a complete line`);
        for (const line of text.split('\n'))
          if (line !== '' && !line.startsWith('#')) seen.set(Number(line), (seen.get(Number(line)) ?? 0) + 1);
      }
      const dupes = [...seen].filter(([, n]) => n > 1);
      assert.deepEqual(dupes, []);
      // ZeroMQ PUSH/PULL has no acknowledgements: a flush a node sends at the very instant the old
      // socket closes (after the drain found it idle) can be on the wire and lost. Everything sent
      // before the shutdown began (drained) and after the old socket was gone (held in the node's
      // queue, delivered to the new sink) must be there exactly once; at most one flush per node
      // may fall into the closing instant.
      const margin = 100;
      const lostFlushes = new Set<string>();
      reports.forEach((r, i) => {
        const node = i + 1;
        for (let s = 0; s < r.sent; s++) {
          if (seen.get(node * 1_000_000 + s) === 1) continue;
          const flush = [...r.flushes].reverse().find(([first]) => first <= s);
          assert.ok(flush, `record ${s} of node ${node}`);
          const [firstSeq, at] = flush;
          assert.ok(
            at >= closeBegan - margin && at <= closeEnded + margin,
            `record ${s} of node ${node} sent ${at - closeBegan} ms after the shutdown began (close took ${closeEnded - closeBegan} ms) is missing`,
          );
          lostFlushes.add(`${node}:${firstSeq}`);
        }
      });
      assert.ok(lostFlushes.size <= reports.length, `lost flushes: ${[...lostFlushes].join(' ')}`);
      if (lostFlushes.size > 0)
        t.diagnostic(`flushes lost in the closing instant: ${[...lostFlushes].join(' ')}`);
      assert.ok(seen.size <= expected);
      assert.deepEqual(
        (await readdir(dir)).filter((n) => n.startsWith('.')),
        [],
        'rotation off: no shadow files (as Zeek)',
      );
    } finally {
      for (const n of nodes) n.child.kill();
      await first.sink.close();
      await second?.sink.close();
      await removeDir(dir);
    }
  },
);

test('rotation off: a clean stop leaves no shadow file, the next start appends to conn.log (no dated rename)', async () => {
  const dir = await tempDir();
  try {
    for (const run of [1, 2]) {
      const h = await startSink(dir, { rotationIntervalSeconds: 0 });
      const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
      try {
        await node.sendBatchBlocking(countsBatch([run * 10, run * 10 + 1], 'conn'));
        await until(() => h.sink.stats.batches === 1);
        assert.deepEqual(
          (await readdir(dir)).filter((n) => n.startsWith('.')),
          [],
          'no shadow file while running',
        );
      } finally {
        node.close();
        await h.sink.close();
      }
      assert.deepEqual(await readdir(dir), ['conn.log'], `after clean stop ${run}`);
    }
    const text = await read(dir, 'conn.log');
    const records = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual(records, ['10', '11', '20', '21']);
    assert.equal(text.match(/^#open\t/gm)?.length, 2, 'one header block per run');
    assert.equal(text.match(/^#close\t/gm)?.length, 2);
  } finally {
    await removeDir(dir);
  }
});

test('rotation off after a crash: the partial last line is cut and #close added before appending', async () => {
  const dir = await tempDir();
  try {
    const h = await startSink(dir, { rotationIntervalSeconds: 0 });
    const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
    try {
      await node.sendBatchBlocking(countsBatch([7], 'conn'));
      await until(() => h.sink.stats.batches === 1);
    } finally {
      node.close();
      await h.sink.close();
    }
    // What a SIGKILL in the middle of a write leaves: no #close, a partial line.
    const closed = await read(dir, 'conn.log');
    await writeFile(join(dir, 'conn.log'), `${closed.replace(/^#close.*\n/m, '')}12`);
    const again = await startSink(dir, { rotationIntervalSeconds: 0 });
    const node2 = new LogPush({ endpoints: [again.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
    try {
      await node2.sendBatchBlocking(countsBatch([8], 'conn'));
      await until(() => again.sink.stats.batches === 1);
    } finally {
      node2.close();
      await again.sink.close();
    }
    const text = await read(dir, 'conn.log');
    assert.deepEqual(
      text.split('\n').filter((l) => l !== '' && !l.startsWith('#')),
      ['7', '8'],
    );
    assert.equal(text.match(/^#close\t/gm)?.length, 2);
    assert.deepEqual(await readdir(dir), ['conn.log']);
  } finally {
    await removeDir(dir);
  }
});
