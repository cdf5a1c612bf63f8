/**
 * `npm run bench:hub`: the hub (all features on: heartbeats, registry observer, socket monitors,
 * HTTP side port + metrics, slow-subscriber isolation) against a bare native zmq_proxy measured in
 * the same run. Publishers and subscribers are separate processes; 4-frame Zeek events (31 B
 * topic, 46 B sender, `broker-bin-v1`, the `ping` event with a 64-byte string) to 1, 4 and 16
 * subscribers (`--fanouts=1,4` to choose).
 *
 * Beside the anchor, the hub's 1-subscriber rate is printed against Zeek's own hub: the manager's
 * proxy thread of a real Zeek 8.2 on this machine kind (2 cores shared by every process) forwarded
 * 191–214 k `ping` events/s without loss. That figure was measured outside the project (a real
 * Zeek cannot run here); it is a constant, labelled as such, and the goal is ≥ 1.0× its midpoint.
 *
 * Per subject and fan-out: events/s at saturation (publishers offer more than the hub can take;
 * their XPUB drops the excess like a Zeek node's does), hub-process CPU seconds per event, and
 * p50/p99 latency at half the anchor's saturation rate. Each figure is the median of `--reps=N`
 * (default 3) interleaved runs: the machine is shared, single runs are noisy. `--json` prints the
 * summary object last; `--js-load` uses the JavaScript load generators (the emulated Zeek node of
 * `@zeek-relay/zeek-node`) even where the native helper builds; `--quick` runs fan-out 1 and 4 once with shorter windows; `--with-block`
 * adds the hub in `block` (Zeek NODROP) mode. `hub-counted` (the hub with `forwarding=counted`,
 * which exports Zeek's proxy statistics) is measured in the same runs, against the anchor and
 * against the native hub (the cost of counting); `--without-counted` leaves it out. `hub-zmtp`
 * (`forwarding=zmtp`: the hub's own ZMTP core, counters and per-subscriber drops on) likewise, against
 * the anchor and against the native hub; `--without-zmtp` leaves it out.
 *
 * `--seal-threads=N` adds `hub-zmtp-sealed`: the zmtp hub with `curveSealThreads=N` (with `--curve`: its subscribers sealed for on N worker threads). `--curve`: every socket speaks CURVE — the C anchor's proxy as a CURVE server (no ZAP handler),
 * the load generators as CURVE clients, the hubs with a server key and the clients' key on their
 * allow-list (the native hub through its ZAP handler, hub-zmtp with its own CURVE server). Needs
 * the C anchor on a libzmq with CURVE; the zeromq.js anchor is left out. Result names get `.curve`.
 *
 * Anchor: a C program calling `zmq_proxy` against the system libzmq (built here with `cc -lzmq`
 * when available; Debian: libzmq3-dev), i.e. Zeek's own hub without Zeek. Without a compiler the
 * anchor is zeromq.js's `Proxy` on plain sockets (the same native loop the hub uses, so that ratio
 * isolates the cost of the hub's features). Both are reported when the C anchor exists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@zeek-relay/test-support';
import { cpus, loadavg, tmpdir } from 'node:os';
import { curveKeyPair } from 'zeromq';
import { PAYLOAD, runRole, SENDER, TOPIC } from './roles.js';
import { cpuSeconds, forkRole, spawnNativeRole, spawnSubject, type Role, type Subject } from './proc.js';

const SELF = fileURLToPath(import.meta.url);
const HUB_MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const NATIVE_C = fileURLToPath(new URL('../../bench/native.c', import.meta.url));

interface Measure {
  eventsPerS: number;
  cpuPerEvent: number;
  p50?: number;
  p99?: number;
  /** Share of the offered events each subscriber received (rate-limited runs only). */
  delivered?: number;
}

/** Compiles bench/native.c against the system libzmq; undefined if no compiler or headers. */
function buildNative(): string | undefined {
  try {
    const dir = join(tmpdir(), 'zeek-relay-bench');
    mkdirSync(dir, { recursive: true });
    const out = join(dir, 'native');
    execFileSync('cc', ['-O2', '-o', out, NATIVE_C, '-lzmq'], { stdio: 'pipe' });
    return existsSync(out) ? out : undefined;
  } catch (err) {
    process.stderr.write(
      `C anchor not built (${(err as Error).message.split('\n')[0]}); using zeromq.js Proxy as the anchor\n`,
    );
    return undefined;
  }
}

type SubjectName =
  | 'hub'
  | 'hub-counted'
  | 'hub-zmtp'
  | 'hub-zmtp-sealed'
  | 'hub-block'
  | 'bare-zmqjs'
  | 'bare-c';
type HubSubject = 'hub' | 'hub-counted' | 'hub-zmtp' | 'hub-zmtp-sealed';

/** The `forwarding` setting of each hub subject. */
const FORWARDING: Record<string, string> = {
  'hub-counted': 'counted',
  'hub-zmtp': 'zmtp',
  'hub-zmtp-sealed': 'zmtp',
};

/** `--seal-threads=N`: the `curveSealThreads` of the `hub-zmtp-sealed` subject. */
let sealThreads = 0;

/** `--curve`: the environment of the hub subjects (the C programs read ZR_BENCH_CURVE_*). */
let hubCurveEnv: Record<string, string> = {};

/** Generates the run's keys and sets them for every process started from here on. */
function enableCurve(): void {
  const server = curveKeyPair();
  const client = curveKeyPair();
  Object.assign(process.env, {
    ZR_BENCH_CURVE_SERVER_SECRET: server.secretKey,
    ZR_BENCH_CURVE_SERVER_PUBLIC: server.publicKey,
    ZR_BENCH_CURVE_CLIENT_PUBLIC: client.publicKey,
    ZR_BENCH_CURVE_CLIENT_SECRET: client.secretKey,
  });
  hubCurveEnv = {
    ZR_HUB_CURVE_SERVER_SECRET_KEY: server.secretKey,
    ZR_HUB_CURVE_CLIENT_PUBLIC_KEYS: client.publicKey,
  };
}

async function startSubject(
  name: SubjectName,
  xsub: number,
  xpub: number,
  cAnchor: string | undefined,
): Promise<Subject> {
  const xsubEp = `tcp://127.0.0.1:${xsub}`;
  const xpubEp = `tcp://127.0.0.1:${xpub}`;
  switch (name) {
    case 'hub':
    case 'hub-counted':
    case 'hub-zmtp':
    case 'hub-zmtp-sealed':
    case 'hub-block':
      return spawnSubject(
        process.execPath,
        [HUB_MAIN],
        {
          ZR_HUB_SLOW_SUBSCRIBER: name === 'hub-block' ? 'block' : 'drop',
          ZR_HUB_FORWARDING: FORWARDING[name] ?? 'native',
          ZR_HUB_CURVE_SEAL_THREADS: name === 'hub-zmtp-sealed' ? String(sealThreads) : '0',
          ZR_HUB_BIND_ADDRESS: '127.0.0.1',
          ZR_HUB_XPUB_PORT: String(xpub),
          ZR_HUB_XSUB_PORT: String(xsub),
          ZR_HUB_HTTP_HOST: '127.0.0.1',
          ZR_HUB_HTTP_PORT: '0',
          ...hubCurveEnv,
        },
        /"Hub started"/,
      );
    case 'bare-zmqjs':
      return spawnSubject(process.execPath, [SELF, '--role=bare-proxy', xsubEp, xpubEp], {}, /^ready$/);
    case 'bare-c':
      return spawnSubject(cAnchor!, ['proxy', xsubEp, xpubEp], {}, /^ready$/);
    default: {
      const never: never = name;
      throw new Error(String(never));
    }
  }
}

async function measure(
  name: SubjectName,
  subs: number,
  pubs: number,
  ratePerS: number,
  windowMs: number,
  cAnchor: string | undefined,
): Promise<Measure> {
  const [xsub, xpub] = [await freePort(), await freePort()];
  const subject = await startSubject(name, xsub, xpub, cAnchor);
  const roles: Role[] = [];
  try {
    const latency = ratePerS > 0;
    const subEp = `tcp://127.0.0.1:${xpub}`;
    const pubEp = `tcp://127.0.0.1:${xsub}`;
    const subRoles = Array.from({ length: subs }, () =>
      cAnchor
        ? spawnNativeRole(cAnchor, ['sub', subEp, TOPIC, latency ? '1' : '0'])
        : forkRole(SELF, ['--role=sub', pubEp, subEp, latency ? 'latency' : 'count']),
    );
    roles.push(...subRoles);
    await Promise.all(subRoles.map((r) => r.next('ready')));
    const hex = Buffer.from(PAYLOAD).toString('hex');
    const pubRoles = Array.from({ length: pubs }, () =>
      cAnchor
        ? spawnNativeRole(cAnchor, ['pub', pubEp, String(ratePerS / pubs), TOPIC, SENDER, hex])
        : forkRole(SELF, ['--role=pub', pubEp, subEp, String(ratePerS / pubs)]),
    );
    roles.push(...pubRoles);
    await Promise.all(pubRoles.map((r) => r.next('sending')));
    await new Promise((r) => setTimeout(r, 700)); // warm-up
    for (const r of subRoles) r.send({ type: 'begin' });
    const cpu0 = cpuSeconds(subject.proc.pid!);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    for (const r of subRoles) r.send({ type: 'end' });
    const cpu1 = cpuSeconds(subject.proc.pid!);
    const elapsed = (performance.now() - t0) / 1000;
    const results = await Promise.all(subRoles.map((r) => r.next('result')));
    const counts = results.map((m) => m.count as number);
    const events = counts.reduce((a, b) => a + b, 0) / subs;
    const out: Measure = { eventsPerS: events / elapsed, cpuPerEvent: (cpu1 - cpu0) / Math.max(events, 1) };
    if (latency) {
      out.delivered = events / (ratePerS * elapsed);
      out.p50 = median(results.map((m) => m.p50 as number));
      out.p99 = Math.max(...results.map((m) => m.p99 as number));
    }
    return out;
  } finally {
    for (const r of roles) r.kill();
    await subject.stop();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/** Runs every subject `reps` times, interleaved (rotating order), and keeps the median of each figure. */
async function series(
  subjects: SubjectName[],
  reps: number,
  run: (s: SubjectName) => Promise<Measure>,
): Promise<Map<SubjectName, Measure>> {
  const all = new Map<SubjectName, Measure[]>(subjects.map((s) => [s, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[(i + rep) % subjects.length]!;
      all.get(s)!.push(await run(s));
    }
  }
  const out = new Map<SubjectName, Measure>();
  for (const [s, ms] of all) {
    const pick = (f: (m: Measure) => number | undefined) => median(ms.map((m) => f(m) ?? NaN));
    out.set(s, {
      eventsPerS: pick((m) => m.eventsPerS),
      cpuPerEvent: pick((m) => m.cpuPerEvent),
      p50: pick((m) => m.p50),
      p99: pick((m) => m.p99),
      delivered: pick((m) => m.delivered),
    });
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  if (await runRole(argv)) return;
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const fanArg = argv.find((a) => a.startsWith('--fanouts='))?.slice(10);
  const fanouts = fanArg ? fanArg.split(',').map(Number) : quick ? [1, 4] : [1, 4, 16];
  const windowMs = quick ? 1500 : 2000;
  const reps = Number(argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? (quick ? 1 : 3));
  const pubs = 2;
  // --js-load: the JavaScript load generators (the emulated Zeek node) even where the native helper builds.
  const cAnchor = argv.includes('--js-load') ? undefined : buildNative();
  const anchor: SubjectName = cAnchor ? 'bare-c' : 'bare-zmqjs';
  const curve = argv.includes('--curve');
  if (curve && cAnchor === undefined) throw new Error('--curve needs the C anchor (cc and libzmq headers)');
  if (curve) enableCurve();
  sealThreads = Number(argv.find((a) => a.startsWith('--seal-threads='))?.slice(15) ?? 0);
  suffix = curve ? '.curve' : '';
  const subjects: SubjectName[] = [
    ...(cAnchor ? ['bare-c' as const] : []),
    ...(curve ? [] : ['bare-zmqjs' as const]),
    'hub',
    ...(argv.includes('--without-counted') ? [] : ['hub-counted' as const]),
    ...(argv.includes('--without-zmtp') ? [] : ['hub-zmtp' as const]),
    ...(argv.includes('--with-block') ? ['hub-block' as const] : []),
    ...(sealThreads > 0 ? ['hub-zmtp-sealed' as const] : []),
  ];
  const results: Array<Record<string, unknown>> = [];
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${cpus().length} CPUs)`,
  );
  console.log(
    `anchor: ${anchor === 'bare-c' ? 'C zmq_proxy (system libzmq)' : 'zeromq.js Proxy without features'}${curve ? ', everything over CURVE' : ''}; load generators: ${cAnchor ? 'native (C)' : 'JavaScript'}, ${pubs} publisher processes; window ${windowMs} ms; median of ${reps} interleaved run(s)`,
  );
  for (const subs of fanouts) {
    const sat = await series(subjects, reps, (s) => measure(s, subs, pubs, 0, windowMs, cAnchor));
    const half = sat.get(anchor)!.eventsPerS / 2;
    const lat = await series(subjects, reps, (s) => measure(s, subs, pubs, half, windowMs, cAnchor));
    results.push(...report(subs, half, subjects, anchor, sat, lat));
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (json) console.log(JSON.stringify({ results }));
}

type Series = Map<SubjectName, Measure>;

/** `.curve` in every result name of a `--curve` run. */
let suffix = '';

/** Prints one fan-out's table and ratios; returns its JSON results. */
function report(
  subs: number,
  half: number,
  subjects: SubjectName[],
  anchor: SubjectName,
  sat: Series,
  lat: Series,
): Array<Record<string, unknown>> {
  console.log(`\n${subs} subscriber(s); latency at ${fmt(half)} events/s (half the anchor's saturation)`);
  console.log('subject       events/s   CPU µs/event   p50 ms   p99 ms   delivered at half load');
  for (const s of subjects) {
    const m = sat.get(s)!;
    const l = lat.get(s)!;
    console.log(
      `${s.padEnd(12)} ${fmt(m.eventsPerS).padStart(9)} ${fmt(m.cpuPerEvent * 1e6, 2).padStart(14)} ${fmt(l.p50 ?? NaN, 2).padStart(8)} ${fmt(l.p99 ?? NaN, 2).padStart(8)}   ${fmt((l.delivered ?? NaN) * 100, 1).padStart(6)} %`,
    );
  }
  const results: Array<Record<string, unknown>> = [];
  for (const subject of ['hub', 'hub-counted', 'hub-zmtp', 'hub-zmtp-sealed'] as const) {
    if (!sat.has(subject)) continue;
    results.push(...ratiosOf(subject, subs, anchor, sat, lat));
  }
  for (const subject of ['hub-counted', 'hub-zmtp'] as const) {
    const m = sat.get(subject);
    if (!m) continue;
    const cost = m.eventsPerS / sat.get('hub')!.eventsPerS;
    console.log(
      `${subject} / hub (native), the cost of counting: events/s ${fmt(cost, 2)}×, CPU/event ${fmt(m.cpuPerEvent / sat.get('hub')!.cpuPerEvent, 2)}×`,
    );
  }
  return results;
}

/** One hub subject's ratios against the anchor (and, at 1 subscriber, against Zeek's reference). */
function ratiosOf(
  subject: HubSubject,
  subs: number,
  anchor: SubjectName,
  sat: Series,
  lat: Series,
): Array<Record<string, unknown>> {
  const a = sat.get(anchor)!;
  const h = sat.get(subject)!;
  const al = lat.get(anchor)!;
  const hl = lat.get(subject)!;
  const ratios = {
    throughput: h.eventsPerS / a.eventsPerS,
    cpu: h.cpuPerEvent / a.cpuPerEvent,
    p50: (hl.p50 ?? NaN) / (al.p50 ?? NaN),
    p99: (hl.p99 ?? NaN) / (al.p99 ?? NaN),
  };
  console.log(
    `${subject} / ${anchor}: events/s ${fmt(ratios.throughput, 2)}× (goal ≥ 0.9), CPU/event ${fmt(ratios.cpu, 2)}× (goal ≤ 1.5), p50 ${fmt(ratios.p50, 2)}×, p99 ${fmt(ratios.p99, 2)}×`,
  );
  const prefix = (subject === 'hub' ? 'hub' : subject.replace(/-/g, '.')) + suffix;
  const results: Array<Record<string, unknown>> = [];
  if (subs === 1) results.push(zeekReference(subject, prefix, h.eventsPerS));
  const base = { subject: `${subject} ${subs} sub`, anchor: `${anchor} ${subs} sub` };
  const entry = (
    what: string,
    unit: string,
    ratio: number,
    goal: number | null,
    higherIsBetter: boolean,
  ) => ({
    name: `${prefix}.${what}.subs${subs}`,
    ...base,
    unit,
    ratio,
    goal,
    higherIsBetter,
  });
  results.push(
    entry('events_per_s', 'events/s', ratios.throughput, 0.9, true),
    entry('cpu_per_event', 'CPU-s/event', ratios.cpu, 1.5, false),
    entry('latency_p50', 'ms', ratios.p50, null, false),
    entry('latency_p99', 'ms', ratios.p99, null, false),
  );
  return results;
}

/** Zeek 8.2's own hub (manager proxy thread), measured outside the project: see the header. */
const ZEEK_PROXY_REFERENCE = { low: 191_000, high: 214_000 } as const;

function zeekReference(subject: string, prefix: string, hubEventsPerS: number): Record<string, unknown> {
  const mid = (ZEEK_PROXY_REFERENCE.low + ZEEK_PROXY_REFERENCE.high) / 2;
  const ratio = hubEventsPerS / mid;
  console.log(
    `${subject} / Zeek 8.2 proxy thread (reference ${fmt(ZEEK_PROXY_REFERENCE.low)}–${fmt(ZEEK_PROXY_REFERENCE.high)} events/s, measured outside this project, not in this run): ${fmt(ratio, 2)}× of the midpoint (goal ≥ 1.0)`,
  );
  return {
    name: `${prefix}.events_per_s.vs_zeek_proxy`,
    subject: `${subject} 1 sub`,
    anchor: `Zeek 8.2 proxy thread, reference ${ZEEK_PROXY_REFERENCE.low}-${ZEEK_PROXY_REFERENCE.high} events/s (measured outside the project)`,
    unit: 'events/s',
    ratio,
    goal: 1.0,
    higherIsBetter: true,
  };
}

await main(process.argv.slice(2));
