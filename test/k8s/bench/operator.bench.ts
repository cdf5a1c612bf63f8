/**
 * `npm run bench:operator [-- --json] [--idle-seconds N]`: one run against the test control plane.
 *  1. 0→100 and 100→1000 workers Running through the operator (ZeekCluster status.readyReplicas)
 *     vs the same scaling of a bare StatefulSet (anchor, readyReplicas), goal ≤ 1.2×; after a
 *     warm-up; 0→100 three rounds with alternating order (medians), 100→1000 once per side;
 *  2. API writes by the operator during 60 idle seconds with 1000 workers (goal 0; Lease renewals
 *     not counted);
 *  3. reconcile p99 vs the p99 of a plain GET /version in the same run (API round-trip anchor).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane, type ControlPlane } from '../../helpers/k8s/control-plane.js';
import { eventually, installCrd, startOperator } from '../operator-harness.js';

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
const zcReady = (cp: ControlPlane, n: number) => async (): Promise<boolean> => {
  const z = await cp.http.json<{ status?: { readyReplicas?: number } }>(
    'GET',
    `/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters/bench`,
  );
  return z.status?.readyReplicas === n;
};
const podCount = async (cp: ControlPlane): Promise<number> =>
  (await cp.http.json<{ items: unknown[] }>('GET', `/api/v1/namespaces/${NS}/pods`)).items.length;

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

// 2 × 1000 pods must fit during a round (kwok: ~250 pods per node).
const cp = await startControlPlane({ nodes: 10, log: say });
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

  say('Anchor (bare StatefulSet) and subject (ZeekCluster workers through the operator)');
  const sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'anchor', namespace: NS },
    spec: {
      replicas: 0,
      serviceName: 'anchor',
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'anchor' } },
      template: {
        metadata: { labels: { app: 'anchor' } },
        spec: { containers: [{ name: 'zeek', image: 'zeek/zeek:8.0.4' }] },
      },
    },
  };
  await cp.kubectl(['apply', '-f', '-'], JSON.stringify(sts));
  const zc = {
    apiVersion: 'zeek-relay.io/v1alpha1',
    kind: 'ZeekCluster',
    metadata: { name: 'bench', namespace: NS },
    spec: { workers: { replicas: 0, maxReplicas: 1000 }, logSinks: { storage: { persistent: false } } },
  };
  await cp.kubectl(['apply', '-f', '-'], JSON.stringify(zc));
  await timeUntil('bench cluster Ready', async () => {
    const z = await cp.http.json<{ status?: { conditions?: { type: string; status: string }[] } }>(
      'GET',
      `/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters/bench`,
    );
    return z.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  });
  const scaleAnchor = (n: number) => cp.kubectl(['scale', 'statefulset/anchor', '-n', NS, `--replicas=${n}`]);
  const scaleSubject = (n: number) => cp.kubectl(['scale', 'zeekcluster/bench', '-n', NS, `--replicas=${n}`]);
  const podsOf = async (selector: string): Promise<number> =>
    (
      await cp.http.json<{ items: unknown[] }>(
        'GET',
        `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`,
      )
    ).items.length;
  const bothEmpty = async (): Promise<boolean> =>
    (await podsOf('app=anchor')) === 0 && (await podsOf('app.kubernetes.io/component=worker')) === 0;

  // One "round" scales one side from 0 to `from` (untimed), then to `to` (timed), then back to 0.
  // The machine is shared and noisy: three rounds per size, the side going first alternates
  // (drift cancels), medians are compared.
  const anchorRound = async (from: number, to: number): Promise<number> => {
    if (from > 0) {
      await scaleAnchor(from);
      await timeUntil(`anchor ${from}`, stsReady(cp, 'anchor', from));
    }
    await scaleAnchor(to);
    const t = await timeUntil(`anchor ${to}`, stsReady(cp, 'anchor', to));
    await scaleAnchor(0);
    await timeUntil('anchor pods gone', async () => (await podsOf('app=anchor')) === 0);
    return t;
  };
  const subjectRound = async (from: number, to: number): Promise<number> => {
    if (from > 0) {
      await scaleSubject(from);
      await timeUntil(`operator ${from}`, zcReady(cp, from));
    }
    await scaleSubject(to);
    const t = await timeUntil(`operator ${to}`, zcReady(cp, to));
    await scaleSubject(0);
    await timeUntil('worker pods gone', bothEmpty);
    await timeUntil('status 0', zcReady(cp, 0));
    return t;
  };
  const compare = async (from: number, to: number): Promise<{ anchor: number; subject: number }> => {
    const a: number[] = [];
    const s: number[] = [];
    for (let round = 1; round <= 3; round++) {
      say(`${from}→${to} round ${round}`);
      if (round % 2 === 1) {
        a.push(await anchorRound(from, to));
        s.push(await subjectRound(from, to));
      } else {
        s.push(await subjectRound(from, to));
        a.push(await anchorRound(from, to));
      }
    }
    say(
      `  anchor ${a.map((x) => x.toFixed(2)).join(' ')} s; operator ${s.map((x) => x.toFixed(2)).join(' ')} s`,
    );
    return { anchor: percentile(a, 50), subject: percentile(s, 50) };
  };
  const { anchor: anchor100, subject: subject100 } = await compare(0, 100);
  // 100→1000 once per side: repeated 1000-pod cycles reuse StatefulSet pod names, and kwok 0.8.0
  // then retries stale patches for the deleted pods and slows to a crawl.
  say('100→1000: anchor, then operator');
  const anchor1000 = await anchorRound(100, 1000);
  const subject1000 = await subjectRound(100, 1000);
  await scaleSubject(1000);
  await timeUntil('operator 1000 for the idle phase', zcReady(cp, 1000));

  say(`Idle: counting operator writes for ${idleSeconds} s`);
  await sleep(5_000);
  const w0 = operator.metrics.writes();
  await sleep(idleSeconds * 1000);
  const idleWrites = operator.metrics.writes() - w0;

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
      name: 'scale workers 0→100 (Running, median of 3)',
      subject: subject100,
      anchor: anchor100,
      unit: 's',
      ratio: subject100 / anchor100,
      goal: 1.2,
      higherIsBetter: false,
    },
    {
      name: 'scale workers 100→1000 (Running)',
      subject: subject1000,
      anchor: anchor1000,
      unit: 's',
      ratio: subject1000 / anchor1000,
      goal: 1.2,
      higherIsBetter: false,
    },
    {
      name: `API writes in ${idleSeconds} idle seconds`,
      subject: idleWrites,
      anchor: 0,
      unit: '{write}',
      ratio: idleWrites,
      goal: 0,
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
    `(${operator.metrics.recentDurations.length} reconciles, p50 ${percentile(operator.metrics.recentDurations, 50).toFixed(3)} s; API calls ${JSON.stringify(Object.fromEntries(operator.metrics.apiCallCounts))})`,
  );
  if (json) console.log(JSON.stringify({ results }));
} finally {
  await operator.close();
  await cp.stop();
}
