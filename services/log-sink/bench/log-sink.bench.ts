/**
 * `npm run bench:log-sink`: emulated Zeek nodes (separate processes) push 1000-record conn-like
 * batches to the sink; records/s and CPU for the TSV and the JSON writer, side by side with the
 * raw ceiling measured in the same run (PULL + the same lines pre-rendered, one write per batch).
 * Goals (issue 5): ≥ 0.5× the ceiling; TSV ≥ 480k records/s; JSON ≥ 250k records/s.
 * `--json` prints the results object as the last line. `--batches N` per node (default 250),
 * `--dir D` where files are written (default the OS temp dir), `--render-threads N` (default: the
 * sink's default).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Pull } from 'zeromq';
import { createJsonRenderer, createTsvRenderer, decodeLogBatch } from '@zeek-relay/wire';
import { createSink } from '../src/index.js';
import { connLikeBatch } from './conn-like-batch.js';

const args = process.argv.slice(2);
const jsonOut = args.includes('--json');
const batchesArg = args.indexOf('--batches');
const BATCHES = batchesArg >= 0 ? Number(args[batchesArg + 1]) : 250;
const dirArg = args.indexOf('--dir');
const BASE_DIR = dirArg >= 0 ? (args[dirArg + 1] ?? tmpdir()) : tmpdir();
const threadsArg = args.indexOf('--render-threads');
const RENDER_THREADS = threadsArg >= 0 ? Number(args[threadsArg + 1]) : undefined;
const NODES = 2;
const RECORDS = 1000;

interface Run {
  readonly recordsPerSecond: number;
  /** CPU seconds of the receiving process per wall second. */
  readonly cores: number;
  /** CPU microseconds per record in the receiving process. */
  readonly cpuPerRecordUs: number;
}

async function startNodes(
  endpoint: string,
  batches: number,
): Promise<{ go: () => Promise<void>; kill: () => void }> {
  const script = new URL('./push-node.js', import.meta.url).pathname;
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < NODES; i++) {
    const c = fork(script, [endpoint, String(batches), `worker-${i + 1}`], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(c);
    ready.push(new Promise((res) => c.once('message', () => res())));
  }
  await Promise.all(ready);
  return {
    go: async () => {
      const done = children.map((c) => new Promise<void>((res) => c.once('exit', () => res())));
      for (const c of children) c.send('go');
      await Promise.all(done);
    },
    kill: () => children.forEach((c) => c.kill()),
  };
}

async function measure(
  startReceiver: (
    total: number,
  ) => Promise<{ endpoint: string; finished: Promise<void>; close: () => Promise<void> }>,
  batches: number,
): Promise<Run> {
  const total = NODES * batches * RECORDS;
  const rx = await startReceiver(total);
  const nodes = await startNodes(rx.endpoint, batches);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sent = nodes.go();
  await rx.finished;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await sent;
  await rx.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    recordsPerSecond: total / seconds,
    cores: cpuSeconds / seconds,
    cpuPerRecordUs: (cpuSeconds * 1e6) / total,
  };
}

function sinkReceiver(kind: 'tsv' | 'json', dir: string) {
  return async (total: number) => {
    const sink = createSink(
      {
        pullEndpoint: 'tcp://127.0.0.1:0',
        logDir: dir,
        outputs: [kind],
        rotationIntervalSeconds: 0,
        ...(RENDER_THREADS === undefined ? {} : { renderThreads: RENDER_THREADS }),
      },
      { log: pino({ level: 'silent' }) },
    );
    const { endpoint } = await sink.start();
    const finished = (async () => {
      while (sink.stats.records < total) await new Promise((r) => setTimeout(r, 2));
      await sink.flush();
    })();
    return { endpoint, finished, close: () => sink.close() };
  };
}

function ceilingReceiver(lines: Uint8Array, dir: string) {
  return async (total: number) => {
    const pull = new Pull({ receiveHighWaterMark: 1000 });
    await pull.bind('tcp://127.0.0.1:*');
    const fd = openSync(join(dir, 'ceiling.log'), 'w');
    const finished = (async () => {
      let records = 0;
      while (records < total) {
        await pull.receive();
        writeSync(fd, lines);
        records += RECORDS;
      }
    })();
    return {
      endpoint: pull.lastEndpoint ?? '',
      finished,
      close: async () => {
        closeSync(fd);
        pull.close();
      },
    };
  };
}

const payload = connLikeBatch(RECORDS);
const batch = decodeLogBatch(payload);
const tsvLines = createTsvRenderer(batch.header).records(batch.records);
const jsonLines = createJsonRenderer(batch.header).records(batch.records);

async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(BASE_DIR, 'zr-sink-bench-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const modes = {
  'ceiling-tsv': (d: string) => ceilingReceiver(tsvLines, d),
  tsv: (d: string) => sinkReceiver('tsv', d),
  'ceiling-json': (d: string) => ceilingReceiver(jsonLines, d),
  json: (d: string) => sinkReceiver('json', d),
} as const;

const results = new Map<string, Run>();
for (const [name, make] of Object.entries(modes)) {
  await inTemp((d) => measure(make(d), Math.max(10, Math.floor(BATCHES / 5)))); // warm-up
  results.set(name, await inTemp((d) => measure(make(d), BATCHES)));
}

const fmt = (n: number) => `${(n / 1000).toFixed(0)}k`;
const get = (n: string) => results.get(n) as Run;
console.log(
  `log-sink benchmark: ${NODES} emulated Zeek nodes (processes) × ${BATCHES} batches × ${RECORDS} conn-like records (19 columns), batch ${payload.length} B`,
);
console.log(
  `TSV line ${(tsvLines.length / RECORDS).toFixed(0)} B/record, JSON line ${(jsonLines.length / RECORDS).toFixed(0)} B/record`,
);
for (const [name, r] of results) {
  console.log(
    `  ${name.padEnd(13)} ${fmt(r.recordsPerSecond).padStart(6)} records/s   CPU ${r.cores.toFixed(2)} cores, ${r.cpuPerRecordUs.toFixed(2)} µs/record`,
  );
}
const out = [
  {
    name: 'tsv vs ceiling',
    subject: get('tsv').recordsPerSecond,
    anchor: get('ceiling-tsv').recordsPerSecond,
    goal: 0.5,
  },
  {
    name: 'json vs ceiling',
    subject: get('json').recordsPerSecond,
    anchor: get('ceiling-json').recordsPerSecond,
    goal: 0.5,
  },
  { name: 'tsv vs 480k records/s', subject: get('tsv').recordsPerSecond, anchor: 480_000, goal: 1 },
  { name: 'json vs 250k records/s', subject: get('json').recordsPerSecond, anchor: 250_000, goal: 1 },
].map((r) => ({ ...r, unit: 'records/s', ratio: r.subject / r.anchor, higherIsBetter: true }));
for (const r of out) {
  console.log(
    `  ${r.name.padEnd(24)} ${r.ratio.toFixed(2)}× (goal ≥ ${r.goal}×) ${r.ratio >= r.goal ? 'ok' : 'BELOW GOAL'}`,
  );
}
if (jsonOut) console.log(JSON.stringify({ results: out }));
