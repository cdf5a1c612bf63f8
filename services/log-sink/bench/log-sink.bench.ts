/**
 * `npm run bench:log-sink`: emulated Zeek nodes (separate processes) push 1000-record conn-like
 * batches to the sink; records/s and CPU for the TSV and the JSON writer, side by side with the
 * raw ceiling measured in the same run (PULL + the same lines pre-rendered, one write per batch)
 * and with a real Zeek 8.2 logger's rate for the same record shape (a constant measured outside
 * the project on this machine kind, see ZEEK_LOGGER). Every mode runs `--runs N` times (default
 * 3), interleaved; the median counts. Goals: ≥ 0.5× the ceiling, ≥ 2× Zeek's logger; with
 * `--curve` also the TSV sink with CURVE (nodes are CURVE clients) ≥ 0.8× the plaintext sink.
 * `--json` prints the results object as the last line. `--batches N` per node (default 250),
 * `--dir D` where files are written (default the OS temp dir), `--render-threads N` (default: the
 * sink's default), `--warm-batches N` per node sent to the same receiver before each timed run
 * (default half of `--batches`; a running sink is warm), `--only MODES`, `--generic-render` (the
 * sink with `renderSpecialised` false: the generic per-value render path, for old/new runs),
 * `--intake native|zmtp` (the sinks' intake; default the sink's default, printed),
 * `--both-intakes` (also the sink modes on the other intake, as info lines, interleaved),
 * `--replay-nodes` (with `--curve`: also CURVE from replaying nodes that seal before the timed
 * window, replay-node.ts; info lines, the libzmq nodes stay the subject).
 * The anchor `ceiling-*` stays zeromq.js PULL + pre-rendered lines (the issue's anchor);
 * `ceiling-tsv-zmtp` is the same on the sink's own ZMTP intake (an info line, no goal).
 * The machine's load
 * average is printed before and after. Besides records/s, each mode prints the receiving
 * process's CPU per record by thread group (thread-cpu.ts: main thread, render workers, libzmq's
 * I/O thread, V8's helpers — concurrent GC —, libuv's pool) and the emulated nodes' CPU per
 * record, since the nodes share the same cores (with CURVE they encrypt). With `--curve` the
 * sink's own capacity follows: its CPU per record (all its threads) plaintext and CURVE per intake,
 * and `sink capacity tsv CURVE vs plaintext (<intake>)` = plaintext CPU / CURVE CPU per record
 * (goal ≥ 0.8: what the goal means where the nodes run on other machines, as in production),
 * beside the wall-rate line `tsv CURVE vs plaintext`, which also pays the nodes' encryption.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { threadCpuSince, threadCpuSnapshot, type ThreadCpu } from './thread-cpu.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { curveKeyPair, Pull } from 'zeromq';
import { createJsonRenderer, createTsvRenderer, decodeLogBatch } from '@zeek-relay/wire';
import { createSink, SinkConfigSchema } from '../src/index.js';
import { WriteBudget } from '../src/backpressure.js';
import { startIntake } from '../src/intake.js';
import { ASSEMBLE_MIN_BYTES } from '../src/sink.js';
import { connLikeBatch } from './conn-like-batch.js';

const args = process.argv.slice(2);
const jsonOut = args.includes('--json');
const batchesArg = args.indexOf('--batches');
const BATCHES = batchesArg >= 0 ? Number(args[batchesArg + 1]) : 250;
const dirArg = args.indexOf('--dir');
const BASE_DIR = dirArg >= 0 ? (args[dirArg + 1] ?? tmpdir()) : tmpdir();
const threadsArg = args.indexOf('--render-threads');
const RENDER_THREADS = threadsArg >= 0 ? Number(args[threadsArg + 1]) : undefined;
const runsArg = args.indexOf('--runs');
const RUNS = Math.max(1, runsArg >= 0 ? Number(args[runsArg + 1]) : 3);
const CURVE = args.includes('--curve');
const warmArg = args.indexOf('--warm-batches');
/** Batches per node sent to each receiver before its timed run (default half of `--batches`). */
const WARM_BATCHES = warmArg >= 0 ? Number(args[warmArg + 1]) : Math.floor(BATCHES / 2);
const onlyArg = args.indexOf('--only');
/** `--only tsv,json`: run just these modes (for profiling); the ratios need their anchors. */
const ONLY = onlyArg >= 0 ? new Set((args[onlyArg + 1] ?? '').split(',')) : undefined;
/** `--generic-render`: the sink renders through the generic per-value path. */
const GENERIC_RENDER = args.includes('--generic-render');
const intakeArg = args.indexOf('--intake');
type IntakeMode = 'native' | 'zmtp';
/** The sinks' intake: `--intake`, else the sink's default. */
const INTAKE: IntakeMode =
  intakeArg >= 0
    ? (args[intakeArg + 1] as IntakeMode)
    : (SinkConfigSchema.properties.intake.default as IntakeMode);
if (INTAKE !== 'native' && INTAKE !== 'zmtp') throw new Error('--intake native|zmtp');
const OTHER_INTAKE: IntakeMode = INTAKE === 'zmtp' ? 'native' : 'zmtp';
/** `--both-intakes`: the sink modes also on the other intake (suffix `-<intake>`). */
const BOTH_INTAKES = args.includes('--both-intakes');
/**
 * `--replay-nodes` (with `--curve`): also the TSV sink with CURVE fed by replaying nodes
 * (replay-node.ts: not libzmq; the CURVE handshake live, the batches sealed before the timed
 * window), mode `tsv-curve-replay`, an extra info line: the libzmq nodes stay the subject.
 */
const REPLAY = CURVE && args.includes('--replay-nodes');
const NODES = 2;
const RECORDS = 1000;

/**
 * A real Zeek 8.2 logger node on this machine kind (2 cores shared by every process), writing
 * the same 19-column conn-like record in batches of 1000 (issue #15): a reference measured
 * outside the project's tests, not in this run. TSV 239–258k records/s (the upper end is used),
 * JSON 268k records/s.
 */
const ZEEK_LOGGER = { tsv: 258_000, json: 268_000 } as const;

/** The CURVE keys of the `--curve` mode: one server pair (the sink's), one client pair (the nodes'). */
const curveKeys = CURVE ? { server: curveKeyPair(), client: curveKeyPair() } : undefined;

interface Run {
  readonly recordsPerSecond: number;
  /** CPU seconds of the receiving process per wall second. */
  readonly cores: number;
  /** CPU microseconds per record in the receiving process. */
  readonly cpuPerRecordUs: number;
  /** Of which the main thread (intake, hand-over, writes; the rest: render workers, libzmq, libuv). */
  readonly mainPerRecordUs: number;
  /** User and system CPU microseconds per record in the receiving process. */
  readonly userUs: number;
  readonly systemUs: number;
  /** CPU µs per record by thread group of the receiving process (Linux /proc; empty elsewhere). */
  readonly threads: ThreadCpu;
  /** CPU µs per record of the emulated node processes (all of them), which share the machine. */
  readonly nodesUs: number;
}

async function startNodes(
  endpoint: string,
  batches: number,
  curve: boolean,
  replay = false,
): Promise<{ go: () => void; finish: () => Promise<number>; kill: () => void }> {
  const script = new URL(replay ? './replay-node.js' : './push-node.js', import.meta.url).pathname;
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < NODES; i++) {
    const curveEnv =
      curve && curveKeys
        ? JSON.stringify({
            serverKey: curveKeys.server.publicKey,
            publicKey: curveKeys.client.publicKey,
            secretKey: curveKeys.client.secretKey,
          })
        : undefined;
    const c = fork(script, [endpoint, String(batches), `worker-${i + 1}`], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...(curveEnv ? { ZR_BENCH_CURVE: curveEnv } : {}) },
    });
    children.push(c);
    ready.push(new Promise((res) => c.once('message', () => res())));
  }
  await Promise.all(ready);
  return {
    go: () => children.forEach((c) => c.send('go')),
    /**
     * Once the receiver has everything: each node reports the CPU it used since "go" (libzmq's
     * I/O thread included) and exits. Resolves to their sum, µs.
     */
    finish: async () => {
      const cpu = children.map(
        (c) =>
          new Promise<number>((res) => {
            let us = 0;
            c.on('message', (m: { cpuUs?: number }) => (us = m.cpuUs ?? us));
            c.once('exit', () => res(us));
            c.send('report');
          }),
      );
      return (await Promise.all(cpu)).reduce((a, b) => a + b, 0);
    },
    kill: () => children.forEach((c) => c.kill()),
  };
}

/** A started receiver: `reached(n)` resolves once n records in total were received and written. */
type Receiver = () => Promise<{
  endpoint: string;
  reached: (records: number) => Promise<void>;
  close: () => Promise<void>;
  curve?: boolean;
  /** The nodes are replay-node.ts's (CURVE sealed ahead), not libzmq's. */
  replay?: boolean;
}>;

/**
 * One measured run on a warm receiver: `warmBatches` per node first (the render workers' code
 * gets optimised, buffers pooled: a running sink is warm), then `batches` per node from fresh
 * node processes, timed.
 */
async function measure(startReceiver: Receiver, batches: number, warmBatches: number): Promise<Run> {
  const warm = NODES * warmBatches * RECORDS;
  const total = NODES * batches * RECORDS;
  const rx = await startReceiver();
  if (warmBatches > 0) {
    const warmNodes = await startNodes(rx.endpoint, warmBatches, rx.curve === true, rx.replay);
    warmNodes.go();
    await rx.reached(warm);
    await warmNodes.finish();
  }
  const nodes = await startNodes(rx.endpoint, batches, rx.curve === true, rx.replay);
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  const threads0 = threadCpuSnapshot();
  const t0 = performance.now();
  nodes.go();
  await rx.reached(warm + total);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const main = process.threadCpuUsage(main0);
  const threads = threadCpuSince(threads0, total);
  const nodesCpuUs = await nodes.finish();
  await rx.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    recordsPerSecond: total / seconds,
    cores: cpuSeconds / seconds,
    cpuPerRecordUs: (cpuSeconds * 1e6) / total,
    mainPerRecordUs: (main.user + main.system) / total,
    userUs: cpu.user / total,
    systemUs: cpu.system / total,
    threads,
    nodesUs: nodesCpuUs / total,
  };
}

function sinkReceiver(
  kind: 'tsv' | 'json',
  dir: string,
  curve = false,
  intake = INTAKE,
  replay = false,
): Receiver {
  return async () => {
    const sink = createSink(
      {
        intake,
        pullEndpoint: 'tcp://127.0.0.1:0',
        logDir: dir,
        outputs: [kind],
        rotationIntervalSeconds: 0,
        ...(RENDER_THREADS === undefined ? {} : { renderThreads: RENDER_THREADS }),
        ...(GENERIC_RENDER ? { renderSpecialised: false } : {}),
        ...(curve && curveKeys
          ? {
              curveServerSecretKey: curveKeys.server.secretKey,
              curveClientPublicKeys: [curveKeys.client.publicKey],
            }
          : {}),
      },
      { log: pino({ level: 'silent' }) },
    );
    const { endpoint } = await sink.start();
    const reached = async (records: number) => {
      while (sink.stats.records < records) await new Promise((r) => setTimeout(r, 2));
      await sink.flush();
    };
    return { endpoint, reached, close: () => sink.close(), curve, replay };
  };
}

function ceilingReceiver(lines: Uint8Array, dir: string): Receiver {
  return async () => {
    const pull = new Pull({ receiveHighWaterMark: 1000 });
    await pull.bind('tcp://127.0.0.1:*');
    const fd = openSync(join(dir, 'ceiling.log'), 'w');
    let records = 0;
    return {
      endpoint: pull.lastEndpoint ?? '',
      reached: async (n: number) => {
        while (records < n) {
          await pull.receive();
          writeSync(fd, lines);
          records += RECORDS;
        }
      },
      close: async () => {
        closeSync(fd);
        pull.close();
      },
    };
  };
}

/** The ceiling on the sink's own ZMTP intake: the same pre-rendered lines, one write per batch. */
function zmtpCeilingReceiver(lines: Uint8Array, dir: string): Receiver {
  return async () => {
    const fd = openSync(join(dir, 'ceiling.log'), 'w');
    let records = 0;
    let wake: (() => void) | undefined;
    // The payload is not read: large frames are assembled in one reused buffer.
    let scratch = Buffer.alloc(0);
    const frameTarget = {
      minBytes: ASSEMBLE_MIN_BYTES,
      allocate: (n: number) => (scratch.length >= n ? scratch : (scratch = Buffer.alloc(n))).subarray(0, n),
    };
    const intake = await startIntake({
      frameTarget,
      mode: 'zmtp',
      endpoint: 'tcp://127.0.0.1:0',
      maxMessageBytes: 256 * 1024 * 1024,
      heartbeatIntervalMs: 0,
      heartbeatTimeoutMs: 0,
      handshakeTimeoutMs: 30000,
      receiveHighWaterMark: 1000,
      receiveBufferSize: -1,
      ipv6: false,
      drainIdleMs: 0,
      drainTimeoutMs: 0,
      budget: new WriteBudget(Number.MAX_SAFE_INTEGER),
      onMessage: () => {
        writeSync(fd, lines);
        records += RECORDS;
        wake?.();
      },
      onPause: () => undefined,
      onError: () => undefined,
      onHandshakeFailed: () => undefined,
    });
    return {
      endpoint: intake.endpoint,
      reached: async (n: number) => {
        while (records < n) await new Promise<void>((r) => (wake = r));
        wake = undefined;
      },
      close: async () => {
        await intake.stop();
        closeSync(fd);
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

const other = `-${OTHER_INTAKE}`;
const allModes: Record<string, (d: string) => Receiver> = {
  'ceiling-tsv': (d) => ceilingReceiver(tsvLines, d),
  'ceiling-tsv-zmtp': (d) => zmtpCeilingReceiver(tsvLines, d),
  tsv: (d) => sinkReceiver('tsv', d),
  ...(BOTH_INTAKES ? { [`tsv${other}`]: (d: string) => sinkReceiver('tsv', d, false, OTHER_INTAKE) } : {}),
  'ceiling-json': (d) => ceilingReceiver(jsonLines, d),
  json: (d) => sinkReceiver('json', d),
  ...(BOTH_INTAKES ? { [`json${other}`]: (d: string) => sinkReceiver('json', d, false, OTHER_INTAKE) } : {}),
  ...(CURVE ? { 'tsv-curve': (d: string) => sinkReceiver('tsv', d, true) } : {}),
  ...(CURVE && BOTH_INTAKES
    ? { [`tsv-curve${other}`]: (d: string) => sinkReceiver('tsv', d, true, OTHER_INTAKE) }
    : {}),
  ...(REPLAY ? { 'tsv-curve-replay': (d: string) => sinkReceiver('tsv', d, true, INTAKE, true) } : {}),
  ...(REPLAY && BOTH_INTAKES
    ? { [`tsv-curve-replay${other}`]: (d: string) => sinkReceiver('tsv', d, true, OTHER_INTAKE, true) }
    : {}),
};
const modes = Object.fromEntries(Object.entries(allModes).filter(([name]) => ONLY?.has(name) ?? true));

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const loadBefore = load();
const samples = new Map<string, Run[]>();
for (const [name, make] of Object.entries(modes)) {
  await inTemp((d) => measure(make(d), Math.max(10, Math.floor(BATCHES / 5)), 0)); // warm-up
  samples.set(name, []);
}
for (let run = 0; run < RUNS; run++) {
  for (const [name, make] of Object.entries(modes))
    samples.get(name)?.push(await inTemp((d) => measure(make(d), BATCHES, WARM_BATCHES)));
}
/** The run with the median rate. */
const median = (runs: Run[]): Run =>
  [...runs].sort((a, b) => a.recordsPerSecond - b.recordsPerSecond)[Math.floor(runs.length / 2)] as Run;
const results = new Map([...samples].map(([name, runs]) => [name, median(runs)]));

const fmt = (n: number) => `${(n / 1000).toFixed(0)}k`;
const get = (n: string) => results.get(n) as Run;
console.log(
  `log-sink benchmark: ${NODES} emulated Zeek nodes (processes) × ${BATCHES} batches × ${RECORDS} conn-like records (19 columns), batch ${payload.length} B; median of ${RUNS} interleaved runs`,
);
console.log(
  `each timed run on a warm receiver: ${WARM_BATCHES} batches per node first (--warm-batches), then ${BATCHES} timed`,
);
console.log(
  `the sinks' intake: ${INTAKE}${BOTH_INTAKES ? ` (modes ending in ${other}: ${OTHER_INTAKE})` : ''}; ceiling-tsv = zeromq.js PULL (the anchor), ceiling-tsv-zmtp = the sink's own ZMTP intake`,
);
console.log(`load average (1/5/15 min) before: ${loadBefore}, after: ${load()}`);
console.log(
  `TSV line ${(tsvLines.length / RECORDS).toFixed(0)} B/record, JSON line ${(jsonLines.length / RECORDS).toFixed(0)} B/record`,
);
for (const [name, r] of results) {
  const all = (samples.get(name) ?? []).map((x) => fmt(x.recordsPerSecond)).join(' ');
  console.log(
    `  ${name.padEnd(13)} ${fmt(r.recordsPerSecond).padStart(6)} records/s   CPU ${r.cores.toFixed(2)} cores, ${r.cpuPerRecordUs.toFixed(2)} µs/record (user ${r.userUs.toFixed(2)}, sys ${r.systemUs.toFixed(2)}; main thread ${r.mainPerRecordUs.toFixed(2)})   (runs: ${all})`,
  );
  const groups = Object.entries(r.threads)
    .map(([g, us]) => `${g} ${us.toFixed(2)}`)
    .join(', ');
  console.log(
    `  ${''.padEnd(13)} by thread, µs/record: ${groups || 'n/a (no /proc)'}; emulated nodes ${r.nodesUs.toFixed(2)}`,
  );
}
console.log(
  `  Zeek 8.2 logger (reference measured outside this run, same record and batch size): TSV ${fmt(ZEEK_LOGGER.tsv)}, JSON ${fmt(ZEEK_LOGGER.json)} records/s`,
);
/** [name, subject mode, anchor: a mode of this run or Zeek's reference figure, goal (null: info)]. */
const comparisons: Array<[string, string, string | number, number | null]> = [
  ['tsv vs ceiling', 'tsv', 'ceiling-tsv', 0.5],
  ['ceiling on zmtp intake vs ceiling', 'ceiling-tsv-zmtp', 'ceiling-tsv', null],
  [`tsv${other} vs tsv`, `tsv${other}`, 'tsv', null],
  [`json${other} vs json`, `json${other}`, 'json', null],
  [`tsv CURVE${other} vs tsv CURVE`, `tsv-curve${other}`, 'tsv-curve', null],
  ['json vs ceiling', 'json', 'ceiling-json', 0.5],
  ['tsv vs Zeek 8.2 logger', 'tsv', ZEEK_LOGGER.tsv, 2],
  ['json vs Zeek 8.2 logger', 'json', ZEEK_LOGGER.json, 2],
  ['tsv CURVE vs plaintext', 'tsv-curve', 'tsv', 0.8],
  ['tsv CURVE, replaying nodes (not libzmq) vs plaintext', 'tsv-curve-replay', 'tsv', null],
  [
    `tsv CURVE${other}, replaying nodes vs plaintext${other}`,
    `tsv-curve-replay${other}`,
    `tsv${other}`,
    null,
  ],
  ['tsv CURVE vs Zeek 8.2 logger', 'tsv-curve', ZEEK_LOGGER.tsv, 2],
];
/**
 * The sink's own capacity: in production the nodes run on other machines, here they take the
 * sink's cores (with CURVE they encrypt, ≈ 10× their plaintext CPU), so the wall rate above
 * mixes the sink's cost with theirs. The sink's CPU per record (all its threads, median of the
 * runs) is what it needs where the nodes run elsewhere: records per sink CPU-second, CURVE
 * against plaintext on the same intake. The nodes' CPU per record is an info line.
 */
const medianOf = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const sinkUs = (mode: string) => medianOf((samples.get(mode) ?? []).map((r) => r.cpuPerRecordUs));
const nodesUs = (mode: string) => medianOf((samples.get(mode) ?? []).map((r) => r.nodesUs));
const intakeOf = (suffix: string) => (suffix === '' ? INTAKE : OTHER_INTAKE);
/** [name, subject mode, anchor mode, goal, metric]. */
const capacityPairs: Array<[string, string, string, number | null, 'sink' | 'nodes']> = [
  ...['', other].map((sfx): [string, string, string, number | null, 'sink'] => [
    `sink capacity tsv CURVE vs plaintext (${intakeOf(sfx)})`,
    `tsv-curve${sfx}`,
    `tsv${sfx}`,
    0.8,
    'sink',
  ]),
  [`sink capacity tsv CURVE ${OTHER_INTAKE} vs ${INTAKE}`, `tsv-curve${other}`, 'tsv-curve', null, 'sink'],
  [`nodes' CPU/record CURVE vs plaintext (${INTAKE})`, 'tsv-curve', 'tsv', null, 'nodes'],
];
const capacity = capacityPairs
  .filter(([, subject, anchor]) => results.has(subject) && results.has(anchor))
  .map(([name, subject, anchor, goal, metric]) => {
    if (metric === 'nodes') {
      const [s, a] = [nodesUs(subject), nodesUs(anchor)];
      return {
        name,
        subject: s,
        anchor: a,
        unit: 'nodes µs/record',
        ratio: s / a,
        goal,
        higherIsBetter: false,
      };
    }
    // Records per CPU-second of the sink: the ratio is plaintext CPU / CURVE CPU.
    const [s, a] = [1e6 / sinkUs(subject), 1e6 / sinkUs(anchor)];
    return {
      name,
      subject: s,
      anchor: a,
      unit: 'records per sink CPU-second',
      ratio: s / a,
      goal,
      higherIsBetter: true,
    };
  });

function printCapacity(): void {
  if (capacity.length === 0) return;
  console.log(
    "  the sink's own capacity (the nodes run elsewhere in production; here they share the cores): sink CPU µs/record, median of runs",
  );
  for (const sfx of ['', other]) {
    const [p, c] = [`tsv${sfx}`, `tsv-curve${sfx}`];
    if (!results.has(p) || !results.has(c)) continue;
    console.log(
      `    intake ${intakeOf(sfx)}: plaintext ${sinkUs(p).toFixed(2)}, CURVE ${sinkUs(c).toFixed(2)} µs/record (${fmt(1e6 / sinkUs(p))} → ${fmt(1e6 / sinkUs(c))} records per sink CPU-second); nodes ${nodesUs(p).toFixed(2)} → ${nodesUs(c).toFixed(2)} µs/record`,
    );
  }
  for (const r of capacity) {
    const verdict =
      r.goal === null ? '(info)' : `(goal ≥ ${r.goal}×) ${r.ratio >= r.goal ? 'ok' : 'BELOW GOAL'}`;
    const show = (v: number) => (r.unit.startsWith('records') ? fmt(v) : v.toFixed(2));
    console.log(
      `  ${r.name.padEnd(34)} ${show(r.subject).padStart(6)} / ${show(r.anchor).padStart(6)} = ${r.ratio.toFixed(2)}× ${verdict}`,
    );
  }
}

const out = comparisons
  .filter(
    ([, subject, anchor]) => results.has(subject) && (typeof anchor === 'number' || results.has(anchor)),
  )
  .map(([name, subject, anchor, goal]) => {
    const s = get(subject).recordsPerSecond;
    const a = typeof anchor === 'number' ? anchor : get(anchor).recordsPerSecond;
    return { name, subject: s, anchor: a, unit: 'records/s', ratio: s / a, goal, higherIsBetter: true };
  });
for (const r of out) {
  const verdict =
    r.goal === null ? '(info)' : `(goal ≥ ${r.goal}×) ${r.ratio >= r.goal ? 'ok' : 'BELOW GOAL'}`;
  console.log(
    `  ${r.name.padEnd(34)} ${fmt(r.subject).padStart(6)} / ${fmt(r.anchor).padStart(6)} = ${r.ratio.toFixed(2)}× ${verdict}`,
  );
}
printCapacity();
if (results.has('tsv') && results.has('tsv-curve')) {
  // Where CURVE's cost lands: the sink decrypts (libzmq's I/O thread), the nodes encrypt, and in
  // this benchmark both share the same cores, so a CPU-bound run's rate follows their sum.
  const [p, c] = [get('tsv'), get('tsv-curve')];
  const both = (r: Run) => r.cpuPerRecordUs + r.nodesUs;
  const io = (r: Run) => (r.threads.libzmq ?? 0).toFixed(2);
  const mainT = (r: Run) => r.mainPerRecordUs.toFixed(2);
  console.log(
    `  CURVE's CPU, µs/record plaintext → CURVE: sink ${p.cpuPerRecordUs.toFixed(2)} → ${c.cpuPerRecordUs.toFixed(2)} (libzmq I/O ${io(p)} → ${io(c)}, main thread ${mainT(p)} → ${mainT(c)}), emulated nodes ${p.nodesUs.toFixed(2)} → ${c.nodesUs.toFixed(2)}; sum ${both(p).toFixed(2)} → ${both(c).toFixed(2)} (its inverse ratio ${(both(p) / both(c)).toFixed(2)}×)`,
  );
}
if (jsonOut) console.log(JSON.stringify({ results: [...out, ...capacity] }));
