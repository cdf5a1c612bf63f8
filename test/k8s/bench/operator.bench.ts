/**
 * `npm run bench:operator [-- --json] [--idle-seconds N] [--rounds N] [--baseline PATH]
 * [--anchor-with-children]`: one run
 * against the test control plane (etcd, kube-apiserver, kube-controller-manager, scheduler, kwok).
 *  1. Workers 0→100 and 100→1000 through the operator (drift correction on) vs the same scaling
 *     of a bare StatefulSet with the very pod template the operator gives its workers (anchor).
 *     Timed from just before `kubectl scale` (of the ZeekCluster, or of the bare StatefulSet) to:
 *     - pods ready: the worker StatefulSet's readyReplicas reaches the target (the same criterion
 *       for both sides);
 *     - reported: the ZeekCluster's status.readyReplicas says so (what a user waits for);
 *     and, for the operator, when its worker StatefulSet got the new replica count. Each is the
 *     median of ROUNDS interleaved rounds (the order rotates every round), each side on fresh
 *     names (kwok slows down on reused pod names) and torn down completely (pods gone) before
 *     the next side starts. Per operator round: reconciles, their p50/p99, API requests.
 *     `--anchor-with-children`: the anchor also gets every other child the operator would create
 *     (ConfigMap, Services, Deployments, PDBs), applied by hand: the same namespace shape.
 *     `--baseline PATH` (an operator package's `dist/src/index.js` from another checkout, e.g. the
 *     main branch's build) runs that operator too, in its own namespace with its own Lease, as a
 *     third side of every round: before/after at the same load.
 *  2. Changes in etcd during 60 idle seconds with 1000 workers (a watch on every child collection,
 *     the ZeekCluster and Events; goal 0 per minute), beside the operator's own write count.
 *  3. Reconcile p50/p99 over the whole run against a plain GET /version (API round-trip anchor).
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { buildDesired, validateSpec, type Images, type Operator } from '@zeek-relay/operator';
import { startControlPlane, type ControlPlane } from '../../helpers/k8s/control-plane.js';
import {
  createTestOperator,
  eventually,
  installCrd,
  startOperator,
  watchChanges,
  type OperatorModule,
} from '../operator-harness.js';

const argValue = (flag: string): string | undefined => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const json = process.argv.includes('--json');
const idleSeconds = Number(argValue('--idle-seconds') ?? 60);
const ROUNDS = Number(argValue('--rounds') ?? 3);
const baselinePath = argValue('--baseline');
const withChildren = process.argv.includes('--anchor-with-children');
const NS = 'bench';
const BASE_NS = 'bench-base';
const ZEEK_IMAGE = 'zeek/zeek:8.0.4';
const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const zcPath = (ns: string, name: string): string =>
  `/apis/zeek-relay.io/v1alpha1/namespaces/${ns}/zeekclusters/${name}`;
const stsPath = (ns: string, name: string): string => `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`;

interface StsView {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number };
}
interface ZcView {
  status?: { readyReplicas?: number; conditions?: { type: string; status: string }[] };
}

const podsOf = async (cp: ControlPlane, ns: string, instance: string): Promise<number> =>
  (
    await cp.http.json<{ items: unknown[] }>(
      'GET',
      `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`app.kubernetes.io/instance=${instance}`)}`,
    )
  ).items.length;

/** 50 ms polls: the quantisation stays small next to the 0.5–60 s being measured. */
async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  return eventually(what, fn, 30 * 60_000, 50);
}

/** When each milestone of one scale was first seen, in seconds from `t0`. */
interface Milestones {
  stsScaled?: number;
  podsReady?: number;
  reported?: number;
}

/**
 * Polls the worker StatefulSet (and the ZeekCluster, when there is one) until the pods are ready
 * and, with a ZeekCluster, its status reports them.
 */
async function track(
  cp: ControlPlane,
  ns: string,
  sts: string,
  zc: string | undefined,
  to: number,
  t0: number,
) {
  const m: Milestones = {};
  const at = (): number => (performance.now() - t0) / 1000;
  await until(`${sts} ready at ${to}`, async () => {
    const [s, z] = await Promise.all([
      cp.http.json<StsView>('GET', stsPath(ns, sts)).catch(() => undefined),
      zc ? cp.http.json<ZcView>('GET', zcPath(ns, zc)).catch(() => undefined) : undefined,
    ]);
    if (m.stsScaled === undefined && s?.spec?.replicas === to) m.stsScaled = at();
    if (m.podsReady === undefined && s?.status?.readyReplicas === to) m.podsReady = at();
    if (zc && m.reported === undefined && z?.status?.readyReplicas === to) m.reported = at();
    return m.podsReady !== undefined && (!zc || m.reported !== undefined) ? true : undefined;
  });
  return m;
}

/** One side of a round: brought to `from` ready (untimed), scaled to `to` (timed), torn down. */
interface Side {
  readonly label: string;
  prepare(from: number): Promise<void>;
  scale(to: number): Promise<void>;
  track(to: number, t0: number): Promise<Milestones>;
  teardown(): Promise<void>;
}

/**
 * The worker StatefulSet the operator builds for a default ZeekCluster `name`, as a bare one (a
 * `List`); with `--anchor-with-children` every other child too (ConfigMap, Services, Deployments,
 * PDBs), so the anchor's namespace has the shape the operator's has and only the operator differs.
 */
function anchorObjects(name: string, replicas: number): unknown {
  const zc = {
    apiVersion: 'zeek-relay.io/v1alpha1' as const,
    kind: 'ZeekCluster' as const,
    metadata: { name, namespace: NS, uid: 'anchor', generation: 1 },
    spec: validateSpec({
      workers: { replicas, maxReplicas: 1000 },
      logSinks: { storage: { persistent: false } },
    }),
  };
  const images: Images = {
    zeek: ZEEK_IMAGE,
    hub: 'h',
    gateway: 'g',
    logSink: 'l',
    pullPolicy: 'IfNotPresent',
    zeekVersion: '8.2',
  };
  const objects = buildDesired(zc, images, { get: () => undefined }).objects.filter(
    (o) => withChildren || (o.kind === 'StatefulSet' && o.metadata.name === `${name}-worker`),
  );
  if (objects.length === 0) throw new Error('the operator builds no worker StatefulSet');
  // No owner and not labelled as the operator's: its informers leave them alone.
  const items = objects.map((o) => {
    const { ownerReferences: _o, labels = {}, ...metadata } = o.metadata;
    const { 'app.kubernetes.io/managed-by': _m, ...kept } = labels;
    return { ...o, metadata: { ...metadata, labels: kept } };
  });
  return { apiVersion: 'v1', kind: 'List', items };
}

/** Deletes what {@link anchorObjects} made for `name` and waits until its pods are gone. */
async function deleteAnchor(cp: ControlPlane, name: string): Promise<void> {
  const kinds = 'statefulsets,deployments,services,configmaps,poddisruptionbudgets';
  await cp.kubectl(['delete', kinds, '-n', NS, '-l', `app.kubernetes.io/instance=${name}`, '--wait=true']);
  await until(`${name} pods gone`, async () => ((await podsOf(cp, NS, name)) === 0 ? true : undefined));
}

function anchorSide(cp: ControlPlane, name: string): Side {
  const sts = `${name}-worker`;
  return {
    label: withChildren ? 'bare StatefulSet beside the operator-shaped children' : 'bare StatefulSet',
    prepare: async (from) => {
      await cp.kubectl(['apply', '-f', '-'], JSON.stringify(anchorObjects(name, from)));
      await until(`${sts} ready at ${from}`, async () =>
        ((await cp.http.json<StsView>('GET', stsPath(NS, sts))).status?.readyReplicas ?? 0) === from
          ? true
          : undefined,
      );
    },
    scale: async (to) => {
      await cp.kubectl(['scale', `statefulset/${sts}`, '-n', NS, `--replicas=${to}`]);
    },
    track: (to, t0) => track(cp, NS, sts, undefined, to, t0),
    teardown: () => deleteAnchor(cp, name),
  };
}

function operatorSide(cp: ControlPlane, ns: string, name: string, label: string): Side {
  return {
    label,
    prepare: async (from) => {
      const zc = {
        apiVersion: 'zeek-relay.io/v1alpha1',
        kind: 'ZeekCluster',
        metadata: { name, namespace: ns },
        spec: {
          workers: { replicas: from, maxReplicas: 1000 },
          logSinks: { storage: { persistent: false } },
        },
      };
      await cp.kubectl(['apply', '-f', '-'], JSON.stringify(zc));
      await until(`${name} Ready at ${from}`, async () => {
        const z = await cp.http.json<ZcView>('GET', zcPath(ns, name)).catch(() => undefined);
        const ready = z?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        return z?.status?.readyReplicas === from && ready ? true : undefined;
      });
    },
    scale: async (to) => {
      await cp.kubectl(['scale', `zeekcluster/${name}`, '-n', ns, `--replicas=${to}`]);
    },
    track: (to, t0) => track(cp, ns, `${name}-worker`, name, to, t0),
    teardown: async () => {
      await cp.kubectl(['delete', `zeekcluster/${name}`, '-n', ns, '--wait=true']);
      await until(`${name} pods gone`, async () => ((await podsOf(cp, ns, name)) === 0 ? true : undefined));
    },
  };
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}
const median = (xs: readonly number[]): number => percentile(xs, 50);

/** What one operator did while it was timed. */
interface OperatorWork {
  reconciles: number;
  p50: number;
  p99: number;
  api: Record<string, number>;
}

function workDuring(op: Operator, before: { n: number; api: Map<string, number> }): OperatorWork {
  const d = op.metrics.recentDurations.slice(before.n);
  const api: Record<string, number> = {};
  for (const [verb, n] of op.metrics.apiCallCounts) {
    const delta = n - (before.api.get(verb) ?? 0);
    if (delta > 0 && !verb.startsWith('lease')) api[verb] = delta;
  }
  return { reconciles: d.length, p50: percentile(d, 50), p99: percentile(d, 99), api };
}

/** Times `side` from `from` to `to`, then tears it down (unless `keep`). */
async function timeSide(side: Side, from: number, to: number, op: Operator | undefined, keep: boolean) {
  await side.prepare(from);
  await sleep(1_000);
  const before = { n: op?.metrics.recentDurations.length ?? 0, api: new Map(op?.metrics.apiCallCounts) };
  const t0 = performance.now();
  await side.scale(to);
  const m = await side.track(to, t0);
  const work = op ? workDuring(op, before) : undefined;
  if (!keep) await side.teardown();
  return { m, work };
}

interface Run {
  readonly side: 'anchor' | 'operator' | 'baseline';
  readonly m: Milestones;
  readonly work?: OperatorWork;
}

const fmt = (xs: readonly (number | undefined)[]): string =>
  `[${xs.map((x) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(2))).join(', ')}] s`;

/**
 * ROUNDS rounds of `from`→`to`, each side once per round on fresh names, the order rotating
 * (anchor, operator, baseline; then operator, baseline, anchor; …).
 */
async function scaleRounds(
  cp: ControlPlane,
  ops: { operator: Operator; baseline?: Operator },
  from: number,
  to: number,
): Promise<Run[]> {
  const runs: Run[] = [];
  const kinds = (['anchor', 'operator', 'baseline'] as const).filter((k) => k !== 'baseline' || ops.baseline);
  for (let r = 1; r <= ROUNDS; r++) {
    const order = [...kinds.slice((r - 1) % kinds.length), ...kinds.slice(0, (r - 1) % kinds.length)];
    say(`${from}→${to} round ${r}: ${order.join(', ')}`);
    for (const kind of order) {
      const name = `${kind === 'anchor' ? 'anchor' : kind === 'operator' ? 'bench' : 'base'}-${to}-${r}`;
      const keep = kind === 'operator' && to === 1000 && r === ROUNDS;
      const side =
        kind === 'anchor'
          ? anchorSide(cp, name)
          : operatorSide(cp, kind === 'operator' ? NS : BASE_NS, name, kind);
      const { m, work } = await timeSide(side, from, to, kind === 'anchor' ? undefined : ops[kind], keep);
      say(`  ${kind}: ${JSON.stringify(m)}${work ? ` ${JSON.stringify(work)}` : ''}`);
      runs.push({ side: kind, m, ...(work ? { work } : {}) });
    }
  }
  return runs;
}

type Result = {
  name: string;
  subject: number;
  anchor: number;
  unit: string;
  ratio: number;
  goal: number | null;
  higherIsBetter: boolean;
};

function scaleResults(label: string, runs: readonly Run[]): Result[] {
  const of = (side: Run['side'], k: keyof Milestones): number[] =>
    runs.filter((r) => r.side === side).map((r) => r.m[k] ?? Number.NaN);
  const anchor = median(of('anchor', 'podsReady'));
  const res = (name: string, subject: number, anchorValue: number, goal: number | null): Result => ({
    name: `scale workers ${label}: ${name} (median of ${ROUNDS} interleaved)`,
    subject,
    anchor: anchorValue,
    unit: 's',
    ratio: subject / anchorValue,
    goal,
    higherIsBetter: false,
  });
  const out = [
    res('pods ready, operator vs bare StatefulSet', median(of('operator', 'podsReady')), anchor, 1.2),
    res(
      'ZeekCluster reports them ready vs bare StatefulSet ready',
      median(of('operator', 'reported')),
      anchor,
      1.2,
    ),
  ];
  if (runs.some((r) => r.side === 'baseline'))
    out.push(
      res(
        'ZeekCluster reports them ready, this operator vs --baseline',
        median(of('operator', 'reported')),
        median(of('baseline', 'reported')),
        null,
      ),
    );
  for (const side of ['anchor', 'operator', 'baseline'] as const) {
    if (!runs.some((r) => r.side === side)) continue;
    say(
      `${label} ${side}: StatefulSet scaled ${fmt(of(side, 'stsScaled'))}, pods ready ${fmt(of(side, 'podsReady'))}, reported ${fmt(of(side, 'reported'))}`,
    );
    for (const r of runs.filter((x) => x.side === side && x.work))
      say(
        `  ${side} reconciles ${r.work!.reconciles} (p50 ${r.work!.p50.toFixed(4)} s, p99 ${r.work!.p99.toFixed(3)} s), API ${JSON.stringify(r.work!.api)}`,
      );
  }
  return out;
}

/** Idle: what changed in etcd (not what the operator says) while the last cluster sat at 1000 workers. */
async function idle(cp: ControlPlane, operator: Operator): Promise<Result> {
  say(`Idle: watching for changes for ${idleSeconds} s`);
  await sleep(5_000);
  const watched = [
    '/apis/apps/v1/namespaces/NS/statefulsets',
    '/apis/apps/v1/namespaces/NS/deployments',
    '/api/v1/namespaces/NS/services',
    '/api/v1/namespaces/NS/configmaps',
    '/apis/policy/v1/namespaces/NS/poddisruptionbudgets',
    '/apis/zeek-relay.io/v1alpha1/namespaces/NS/zeekclusters',
    '/apis/events.k8s.io/v1/namespaces/NS/events',
  ].map((p) => p.replace('NS', NS));
  const changes = await watchChanges(cp, watched);
  const w0 = operator.metrics.writes();
  await sleep(idleSeconds * 1000);
  changes.stop();
  const perMinute = (changes.changes.length * 60) / idleSeconds;
  say(
    `idle: ${changes.changes.length} changes in etcd, ${operator.metrics.writes() - w0} operator writes ${JSON.stringify(changes.changes.slice(0, 10))}`,
  );
  return {
    name: 'idle changes per minute (watch on children, ZeekCluster, Events; 1000 workers)',
    subject: perMinute,
    anchor: 0,
    unit: '{write}/min',
    ratio: perMinute,
    goal: 0,
    higherIsBetter: false,
  };
}

async function reconcileResults(cp: ControlPlane, operator: Operator): Promise<Result[]> {
  const rtt: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await cp.http.json('GET', '/version');
    rtt.push((performance.now() - t) / 1000);
  }
  const d = operator.metrics.recentDurations;
  say(
    `(${d.length} reconciles in the run; API calls ${JSON.stringify(Object.fromEntries(operator.metrics.apiCallCounts))})`,
  );
  return [50, 99].map((p) => ({
    name: `reconcile p${p} vs GET /version p${p}`,
    subject: percentile(d, p),
    anchor: percentile(rtt, p),
    unit: 's',
    ratio: percentile(d, p) / percentile(rtt, p),
    goal: null,
    higherIsBetter: false,
  }));
}

/** Warm-up (scheduler/controller caches, kwok, API server): the first side would otherwise pay alone. */
async function warmUp(cp: ControlPlane): Promise<void> {
  say('Warm-up: 200 pods up and down');
  await cp.kubectl(['apply', '-f', '-'], JSON.stringify(anchorObjects('warm', 200)));
  await until('warm-up 200', async () =>
    ((await cp.http.json<StsView>('GET', stsPath(NS, 'warm-worker'))).status?.readyReplicas ?? 0) === 200
      ? true
      : undefined,
  );
  await deleteAnchor(cp, 'warm');
}

// kwok gives each node's pods IPs from one /24 (~250 pods per node): room for 1000 workers + base pods.
say(
  `load average at the start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const cp = await startControlPlane({ nodes: 6, log: say });
const started: Operator[] = [];
try {
  const baselineMod = baselinePath
    ? ((await import(pathToFileURL(baselinePath).href)) as OperatorModule)
    : undefined;
  const operator = await startOperator(cp, 'bench-operator', { ZR_OPERATOR_WATCH_NAMESPACE: NS });
  started.push(operator);
  let baseline: Operator | undefined;
  if (baselineMod) {
    const env = { ZR_OPERATOR_WATCH_NAMESPACE: BASE_NS, ZR_OPERATOR_LEASE_NAME: 'bench-baseline' };
    baseline = createTestOperator(cp, 'bench-baseline', 'baseline-operator', env, baselineMod);
    await baseline.start();
    started.push(baseline);
    say(`Baseline operator from ${baselinePath} in namespace ${BASE_NS}`);
  }
  await installCrd(cp);
  await cp.kubectl(['create', 'namespace', NS]);
  if (baseline) await cp.kubectl(['create', 'namespace', BASE_NS]);
  await warmUp(cp);
  const ops = { operator, ...(baseline ? { baseline } : {}) };
  const results = [
    ...scaleResults('0→100', await scaleRounds(cp, ops, 0, 100)),
    ...scaleResults('100→1000', await scaleRounds(cp, ops, 100, 1000)),
  ];
  results.push(await idle(cp, operator), ...(await reconcileResults(cp, operator)));
  for (const r of results)
    say(
      `${r.name}: ${r.subject.toFixed(3)} ${r.unit}, anchor ${r.anchor.toFixed(3)} ${r.unit} → ratio ${r.ratio.toFixed(2)} (goal ${r.goal ?? 'none'})`,
    );
  say(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  if (json) console.log(JSON.stringify({ results }));
} finally {
  for (const op of started) await op.close();
  await cp.stop();
}
