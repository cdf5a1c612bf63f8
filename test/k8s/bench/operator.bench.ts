/**
 * `npm run bench:operator [-- --json] [--idle-seconds N]`: one run against the test control plane.
 *  1. 0→100 and 100→1000 workers ready through the operator (ZeekCluster status.readyReplicas,
 *     drift correction on) vs the same scaling of a bare StatefulSet (anchor, readyReplicas),
 *     goal ≤ 1.2×: after a warm-up, each the median of 3 interleaved rounds (anchor first, then
 *     subject first, …), each side on fresh names and torn down completely (pods gone) before the
 *     other side starts;
 *  2. changes in etcd during 60 idle seconds with 1000 workers (a watch on every child collection,
 *     the ZeekCluster and Events; goal 0 per minute), beside the operator's own write count;
 *  3. reconcile p50/p99, p99 against a plain GET /version in the same run (API round-trip anchor).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane, type ControlPlane } from '../../helpers/k8s/control-plane.js';
import { eventually, installCrd, startOperator, watchChanges } from '../operator-harness.js';

const json = process.argv.includes('--json');
const idleIdx = process.argv.indexOf('--idle-seconds');
const idleSeconds = idleIdx >= 0 ? Number(process.argv[idleIdx + 1]) : 60;
const NS = 'bench';
const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function timeUntil(what: string, check: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  // 50 ms polls: the quantisation stays small next to the 0.5–15 s being measured.
  await eventually(what, async () => ((await check()) ? true : undefined), 30 * 60_000, 50);
  return (performance.now() - t0) / 1000;
}

const stsReady = (cp: ControlPlane, name: string, n: number) => async (): Promise<boolean> => {
  const s = await cp.http.json<{ status: { readyReplicas?: number } }>(
    'GET',
    `/apis/apps/v1/namespaces/${NS}/statefulsets/${name}`,
  );
  return (s.status.readyReplicas ?? 0) === n;
};
const zcReady = (cp: ControlPlane, name: string, n: number, all: boolean) => async (): Promise<boolean> => {
  const z = await cp.http
    .json<{
      status?: { readyReplicas?: number; conditions?: { type: string; status: string }[] };
    }>('GET', `/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters/${name}`)
    .catch(() => undefined);
  const ready = z?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return z?.status?.readyReplicas === n && (!all || ready);
};
const podsOf = async (cp: ControlPlane, selector: string): Promise<number> =>
  (
    await cp.http.json<{ items: unknown[] }>(
      'GET',
      `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`,
    )
  ).items.length;
const fmt = (xs: number[]): string => `[${xs.map((x) => x.toFixed(2)).join(', ')}] s`;
const ROUNDS = 3;
const WATCHED = [
  '/apis/apps/v1/namespaces/NS/statefulsets',
  '/apis/apps/v1/namespaces/NS/deployments',
  '/api/v1/namespaces/NS/services',
  '/api/v1/namespaces/NS/configmaps',
  '/apis/policy/v1/namespaces/NS/poddisruptionbudgets',
  '/apis/zeek-relay.io/v1alpha1/namespaces/NS/zeekclusters',
  '/apis/events.k8s.io/v1/namespaces/NS/events',
];

/** A bare StatefulSet of `replicas` pods: the anchor (what the operator's worker StatefulSet is at heart). */
function anchorSts(name: string, replicas: number): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      serviceName: name,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'zeek', image: 'zeek/zeek:8.0.4' }] },
      },
    },
  };
}

/** One side of a round: from `from` ready to `to` ready; returns the timed part (s). */
interface Side {
  prepare(from: number): Promise<void>;
  scale(to: number): Promise<void>;
  ready(n: number): () => Promise<boolean>;
  teardown(): Promise<void>;
}

function anchorSide(cp: ControlPlane, name: string): Side {
  return {
    prepare: async (from) => {
      await cp.kubectl(['apply', '-f', '-'], JSON.stringify(anchorSts(name, from)));
      await timeUntil(`${name} ${from}`, stsReady(cp, name, from));
    },
    scale: async (to) => {
      await cp.kubectl(['scale', `statefulset/${name}`, '-n', NS, `--replicas=${to}`]);
    },
    ready: (n) => stsReady(cp, name, n),
    teardown: async () => {
      await cp.kubectl(['delete', `statefulset/${name}`, '-n', NS, '--wait=true']);
      await timeUntil(`${name} pods gone`, async () => (await podsOf(cp, `app=${name}`)) === 0);
    },
  };
}

function subjectSide(cp: ControlPlane, name: string): Side {
  return {
    prepare: async (from) => {
      const zc = {
        apiVersion: 'zeek-relay.io/v1alpha1',
        kind: 'ZeekCluster',
        metadata: { name, namespace: NS },
        spec: {
          workers: { replicas: from, maxReplicas: 1000 },
          logSinks: { storage: { persistent: false } },
        },
      };
      await cp.kubectl(['apply', '-f', '-'], JSON.stringify(zc));
      await timeUntil(`${name} Ready at ${from}`, zcReady(cp, name, from, true));
    },
    scale: async (to) => {
      await cp.kubectl(['scale', `zeekcluster/${name}`, '-n', NS, `--replicas=${to}`]);
    },
    ready: (n) => zcReady(cp, name, n, false),
    teardown: async () => {
      await cp.kubectl(['delete', `zeekcluster/${name}`, '-n', NS, '--wait=true']);
      await timeUntil(
        `${name} pods gone`,
        async () => (await podsOf(cp, `app.kubernetes.io/instance=${name}`)) === 0,
      );
    },
  };
}

/** Times `side` from `from` to `to` ready, then tears it down completely (untimed). */
async function timeSide(side: Side, from: number, to: number, keep = false): Promise<number> {
  await side.prepare(from);
  await sleep(1_000);
  const t0 = performance.now();
  await side.scale(to);
  await eventually(
    `ready at ${to}`,
    async () => ((await side.ready(to)()) ? true : undefined),
    30 * 60_000,
    50,
  );
  const took = (performance.now() - t0) / 1000;
  if (!keep) await side.teardown();
  return took;
}

/**
 * ROUNDS interleaved rounds of each measure, the order alternating (anchor first, then subject
 * first, …), every side on fresh names (kwok slows down on reused pod names) and torn down
 * completely before the other side starts.
 */
async function scaleRounds(cp: ControlPlane) {
  const out = { a100: [] as number[], s100: [] as number[], a1000: [] as number[], s1000: [] as number[] };
  for (const [from, to, a, s] of [
    [0, 100, out.a100, out.s100],
    [100, 1000, out.a1000, out.s1000],
  ] as const) {
    for (let r = 1; r <= ROUNDS; r++) {
      const last = to === 1000 && r === ROUNDS;
      const anchor = async (): Promise<void> => {
        a.push(await timeSide(anchorSide(cp, `anchor-${to}-${r}`), from, to));
      };
      const subject = async (keep: boolean): Promise<void> => {
        s.push(await timeSide(subjectSide(cp, `bench-${to}-${r}`), from, to, keep));
      };
      say(`${from}→${to} round ${r}: ${r % 2 ? 'anchor, then operator' : 'operator, then anchor'}`);
      if (r % 2) {
        await anchor();
        await subject(last);
      } else {
        await subject(false);
        await anchor();
      }
    }
  }
  return out;
}

const podCount = async (cp: ControlPlane): Promise<number> =>
  (await cp.http.json<{ items: unknown[] }>('GET', `/api/v1/namespaces/${NS}/pods`)).items.length;

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

// kwok gives each node's pods IPs from one /24 (~250 pods per node): room for 1000 workers + base pods.
const cp = await startControlPlane({ nodes: 6, log: say });
const operator = await startOperator(cp, 'bench-operator').catch(async (err: unknown) => {
  await cp.stop();
  throw err;
});
try {
  await installCrd(cp);
  await cp.kubectl(['create', 'namespace', NS]);

  // Warm-up (scheduler/controller caches, kwok, API server): the anchor runs first and would
  // otherwise pay every first-time cost alone.
  say('Warm-up: 200 pods up and down');
  const warm = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'warm', namespace: NS },
    spec: {
      replicas: 200,
      serviceName: 'warm',
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'warm' } },
      template: {
        metadata: { labels: { app: 'warm' } },
        spec: { containers: [{ name: 'c', image: 'zeek/zeek:8.0.4' }] },
      },
    },
  };
  await cp.kubectl(['apply', '-f', '-'], JSON.stringify(warm));
  await timeUntil('warm-up 200', stsReady(cp, 'warm', 200));
  await cp.kubectl(['delete', 'statefulset/warm', '-n', NS, '--wait=true']);
  await timeUntil('warm-up pods gone', async () => (await podCount(cp)) === 0);

  const rounds = await scaleRounds(cp);
  const med = (xs: number[]): number => percentile(xs, 50);
  const [anchor100, subject100, anchor1000, subject1000] = [
    med(rounds.a100),
    med(rounds.s100),
    med(rounds.a1000),
    med(rounds.s1000),
  ];
  say(`0→100 anchor ${fmt(rounds.a100)} subject ${fmt(rounds.s100)}`);
  say(`100→1000 anchor ${fmt(rounds.a1000)} subject ${fmt(rounds.s1000)}`);

  // Idle: the last cluster of the rounds stays at 1000 workers. What changed in etcd (a watch on
  // every child collection, the ZeekCluster and Events) is what counts, not what the operator says.
  say(`Idle: watching for changes for ${idleSeconds} s`);
  await sleep(5_000);
  const changes = await watchChanges(
    cp,
    WATCHED.map((p) => p.replace('NS', NS)),
  );
  const w0 = operator.metrics.writes();
  await sleep(idleSeconds * 1000);
  changes.stop();
  const idleChanges = changes.changes.length;
  const idleWrites = operator.metrics.writes() - w0;
  say(
    `idle: ${idleChanges} changes in etcd, ${idleWrites} operator writes ${JSON.stringify(changes.changes.slice(0, 10))}`,
  );

  const rtt: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await cp.http.json('GET', '/version');
    rtt.push((performance.now() - t) / 1000);
  }
  const reconcileP99 = percentile(operator.metrics.recentDurations, 99);
  const getP99 = percentile(rtt, 99);

  const results = [
    {
      name: `scale workers 0→100 (Ready, median of ${ROUNDS} interleaved)`,
      subject: subject100,
      anchor: anchor100,
      unit: 's',
      ratio: subject100 / anchor100,
      goal: 1.2,
      higherIsBetter: false,
    },
    {
      name: `scale workers 100→1000 (Ready, median of ${ROUNDS} interleaved)`,
      subject: subject1000,
      anchor: anchor1000,
      unit: 's',
      ratio: subject1000 / anchor1000,
      goal: 1.2,
      higherIsBetter: false,
    },
    {
      name: 'idle changes per minute (watch on children, ZeekCluster, Events; 1000 workers)',
      subject: (idleChanges * 60) / idleSeconds,
      anchor: 0,
      unit: '{write}/min',
      ratio: (idleChanges * 60) / idleSeconds,
      goal: 0,
      higherIsBetter: false,
    },
    {
      name: 'reconcile p50 vs GET /version p50',
      subject: percentile(operator.metrics.recentDurations, 50),
      anchor: percentile(rtt, 50),
      unit: 's',
      ratio: percentile(operator.metrics.recentDurations, 50) / percentile(rtt, 50),
      goal: null,
      higherIsBetter: false,
    },
    {
      name: 'reconcile p99 vs GET /version p99',
      subject: reconcileP99,
      anchor: getP99,
      unit: 's',
      ratio: reconcileP99 / getP99,
      goal: null,
      higherIsBetter: false,
    },
  ];
  for (const r of results) {
    say(
      `${r.name}: operator ${r.subject.toFixed(3)} ${r.unit}, anchor ${r.anchor.toFixed(3)} ${r.unit} → ratio ${r.ratio.toFixed(2)} (goal ${r.goal ?? 'none'})`,
    );
  }
  say(
    `(${operator.metrics.recentDurations.length} reconciles, p99 ${reconcileP99.toFixed(3)} s, p50 ${percentile(operator.metrics.recentDurations, 50).toFixed(3)} s; API calls ${JSON.stringify(Object.fromEntries(operator.metrics.apiCallCounts))})`,
  );
  if (json) console.log(JSON.stringify({ results }));
} finally {
  await operator.close();
  await cp.stop();
}
