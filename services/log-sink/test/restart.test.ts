/**
 * Zero loss and zero duplicates across a graceful restart while emulated Zeek nodes (separate
 * processes) keep pushing: the old sink drains until its socket is idle, closes its files; the
 * nodes' PUSH queues hold what arrives meanwhile; the new sink on the same endpoint recovers the
 * old live file and receives the rest. No record is written twice; what is missing is only what a
 * node sent while the old socket was closing (ZeroMQ has no acknowledgements). Every step waits on
 * what the nodes report as sent and what the sinks wrote, never on a period of quiet.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fork, type ChildProcess } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countsBatch } from './helpers/batches.js';
import { freePort } from './helpers/net.js';
import { LogPush } from '@zeek-relay/zeek-node';
import {
  intakeSetting,
  intakesUnderTest,
  listVisible,
  read,
  removeDir,
  startSink,
  tempDir,
  until,
  type Harness,
} from './helpers/sink-harness.js';

interface Report {
  sent: number;
  dropped: number;
  flushes: [number, number][];
}

const NODES = [1, 2] as const;
const BASE = 1_000_000; // node i writes values i × BASE + seq
const PER_BATCH = 20; // pushing-node's default: 3 batches of 20 records a flush

function startNode(endpoint: string, index: number): { child: ChildProcess; ready: Promise<void> } {
  const child = fork(
    new URL('./helpers/pushing-node.js', import.meta.url).pathname,
    [endpoint, String(index)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  return { child, ready: new Promise((r) => child.once('message', () => r())) };
}

function ask<T>(child: ChildProcess, what: 'progress' | 'stop'): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(what);
  });
}

/** Records each node has handed to its socket so far. */
async function progress(nodes: readonly { child: ChildProcess }[]): Promise<number[]> {
  const answers = await Promise.all(nodes.map((n) => ask<{ progress: number }>(n.child, 'progress')));
  return answers.map((a) => a.progress);
}

/**
 * Sequence numbers per node in each header block of `seq.log` (rotation off: block 0 is the old
 * sink's, block 1 the new one's), after making the sinks write out what they hold.
 */
async function written(dir: string, ...sinks: Harness[]): Promise<number[][][]> {
  for (const h of sinks) await h.sink.flush();
  const text = (await listVisible(dir)).includes('seq.log') ? await read(dir, 'seq.log') : '';
  const blocks: number[][][] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#open')) blocks.push(NODES.map(() => []));
    if (line === '' || line.startsWith('#')) continue;
    const v = Number(line);
    blocks.at(-1)![Math.floor(v / BASE) - 1]!.push(v % BASE);
  }
  return blocks;
}

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

for (const intake of intakesUnderTest())
  test(
    `graceful restart with nodes pushing: no duplicates, nothing lost but what was sent while the old socket closed${intakeSetting(intake).name}`,
    { timeout: 120_000 },
    async (t) => {
      const own = intakeSetting(intake).config;
      const dir = await tempDir();
      // The new sink binds the old one's port while the nodes reconnect to it: a port outside the
      // ephemeral range, which no connect() or bind(0) can take in between.
      const pullEndpoint = `tcp://127.0.0.1:${await freePort()}`;
      const first = await startSink(dir, { ...own, pullEndpoint, drainIdleMs: 50, drainTimeoutMs: 5000 });
      const nodes = NODES.map((i) => startNode(first.endpoint, i));
      let second: Harness | undefined;
      try {
        await Promise.all(nodes.map((n) => n.ready));
        // The old sink has written everything each node had sent by some point: from here on, what
        // it has not read yet is what the drain is for.
        const before = await progress(nodes);
        await until(async () => {
          const [old = []] = await written(dir, first);
          return NODES.every((_, i) => (old[i]?.length ?? 0) >= before[i]! && before[i]! >= 60);
        });
        await first.sink.close();
        // The nodes go on pushing into their queues while no sink listens: a flush from each.
        const closed = await progress(nodes);
        await until(async () => (await progress(nodes)).every((p, i) => p > closed[i]!));
        second = await startSink(dir, { ...own, pullEndpoint, drainIdleMs: 50 });
        const s2 = second;
        // The new sink gets each node's queue and then its new records.
        await until(async () => {
          const [, fresh = []] = await written(dir, s2);
          return NODES.every((_, i) => (fresh[i]?.length ?? 0) > 0);
        });
        const reached = await progress(nodes);
        const reports = await Promise.all(nodes.map((n) => ask<Report>(n.child, 'stop')));
        assert.deepEqual(
          reports.map((r) => r.dropped),
          [0, 0],
          'no node hit its HWM',
        );
        // In order on each connection: once the new sink has each node's last record, all is in.
        await until(async () => {
          const [, fresh = []] = await written(dir, s2);
          return reports.every((r, i) => fresh[i]?.at(-1) === r.sent - 1);
        });
        await s2.sink.close();
        for (const f of await listVisible(dir))
          assert.ok((await read(dir, f)).endsWith('\n'), `${f} ends with a complete line`);
        const [old = [], fresh = [], ...more] = await written(dir);
        assert.deepEqual(more, [], 'one header block per sink');
        // Whatever a sink took off its socket it wrote: the missing records never reached it.
        assert.equal(old.flat().length, first.sink.stats.records, 'the old sink wrote all it received');
        assert.equal(fresh.flat().length, s2.sink.stats.records, 'the new sink wrote all it received');
        const lost: string[] = [];
        reports.forEach((r, i) => {
          const node = i + 1;
          // The old sink holds a gap-free prefix, the new one a gap-free suffix, nothing twice: what
          // is missing lies between them, at the switch, and it is whole flushes.
          const a = old[i]!.length;
          const b = fresh[i]![0]!;
          assert.deepEqual(old[i], range(0, a), `node ${node}: the old sink's records`);
          assert.deepEqual(fresh[i], range(b, r.sent), `node ${node}: the new sink's records`);
          assert.ok(a <= b, `node ${node}: nothing twice (${a} > ${b})`);
          // Nothing the old sink had written is gone, nothing sent once the new sink had the node's
          // queue is missing, and what is missing is whole batches (ZeroMQ messages).
          assert.ok(a >= before[i]!, `node ${node}: record ${a}, written by the old sink, is gone`);
          assert.ok(b <= reached[i]!, `node ${node}: record ${b} sent to the new sink is missing`);
          assert.ok(
            a % PER_BATCH === 0 && b % PER_BATCH === 0,
            `node ${node}: ${a}–${b} is not whole batches`,
          );
          const flushes = r.flushes.filter(([s]) => s >= a - 2 * PER_BATCH && s < b).length;
          if (b > a) lost.push(`node ${node}: ${(b - a) / PER_BATCH} batches (of ${flushes} flushes)`);
        });
        t.diagnostic(
          lost.length === 0 ? 'nothing lost' : `lost while the old socket closed: ${lost.join(', ')}`,
        );
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
