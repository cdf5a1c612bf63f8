/**
 * `npm run bench:operator [-- --json] [--idle-seconds N]`: one run against the test control plane.
 *  1. 0→100 and 100→1000 workers Running through the operator (ZeekCluster status.readyReplicas)
 *     vs the same scaling of a bare StatefulSet (anchor, readyReplicas), goal ≤ 1.2×; after a
 *     warm-up, 0→100 as the median of three rounds, 100→1000 once per side (repeated 1000-pod
 *     cycles reuse pod names and slow kwok 0.8.0 down with stale retries);
 *  2. API writes by the operator during 60 idle seconds (goal 0; Lease renewals not counted);
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

  // 0→100 is short (about a second) and noisy on a shared machine: three alternating rounds, medians.
  const a100: number[] = [];
  const s100: number[] = [];
  for (let round = 1; round <= 3; round++) {
    say(`0→100 round ${round}: anchor, then operator`);
    await scaleAnchor(100);
    a100.push(await timeUntil('anchor 100', stsReady(cp, 'anchor', 100)));
    await scaleSubject(100);
    s100.push(await timeUntil('operator 100', zcReady(cp, 100)));
    await scaleAnchor(0);
    await scaleSubject(0);
    await timeUntil('pods gone', bothEmpty);
    await timeUntil('status 0', zcReady(cp, 0));
  }
  const anchor100 = percentile(a100, 50);
  const subject100 = percentile(s100, 50);

  say('100→1000: anchor');
  await scaleAnchor(100);
  await timeUntil('anchor 100', stsReady(cp, 'anchor', 100));
  await scaleAnchor(1000);
  const anchor1000 = await timeUntil('anchor 1000', stsReady(cp, 'anchor', 1000));
  await scaleAnchor(0);
  await timeUntil('anchor pods gone', async () => (await podsOf('app=anchor')) === 0);
  say('100→1000: operator');
  await scaleSubject(100);
  await timeUntil('operator 100', zcReady(cp, 100));
  await scaleSubject(1000);
  const subject1000 = await timeUntil('operator 1000', zcReady(cp, 1000));

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
