/**
 * Level-based for real, against a real kube-apiserver + etcd (apiserver tier: the subject is what
 * the operator keeps in the API, not pods). What others change in a child's owned fields comes
 * back — `kubectl set image`, `kubectl edit`-style env and volume changes, a label — and an idle
 * cluster then sees no change at all for 60 s (a watch on every child collection and the
 * ZeekCluster: what etcd stored, not what the operator says it did), through several resyncs.
 * Pod status the kubelet would write (image pull, crash loop, missing Secret) is written here by
 * hand and must come back as condition reasons and Events naming the pod.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Operator } from '@zeek-relay/operator';
import { startControlPlane, type ControlPlane } from '../helpers/k8s/control-plane.js';
import { eventually, installCrd, markRolledOut, startOperator, watchChanges } from './operator-harness.js';

const NS = 'zr-drift';
let cp: ControlPlane;
let operator: Operator;

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}
interface Workload {
  metadata: { name: string; labels: Record<string, string>; resourceVersion: string };
  spec: { replicas: number; template: { spec: { containers: Container[]; volumes?: { name: string }[] } } };
}
interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}

const apps = (kind: string, name: string): string => `/apis/apps/v1/namespaces/${NS}/${kind}/${name}`;
const get = <T>(path: string): Promise<T> => cp.http.json<T>('GET', path);
const worker = (): Promise<Workload> => get<Workload>(apps('statefulsets', 'demo-worker'));
/** `kubectl patch --type=json` of the workers' StatefulSet, as someone other than the operator. */
const patchWorker = (patch: readonly unknown[]): Promise<string> =>
  cp.kubectl(['patch', '-n', NS, 'statefulset/demo-worker', '--type=json', '-p', JSON.stringify(patch)]);
const zeek = (w: Workload): Container => {
  const c = w.spec.template.spec.containers[0];
  assert.ok(c);
  return c;
};
const conditions = async (): Promise<Cond[]> =>
  (
    await get<{ status?: { conditions?: Cond[] } }>(
      `/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters/demo`,
    )
  ).status?.conditions ?? [];

const WORKLOADS = [
  apps('deployments', 'demo-hub'),
  apps('statefulsets', 'demo-log-sink'),
  apps('deployments', 'demo-gateway'),
  apps('deployments', 'demo-manager'),
  apps('statefulsets', 'demo-proxy'),
  apps('statefulsets', 'demo-worker'),
];

before(
  async () => {
    cp = await startControlPlane({ tier: 'apiserver', keepDir: process.env['ZR_K8S_KEEP'] === '1' });
    await installCrd(cp);
    await cp.kubectl(['create', 'namespace', NS]);
    // A 10 s resync, so the idle minute below spans several full reconciles of every cluster.
    operator = await startOperator(cp, 'operator-drift', { ZR_OPERATOR_RESYNC_SECONDS: '10' });
    await cp.kubectl(
      ['apply', '-f', '-'],
      [
        'apiVersion: zeek-relay.io/v1alpha1',
        'kind: ZeekCluster',
        'metadata: {name: demo, namespace: zr-drift}',
        'spec: {workers: {replicas: 2}, proxies: {replicas: 1}}',
        '',
      ].join('\n'),
    );
    // What the kube controllers would report, so the cluster settles Ready.
    await eventually('every workload rolled out', async () => {
      for (const w of WORKLOADS) await markRolledOut(cp, w);
      const ready = (await conditions()).find((c) => c.type === 'Ready');
      return ready?.status === 'True' ? true : undefined;
    });
  },
  { timeout: 30 * 60_000 },
);

after(async () => {
  await operator?.close();
  await cp?.stop();
});

test(
  'kubectl set image on the workers is undone, with a DriftCorrected Event',
  { timeout: 120_000 },
  async () => {
    const want = zeek(await worker()).image;
    const rv = (await worker()).metadata.resourceVersion;
    await cp.kubectl(['set', 'image', '-n', NS, 'statefulset/demo-worker', 'zeek=evil/zeek:6.6.6']);
    // (The operator may have put it back already by the time we look: the Event below proves it.)
    assert.notEqual((await worker()).metadata.resourceVersion, rv, 'the change landed');
    await eventually('image restored', async () => (zeek(await worker()).image === want ? true : undefined));
    await eventually('DriftCorrected Event on the ZeekCluster', async () =>
      (
        await get<{ items: { reason: string; note: string; regarding: { name: string } }[] }>(
          `/apis/events.k8s.io/v1/namespaces/${NS}/events`,
        )
      ).items.find(
        (e) =>
          e.reason === 'DriftCorrected' &&
          e.regarding.name === 'demo' &&
          /StatefulSet demo-worker/.test(e.note),
      ),
    );
  },
);

test(
  'an edited env var comes back (kubectl edit-style update by another manager)',
  { timeout: 120_000 },
  async () => {
    const w = await worker();
    const want = JSON.stringify(zeek(w).env);
    const env = structuredClone(zeek(w).env ?? []);
    const first = env[0];
    assert.ok(first?.valueFrom?.fieldRef, 'POD_INDEX from the downward API');
    first.valueFrom.fieldRef.fieldPath = 'metadata.name';
    env.push({ name: 'EXTRA', value: 'x' });
    const patch = [{ op: 'replace', path: '/spec/template/spec/containers/0/env', value: env }];
    await patchWorker(patch);
    await eventually('env restored', async () => {
      const now = zeek(await worker()).env ?? [];
      // Our POD_INDEX is back; a variable someone else added is theirs (not ours to remove).
      return JSON.stringify(now.filter((e) => e.name !== 'EXTRA')) === want ? true : undefined;
    });
  },
);

test('a removed volume comes back', { timeout: 120_000 }, async () => {
  const names = (w: Workload): string[] => (w.spec.template.spec.volumes ?? []).map((v) => v.name).sort();
  const want = names(await worker());
  assert.ok(want.length > 0);
  const vols = (await worker()).spec.template.spec.volumes ?? [];
  const patch = [{ op: 'replace', path: '/spec/template/spec/volumes', value: vols.slice(1) }];
  // The mount of the removed volume must go too, or the API server rejects the change.
  const mounts = (await worker()).spec.template.spec.containers[0] as unknown as {
    volumeMounts?: { name: string }[];
  };
  const removed = vols[0]?.name;
  patch.push({
    op: 'replace',
    path: '/spec/template/spec/containers/0/volumeMounts',
    value: (mounts.volumeMounts ?? []).filter((m) => m.name !== removed) as never,
  });
  await patchWorker(patch);
  await eventually('volume restored', async () =>
    JSON.stringify(names(await worker())) === JSON.stringify(want) ? true : undefined,
  );
});

test('a changed label on a child comes back; a label someone added stays', { timeout: 120_000 }, async () => {
  await cp.kubectl([
    'label',
    '-n',
    NS,
    'deployment/demo-hub',
    'app.kubernetes.io/part-of=other',
    'team=noc',
    '--overwrite',
  ]);
  await eventually('label restored', async () => {
    const l = (await get<Workload>(apps('deployments', 'demo-hub'))).metadata.labels;
    return l['app.kubernetes.io/part-of'] === 'zeek-relay' ? l : undefined;
  });
  const l = (await get<Workload>(apps('deployments', 'demo-hub'))).metadata.labels;
  assert.equal(l['team'], 'noc');
});

test('kubectl scale of a child comes back to the ZeekCluster replicas', { timeout: 120_000 }, async () => {
  await cp.kubectl(['scale', '-n', NS, 'statefulset/demo-worker', '--replicas=7']);
  await eventually('replicas restored', async () =>
    (await worker()).spec.replicas === 2 ? true : undefined,
  );
});

interface ScaleView {
  spec: { workers: { replicas: number } };
  status?: { replicas?: number; readyReplicas?: number };
}
const cluster = (): Promise<ScaleView> =>
  get<ScaleView>(`/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters/demo`);

/** Marks the workers rolled out until the ZeekCluster reports `n` of `n` ready. */
async function workersReady(n: number): Promise<void> {
  await eventually(`${n}/${n} workers ready`, async () => {
    await markRolledOut(cp, apps('statefulsets', 'demo-worker'));
    const z = await cluster();
    return z.spec.workers.replicas === n && z.status?.readyReplicas === n ? true : undefined;
  });
}

test(
  'kubectl scale of the ZeekCluster (/scale, as an HPA): readyReplicas never drops to a false 0',
  { timeout: 180_000 },
  async (t) => {
    await workersReady(2);
    const log = await watchChanges(cp, [`/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters`]);
    const seen = (): string[] =>
      (log.objects as unknown as ScaleView[]).map(
        (o) => `${o.spec.workers.replicas}:${o.status?.readyReplicas ?? '-'}`,
      );
    try {
      for (const n of [4, 2]) {
        await cp.kubectl(['scale', 'zeekcluster/demo', '-n', NS, `--replicas=${n}`]);
        // No StatefulSet controller here: until markRolledOut its status keeps the old ready pods.
        await eventually(`worker StatefulSet scaled to ${n}`, async () =>
          (await worker()).spec.replicas === n ? true : undefined,
        );
        await workersReady(n);
        // The watch, not only a GET, has the final state: nothing it missed can hide a 0.
        await eventually(`the watch saw ${n}/${n} ready`, async () =>
          seen().at(-1) === `${n}:${n}` ? true : undefined,
        );
      }
    } finally {
      log.stop();
    }
    t.diagnostic(`spec.workers.replicas:status.readyReplicas ${seen().join(' ')}`);
    assert.ok(seen().includes('4:4'), seen().join(' '));
    assert.ok(!seen().some((x) => x.endsWith(':0')), `a false 0 ready workers: ${seen().join(' ')}`);
  },
);

test(
  'idle: 60 s with 6 resyncs change nothing in etcd (children and ZeekCluster)',
  { timeout: 300_000 },
  async () => {
    // Let the corrections above finish rolling (status of the restored templates).
    await eventually('Ready again', async () => {
      for (const w of WORKLOADS) await markRolledOut(cp, w);
      const ready = (await conditions()).find((c) => c.type === 'Ready');
      return ready?.status === 'True' ? true : undefined;
    });
    await sleep(3_000);
    const paths = [
      `/apis/apps/v1/namespaces/${NS}/statefulsets`,
      `/apis/apps/v1/namespaces/${NS}/deployments`,
      `/api/v1/namespaces/${NS}/services`,
      `/api/v1/namespaces/${NS}/configmaps`,
      `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`,
      `/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters`,
      `/apis/events.k8s.io/v1/namespaces/${NS}/events`,
    ];
    const log = await watchChanges(cp, paths);
    const writesBefore = operator.metrics.writes();
    const reconcilesBefore = operator.metrics.recentDurations.length;
    await sleep(60_000);
    log.stop();
    assert.deepEqual(log.changes, [], 'nothing changed in 60 idle seconds');
    assert.equal(operator.metrics.writes() - writesBefore, 0);
    assert.ok(
      operator.metrics.recentDurations.length - reconcilesBefore >= 5,
      `resyncs reconciled (${operator.metrics.recentDurations.length - reconcilesBefore})`,
    );
  },
);

/** Creates a pod of cluster demo (no kubelet here) and writes the status a kubelet would. */
async function failingPod(name: string, component: string, status: Record<string, unknown>): Promise<void> {
  await cp.http.json('POST', `/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: {
        'app.kubernetes.io/name': 'zeek-relay',
        'app.kubernetes.io/instance': 'demo',
        'app.kubernetes.io/component': component,
        'app.kubernetes.io/managed-by': 'zeek-relay-operator',
      },
    },
    spec: { nodeName: 'nowhere', containers: [{ name: 'zeek', image: 'zeek/zeek:9.9.9' }] },
  });
  const pod = await get<Record<string, unknown>>(`/api/v1/namespaces/${NS}/pods/${name}`);
  await cp.http.json('PUT', `/api/v1/namespaces/${NS}/pods/${name}/status`, { ...pod, status });
}

/** Reports one pod of a rolled-out workload as not ready (what its controller would do for a failing pod). */
async function oneNotReady(path: string): Promise<void> {
  const w = await get<
    Record<string, unknown> & { spec: { replicas: number }; status: Record<string, unknown> }
  >(path);
  const ready = w.spec.replicas - 1;
  await cp.http.json('PUT', `${path}/status`, {
    ...w,
    status: { ...w.status, readyReplicas: ready, availableReplicas: ready },
  });
}

async function conditionOf(type: string, reason: string): Promise<Cond> {
  return eventually(`${type} reason ${reason}`, async () =>
    (await conditions()).find((c) => c.type === type && c.reason === reason),
  );
}

async function eventNamed(reason: string, pod: string): Promise<{ type: string; note: string }> {
  return eventually(`${reason} Event naming ${pod}`, async () =>
    (
      await get<{ items: { reason: string; type: string; note: string; regarding: { name: string } }[] }>(
        `/apis/events.k8s.io/v1/namespaces/${NS}/events`,
      )
    ).items.find((e) => e.reason === reason && e.regarding.name === 'demo' && e.note.includes(pod)),
  );
}

test(
  'say what is wrong: image pull, crash loop, missing Secret — conditions and Events name the pod',
  { timeout: 300_000 },
  async () => {
    await failingPod('demo-worker-1', 'worker', {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True' }],
      containerStatuses: [
        {
          name: 'zeek',
          image: 'zeek/zeek:9.9.9',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: {
            waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "zeek/zeek:9.9.9"' },
          },
        },
      ],
    });
    await oneNotReady(apps('statefulsets', 'demo-worker'));
    const pull = await conditionOf('WorkersReady', 'ImagePullFailed');
    assert.match(pull.message, /pod demo-worker-1: image zeek\/zeek:9\.9\.9 cannot be pulled/);
    assert.equal((await eventNamed('ImagePullFailed', 'demo-worker-1')).type, 'Warning');

    await failingPod('demo-manager-x', 'manager', {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'zeek',
          image: 'zeek/zeek:8.2.2',
          imageID: '',
          ready: false,
          restartCount: 4,
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
          },
          lastState: { terminated: { exitCode: 1, reason: 'Error' } },
        },
      ],
    });
    await oneNotReady(apps('deployments', 'demo-manager'));
    await eventNamed('CrashLoopBackOff', 'demo-manager-x');

    // A Secret volume whose Secret is missing: the pod stays ContainerCreating; only its Events say why.
    await failingPod('demo-hub-y', 'hub', {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      containerStatuses: [
        {
          name: 'zeek',
          image: 'zeek/zeek:9.9.9',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    });
    await cp.http.json('POST', `/api/v1/namespaces/${NS}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'demo-hub-y.mount' },
      involvedObject: { kind: 'Pod', name: 'demo-hub-y', namespace: NS, apiVersion: 'v1' },
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "curve" : secret "zeek-curve" not found',
      type: 'Warning',
      source: { component: 'kubelet' },
    });
    await oneNotReady(apps('deployments', 'demo-hub'));
    const missing = await conditionOf('HubReady', 'MissingReference');
    assert.match(missing.message, /demo-hub-y.*secret "zeek-curve" not found/);
    await eventNamed('MissingReference', 'demo-hub-y');
  },
);
