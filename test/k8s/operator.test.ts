/**
 * The operator against a real control plane (etcd, kube-apiserver, controller-manager, scheduler,
 * kwok): apply → children + Running pods + conditions; scale within slots touches only workers;
 * past maxReplicas and sink changes roll Zeek nodes in order; invalid specs; restart without
 * writes; API-server restart; delete → garbage collection. The control plane is shared (started in
 * `before`); each test has its own namespace, ZeekCluster and operator, so any one runs alone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Operator } from '@zeek-relay/operator';
import { startControlPlane, type ControlPlane } from '../helpers/k8s/control-plane.js';
import { freePort } from '../helpers/k8s/processes.js';
import { repoRoot } from '../helpers/k8s/toolchain.js';
import {
  eventually,
  fixture,
  installCrd,
  recordPodAdds,
  createTestOperator,
  startOperator,
  type PodAdded,
} from './operator-harness.js';

interface Meta {
  name: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  labels?: Record<string, string>;
  ownerReferences?: { uid: string }[];
}
interface Obj {
  kind?: string;
  metadata: Meta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}
interface Pod extends Obj {
  spec: { nodeName?: string };
  status: { phase?: string };
}
interface Cond {
  type: string;
  status: string;
  reason: string;
}
interface ZC extends Obj {
  metadata: Meta & { generation?: number };
  status?: {
    observedGeneration?: number;
    conditions?: Cond[];
    replicas?: number;
    readyReplicas?: number;
    workers?: string;
    slots?: number;
    configHash?: string;
  };
}

let cp: ControlPlane;
let namespaces = 0;

const get = <T>(path: string): Promise<T> => cp.http.json<T>('GET', path);
const cond = (z: ZC, type: string): string | undefined =>
  z.status?.conditions?.find((c) => c.type === type)?.status;

/** One test's namespace, its ZeekCluster `demo` (when applied) and the reads on them. */
interface Scope {
  readonly ns: string;
  zc(name?: string): Promise<ZC>;
  pods(component: string, instance?: string): Promise<Pod[]>;
  uids(component: string): Promise<string[]>;
  /** Waits until the cluster reports Ready with `workers` ready workers and no rollout in progress. */
  settled(workers: number, name?: string): Promise<ZC>;
}

function scope(ns: string): Scope {
  const zc = (name = 'demo'): Promise<ZC> =>
    get<ZC>(`/apis/zeek-relay.io/v1alpha1/namespaces/${ns}/zeekclusters/${name}`);
  const pods = async (component: string, instance = 'demo'): Promise<Pod[]> =>
    (
      await get<{ items: Pod[] }>(
        `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`app.kubernetes.io/instance=${instance},app.kubernetes.io/component=${component}`)}`,
      )
    ).items;
  return {
    ns,
    zc,
    pods,
    uids: async (component) => (await pods(component)).map((p) => p.metadata.uid).sort(),
    settled: (workers, name = 'demo') =>
      eventually(`${ns}/${name} Ready with ${workers} workers`, async () => {
        const z = await zc(name);
        const current = z.status?.observedGeneration === z.metadata.generation;
        const ok =
          current &&
          cond(z, 'Ready') === 'True' &&
          cond(z, 'Progressing') === 'False' &&
          z.status?.readyReplicas === workers;
        const running =
          (await pods('worker', name)).filter((p) => p.status.phase === 'Running').length === workers;
        return ok && running ? z : undefined;
      }),
  };
}

/** A fresh namespace for one test. */
async function freshNamespace(): Promise<Scope> {
  const ns = `zr-${++namespaces}`;
  await cp.kubectl(['create', 'namespace', ns]);
  return scope(ns);
}

/** Applies the test cluster `demo` (2 workers, 64 slots) in the scope's namespace. */
async function applyDemo(s: Scope): Promise<void> {
  await cp.kubectl(['apply', '-f', '-'], fixture('demo.yaml').replace('namespace: zr', `namespace: ${s.ns}`));
}

/** Deletes the test's ZeekCluster (if any) and waits until it is gone, then its namespace. */
async function cleanUp(s: Scope): Promise<void> {
  await cp.kubectl(['delete', 'zeekcluster', '--all', '-n', s.ns, '--wait=true']);
  await cp.kubectl(['delete', 'namespace', s.ns, '--wait=false']);
}

/**
 * Runs `fn` with its own namespace and an operator holding the Lease; unless `apply` is false the
 * cluster `demo` is applied first and `fn` starts once it is Ready with 2 workers. The operator
 * `fn` leaves in `ctx.operator` is closed and the namespace removed afterwards.
 */
async function withOperator(
  fn: (s: Scope, ctx: { operator: Operator }) => Promise<void>,
  apply = true,
): Promise<void> {
  const s = await freshNamespace();
  const ctx = { operator: await startOperator(cp, `operator-${s.ns}`) };
  try {
    if (apply) {
      await applyDemo(s);
      await s.settled(2);
    }
    await fn(s, ctx);
  } finally {
    await ctx.operator.close();
    await cleanUp(s);
  }
}

/**
 * Every pod of stage i was added before any pod of stage i+1 (the StatefulSet controller may
 * recreate a pod more than once, so positions are compared, not the exact list), and all
 * `workers` worker ordinals were started on the new layout.
 */
function assertOrder(adds: PodAdded[], stages: string[], workers: number): void {
  const seq = adds.map((a) => a.component);
  for (let i = 0; i + 1 < stages.length; i++) {
    const last = seq.lastIndexOf(stages[i] ?? '');
    const first = seq.indexOf(stages[i + 1] ?? '');
    assert.ok(last >= 0 && first > last, `${stages[i]} before ${stages[i + 1]}: ${JSON.stringify(adds)}`);
  }
  assert.equal(new Set(adds.filter((a) => a.component === 'worker').map((a) => a.name)).size, workers);
}

const earliest = (ps: Pod[]): number => Math.min(...ps.map((p) => Date.parse(p.metadata.creationTimestamp)));

before(
  async () => {
    cp = await startControlPlane({ nodes: 3, keepDir: process.env['ZR_K8S_KEEP'] === '1' });
    await installCrd(cp);
  },
  { timeout: 60 * 60_000 },
);

after(async () => {
  await cp?.stop();
});

test(
  'apply a sample: every child exists, pods Running on kwok nodes, conditions true',
  { timeout: 300_000 },
  () =>
    withOperator(async ({ ns, zc, pods }) => {
      const z = await zc();
      for (const t of ['Ready', 'HubReady', 'GatewayReady', 'LogSinkReady', 'WorkersReady'])
        assert.equal(cond(z, t), 'True', t);
      assert.equal(z.status?.workers, '2/2');
      const expect: [string, string][] = [
        ['apis/apps/v1', 'deployments/demo-hub'],
        ['api/v1', 'services/demo-hub'],
        ['apis/apps/v1', 'deployments/demo-gateway'],
        ['api/v1', 'services/demo-gateway'],
        ['apis/apps/v1', 'statefulsets/demo-log-sink'],
        ['api/v1', 'services/demo-log-sink'],
        ['apis/apps/v1', 'deployments/demo-manager'],
        ['apis/apps/v1', 'statefulsets/demo-proxy'],
        ['apis/apps/v1', 'statefulsets/demo-worker'],
        ['api/v1', 'configmaps/demo-zeek'],
        ['apis/policy/v1', 'poddisruptionbudgets/demo-hub'],
      ];
      for (const [group, path] of expect) {
        const o = await get<Obj>(`/${group}/namespaces/${ns}/${path}`);
        assert.equal(o.metadata.ownerReferences?.[0]?.uid, z.metadata.uid, path);
      }
      const headless = await get<{ spec: { clusterIP: string } }>(
        `/api/v1/namespaces/${ns}/services/demo-log-sink`,
      );
      assert.equal(headless.spec.clusterIP, 'None');
      for (const c of ['hub', 'gateway', 'log-sink', 'manager', 'proxy', 'worker']) {
        const ps = await pods(c);
        assert.ok(ps.length > 0, c);
        for (const p of ps) {
          assert.equal(p.status.phase, 'Running', `${c} ${p.metadata.name}`);
          assert.match(p.spec.nodeName ?? '', /^kwok-node-\d$/);
        }
      }
      const layout = await get<{ data: Record<string, string> }>(
        `/api/v1/namespaces/${ns}/configmaps/demo-zeek`,
      );
      assert.match(layout.data['cluster-layout.zeek'] ?? '', /\["worker-64"\]/);
      const table = await cp.kubectl(['get', 'zeekcluster', 'demo', '-n', ns]);
      assert.match(table, /^NAME\s+READY\s+WORKERS\s+AGE\ndemo\s+True\s+2\/2\s+/);
    }),
);

test(
  'kubectl scale to 50 within maxReplicas: 50 workers Running, nothing else touched',
  { timeout: 600_000 },
  () =>
    withOperator(async ({ ns, uids, settled }) => {
      const before = {
        manager: await uids('manager'),
        proxy: await uids('proxy'),
        sink: await uids('log-sink'),
        hub: await uids('hub'),
      };
      const cm = await get<Obj>(`/api/v1/namespaces/${ns}/configmaps/demo-zeek`);
      await cp.kubectl(['scale', 'zeekcluster/demo', '-n', ns, '--replicas=50']);
      const z = await settled(50);
      assert.equal(z.status?.workers, '50/50');
      assert.equal(z.status?.replicas, 50);
      assert.deepEqual(
        {
          manager: await uids('manager'),
          proxy: await uids('proxy'),
          sink: await uids('log-sink'),
          hub: await uids('hub'),
        },
        before,
      );
      const cm2 = await get<Obj>(`/api/v1/namespaces/${ns}/configmaps/demo-zeek`);
      assert.equal(cm2.metadata.resourceVersion, cm.metadata.resourceVersion);
      const scale = await get<{ status: { replicas: number; selector: string } }>(
        `/apis/zeek-relay.io/v1alpha1/namespaces/${ns}/zeekclusters/demo/scale`,
      );
      assert.equal(scale.status.replicas, 50);
      assert.match(scale.status.selector, /app.kubernetes.io\/component=worker/);
      // Back down to 3 workers, still within the slots: again only workers change.
      await cp.kubectl(['scale', 'zeekcluster/demo', '-n', ns, '--replicas=3']);
      await settled(3);
      assert.deepEqual(await uids('manager'), before.manager);
    }),
);

/** `kubectl patch` of the scope's cluster `demo` with a merge patch of its spec. */
async function patchDemo(ns: string, spec: object): Promise<void> {
  await cp.kubectl(['patch', 'zeekcluster/demo', '-n', ns, '--type=merge', '-p', JSON.stringify({ spec })]);
}

/** Shrinks the slots of the scope's cluster to 3 with 3 workers (a layout that must grow at 4). */
async function threeSlots({ ns, settled }: Scope): Promise<ZC> {
  await patchDemo(ns, { workers: { replicas: 3, maxReplicas: 3 } });
  return settled(3);
}

test(
  'past maxReplicas: the layout grows and manager → proxies → workers roll in order',
  { timeout: 600_000 },
  () =>
    withOperator(async (s) => {
      const { ns, uids, pods, settled } = s;
      const shrunk = await threeSlots(s);
      assert.equal(shrunk.status?.slots, 3);
      const sinkBefore = await uids('log-sink');
      const mgrBefore = await uids('manager');
      const t0 = Date.now();
      const watch = await recordPodAdds(cp, ns);
      await sleep(500);
      await cp.kubectl(['scale', 'zeekcluster/demo', '-n', ns, '--replicas=5']);
      const z = await settled(5);
      watch.stop();
      // Pods started with the new layout, in etcd order: all managers, then all proxies, then workers.
      assertOrder(
        watch.adds.filter((a) => a.configHash === z.status?.configHash),
        ['manager', 'proxy', 'worker'],
        5,
      );
      // kwok rolls pods in about a second, too fast to poll Progressing=True; the Event records it.
      const events = await get<{ items: { reason: string; note: string; regarding: { name: string } }[] }>(
        `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      );
      assert.ok(
        events.items.some(
          (e) =>
            e.reason === 'RollingOut' &&
            e.regarding.name === 'demo' &&
            e.note.includes(z.status?.configHash ?? '?'),
        ),
        'RollingOut event',
      );
      assert.equal(z.status?.slots, 5);
      assert.deepEqual(await uids('log-sink'), sinkBefore, 'sinks untouched');
      const [mgr, prx, wrk] = [await pods('manager'), await pods('proxy'), await pods('worker')];
      assert.notDeepEqual(
        mgr.map((p) => p.metadata.uid),
        mgrBefore,
        'manager restarted',
      );
      assert.ok(earliest(mgr) >= Math.floor(t0 / 1000) * 1000);
      assert.ok(earliest(mgr) <= earliest(prx), 'manager before proxies');
      assert.ok(earliest(prx) <= earliest(wrk), 'proxies before workers');
      const hashes = new Set(
        [...mgr, ...prx, ...wrk].map(
          (p) =>
            (p.metadata as Meta & { annotations?: Record<string, string> }).annotations?.[
              'zeek-relay.io/config-hash'
            ],
        ),
      );
      assert.deepEqual([...hashes], [z.status?.configHash]);
    }),
);

test('a sink change rolls sinks first, then the Zeek nodes in order', { timeout: 600_000 }, () =>
  withOperator(async ({ ns, pods, settled }) => {
    const t0 = Date.now();
    const watch = await recordPodAdds(cp, ns);
    await sleep(500);
    await patchDemo(ns, { logSinks: { replicas: 2 } });
    const z = await settled(2);
    watch.stop();
    assertOrder(
      watch.adds.filter((a) => a.component === 'log-sink' || a.configHash === z.status?.configHash),
      ['log-sink', 'manager', 'proxy', 'worker'],
      2,
    );
    const [sinks, mgr, prx, wrk] = [
      await pods('log-sink'),
      await pods('manager'),
      await pods('proxy'),
      await pods('worker'),
    ];
    assert.equal(sinks.length, 2);
    const newSink = Math.max(...sinks.map((p) => Date.parse(p.metadata.creationTimestamp)));
    assert.ok(newSink >= Math.floor(t0 / 1000) * 1000);
    assert.ok(newSink <= earliest(mgr), 'new sink before manager');
    assert.ok(
      earliest(mgr) <= earliest(prx) && earliest(prx) <= earliest(wrk),
      'manager → proxies → workers',
    );
    const layout = await get<{ data: Record<string, string> }>(
      `/api/v1/namespaces/${ns}/configmaps/demo-zeek`,
    );
    assert.match(
      layout.data['zeek-relay.zeek'] ?? '',
      new RegExp(`demo-log-sink-1\\.demo-log-sink\\.${ns}\\.svc:27764`),
    );
  }),
);

test(
  'invalid specs: rejected by the schema (OpenAPI and CEL) or reported in status with an Event',
  { timeout: 300_000 },
  () =>
    withOperator(async ({ ns, zc }) => {
      const bad = (spec: object, name = 'bad'): string =>
        JSON.stringify({
          apiVersion: 'zeek-relay.io/v1alpha1',
          kind: 'ZeekCluster',
          metadata: { name, namespace: ns },
          spec,
        });
      await assert.rejects(
        cp.kubectl(['apply', '-f', '-'], bad({ workers: { replicas: -1 } })),
        /spec\.workers\.replicas: Invalid value: -1: spec\.workers\.replicas in body should be greater than or equal to 0/,
      );
      await assert.rejects(
        cp.kubectl(['apply', '-f', '-'], bad({ workers: { capture: { mode: 'pcap' } } })),
        /capture\.pcap is required when capture\.mode is pcap/,
      );
      await assert.rejects(
        cp.kubectl(['apply', '-f', '-'], bad({ hub: { xpubPort: 5000, xsubPort: 5000 } })),
        /hub\.xpubPort and hub\.xsubPort must differ/,
      );
      await cp.kubectl(
        ['apply', '-f', '-'],
        bad({
          siteScripts: [
            { configMapName: 's', key: 'a.zeek' },
            { configMapName: 's', key: 'a.zeek' },
          ],
        }),
      );
      const z = await eventually('bad Degraded', async () => {
        const b = await zc('bad');
        return cond(b, 'Degraded') === 'True' ? b : undefined;
      });
      assert.equal(z.status?.conditions?.find((c) => c.type === 'Degraded')?.reason, 'InvalidSpec');
      assert.equal(cond(z, 'Ready'), 'False');
      const events = await get<{ items: { reason: string; type: string; regarding: { name: string } }[] }>(
        `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      );
      assert.ok(
        events.items.some(
          (e) => e.reason === 'InvalidSpec' && e.type === 'Warning' && e.regarding.name === 'bad',
        ),
      );
      const children = await get<{ items: unknown[] }>(
        `/apis/apps/v1/namespaces/${ns}/statefulsets?labelSelector=app.kubernetes.io%2Finstance%3Dbad`,
      );
      assert.equal(children.items.length, 0);
    }, false),
);

/** resourceVersion of the scope's ZeekCluster `demo` and of every object labelled with its instance. */
async function versions(s: Scope): Promise<Record<string, string>> {
  return { zc: (await s.zc()).metadata.resourceVersion, ...(await childVersions(s.ns)) };
}

async function childVersions(ns: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of [
    'apis/apps/v1/deployments',
    'apis/apps/v1/statefulsets',
    'api/v1/services',
    'api/v1/configmaps',
    'apis/policy/v1/poddisruptionbudgets',
  ]) {
    const namespaced = path.replace(/\/(\w+)$/, `/namespaces/${ns}/$1`);
    const list = await get<{ items: Obj[] }>(
      `/${namespaced}?labelSelector=app.kubernetes.io%2Finstance%3Ddemo`,
    );
    for (const o of list.items) out[`${path}/${o.metadata.name}`] = o.metadata.resourceVersion;
  }
  return out;
}

test('operator restart: no duplicate objects and no writes', { timeout: 300_000 }, () =>
  withOperator(async (s, ctx) => {
    const before = await versions(s);
    await ctx.operator.close();
    ctx.operator = await startOperator(cp, `operator-2-${s.ns}`);
    const operator = ctx.operator;
    await eventually(
      'restarted operator reconciled demo',
      async () =>
        operator.metrics.recentDurations.length > 0 && operator.readiness().ready ? true : undefined,
      120_000,
    );
    await sleep(5_000);
    assert.equal(
      operator.metrics.writes(),
      0,
      `writes: ${JSON.stringify([...operator.metrics.apiCallCounts])}`,
    );
    assert.deepEqual(await versions(s), before);
  }),
);

test('a second replica stays standby while the Lease is held, and writes nothing', { timeout: 120_000 }, () =>
  withOperator(async () => {
    const standby = createTestOperator(cp, 'standby', 'standby-operator');
    const started = standby.start();
    await sleep(4_000);
    assert.equal(standby.readiness().ready, false);
    assert.equal(standby.controller, undefined);
    assert.equal(standby.metrics.writes(), 0);
    assert.equal(
      (standby.metrics.apiCallCounts.get('lease-get') ?? 0) > 0,
      true,
      'it competed for the Lease',
    );
    await standby.close();
    await started;
    const lease = await get<{ spec: { holderIdentity?: string } }>(
      '/apis/coordination.k8s.io/v1/namespaces/default/leases/zeek-relay-operator',
    );
    assert.equal(lease.spec.holderIdentity, 'test-operator');
  }, false),
);

test('API server restart: the operator re-watches and keeps reconciling', { timeout: 600_000 }, () =>
  withOperator(async ({ ns, settled }, { operator }) => {
    const controllerBefore = operator.controller;
    const restartsBefore = operator.metrics.watchRestartCount;
    await cp.restartApiServer();
    await cp.kubectl(['scale', 'zeekcluster/demo', '-n', ns, '--replicas=4']);
    const z = await settled(4);
    assert.equal(z.status?.workers, '4/4');
    // Same leader term: the watches were restarted by the watchdog, not replaced by a new controller.
    assert.equal(operator.controller, controllerBefore);
    assert.ok(operator.metrics.watchRestartCount > restartsBefore);
  }),
);

/** The operator's own program, as the image runs it, against the control plane. */
function spawnOperatorProcess(healthPort: number): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [join(repoRoot(), 'services', 'operator', 'dist', 'src', 'main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      ZR_OPERATOR_KUBECONFIG: cp.kubeconfigPath,
      ZR_OPERATOR_LEASE_NAMESPACE: 'default',
      ZR_OPERATOR_HEALTH_HOST: '127.0.0.1',
      ZR_OPERATOR_HEALTH_PORT: String(healthPort),
      ZR_OPERATOR_IDENTITY: 'operator-process',
      ZR_OPERATOR_LOG_LEVEL: 'warn',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

test(
  'as a process: ready after taking the Lease, serves /metrics, SIGTERM shuts down cleanly and frees the Lease',
  { timeout: 300_000 },
  async () => {
    const s = await freshNamespace();
    const healthPort = await freePort();
    await applyDemo(s);
    const child = spawnOperatorProcess(healthPort);
    child.stdin.end();
    child.stdout.resume();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually(
        'operator process ready',
        async () => ((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).ok ? true : undefined),
        120_000,
      );
      await s.settled(2);
      const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
      assert.match(
        metrics,
        /^zeek_relay_operator_reconcile_duration_count\{[^}]*result="success"[^}]*\} [1-9]/m,
      );
      assert.match(metrics, /^zeek_relay_operator_api_calls_total\{[^}]*verb="apply"[^}]*\} [1-9]/m);
      const lease = await get<{ spec: { holderIdentity?: string } }>(
        '/apis/coordination.k8s.io/v1/namespaces/default/leases/zeek-relay-operator',
      );
      assert.equal(lease.spec.holderIdentity, 'operator-process');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    const lease = await get<{ spec: { holderIdentity?: string } }>(
      '/apis/coordination.k8s.io/v1/namespaces/default/leases/zeek-relay-operator',
    );
    assert.equal(lease.spec.holderIdentity ?? '', '');
    await cleanUp(s);
  },
);

test('delete: children are garbage-collected', { timeout: 300_000 }, () =>
  withOperator(async ({ ns }) => {
    await cp.kubectl(['delete', 'zeekcluster', 'demo', '-n', ns, '--wait=true']);
    await eventually('children gone', async () => {
      const left = Object.keys(await childVersions(ns)).length;
      const podsLeft = (await get<{ items: unknown[] }>(`/api/v1/namespaces/${ns}/pods`)).items.length;
      return left === 0 && podsLeft === 0 ? true : undefined;
    });
    for (const path of ['apis/apps/v1/statefulsets', 'apis/apps/v1/deployments', 'api/v1/configmaps']) {
      const list = await get<{ items: Obj[] }>(
        `/${path.replace(/\/(\w+)$/, `/namespaces/${ns}/$1`)}?labelSelector=app.kubernetes.io%2Finstance%3Ddemo`,
      );
      assert.equal(list.items.length, 0, path);
    }
  }),
);
