import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics as otel } from '@opentelemetry/api';
import { createLogger } from '@zeek-relay/runtime';
import { Controller } from '../../src/controller/controller.js';
import { liveCurveSecret } from '../../src/controller/reconcile.js';
import { OperatorMetrics } from '../../src/metrics.js';
import type { ZeekClusterStatus } from '../../src/api/v1alpha1/zeekcluster.js';
import { FakeKube } from '../fake-kube.js';
import { container, type Workload, dropField, firstEnvFieldRef, IMAGES, workload } from '../helpers.js';
import type { K8sObject } from '../../src/controller/resources/meta.js';
import { validateSpec } from '../../src/api/v1alpha1/validate.js';

const log = createLogger({ service: 'test', level: (process.env.ZR_TEST_LOG as 'debug') ?? 'silent' });

/** A controller on a FakeKube holding ZeekCluster `demo` with `spec`. */
async function setup(spec: Record<string, unknown> = { workers: { replicas: 2 } }) {
  const kube = new FakeKube();
  kube.put({
    apiVersion: 'zeek-relay.io/v1alpha1',
    kind: 'ZeekCluster',
    metadata: { name: 'demo', namespace: 'ns', uid: 'zc-uid', generation: 1 },
    spec,
  });
  const metrics = new OperatorMetrics(otel.getMeter('test'), () => 0);
  const ctl = new Controller(
    { client: kube, informers: kube, log, metrics },
    {
      images: IMAGES,
      namespace: '',
      workers: 2,
      resyncSeconds: 3600,
      identity: 'test',
      statusBatchMs: 0,
      stallMs: 0,
    },
  );
  await ctl.start();
  return { kube, ctl, metrics };
}

/** Lets reconciles and the fake kube controllers run until nothing changes any more. */
async function settle(kube: FakeKube, ctl: Controller): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await ctl.idle();
    const before = kube.writes.length;
    kube.rollOutAll();
    await new Promise((r) => setImmediate(r));
    await ctl.idle();
    if (kube.writes.length === before) return;
  }
  throw new Error(`never settled: ${kube.writes.slice(-10).join(', ')}`);
}

/** Writes made by `fn` (after letting the cluster settle). */
async function writesOf(kube: FakeKube, ctl: Controller, fn: () => void | Promise<void>): Promise<string[]> {
  const from = kube.writes.length;
  await fn();
  await settle(kube, ctl);
  return kube.writes.slice(from);
}

const condition = (kube: FakeKube, type: string) =>
  ((kube.get('ZeekCluster', 'demo')?.status as ZeekClusterStatus | undefined)?.conditions ?? []).find(
    (c) => c.type === type,
  );

test('a new cluster gets every child once, becomes Ready, and then costs no writes', async () => {
  const { kube, ctl } = await setup();
  await settle(kube, ctl);
  const applies = kube.writes.filter((w) => w.startsWith('apply'));
  assert.equal(applies.length, new Set(applies).size, `each child applied once: ${applies.join(', ')}`);
  assert.ok(applies.includes('apply StatefulSet/demo-worker'));
  assert.equal(condition(kube, 'Ready')?.status, 'True');
  assert.deepEqual(
    await writesOf(kube, ctl, () => ctl.resyncAll()),
    [],
    'a resync of an unchanged cluster writes nothing',
  );
  await ctl.close();
});

test('kubectl set image on the workers is undone by the watch event, with one apply and an Event', async () => {
  const { kube, ctl, metrics } = await setup();
  await settle(kube, ctl);
  const image = (o: unknown): string => container(o).image;
  const want = image(kube.get('StatefulSet', 'demo-worker'));
  const writes = await writesOf(kube, ctl, () =>
    kube.edit(
      'StatefulSet',
      'demo-worker',
      (o) => (container(o).image = 'evil/zeek:1'),
      (f) => dropField(f, ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"zeek"}', 'f:image']),
    ),
  );
  assert.equal(image(kube.get('StatefulSet', 'demo-worker')), want);
  // (and status writes: the restored template rolls the pods again)
  assert.deepEqual(
    writes.filter((w) => !w.startsWith('status')),
    ['apply StatefulSet/demo-worker', 'event DriftCorrected'],
  );
  assert.equal(metrics.driftCounts.get('StatefulSet'), 1);
  assert.match(kube.events.at(-1)?.note ?? '', /demo-worker.*\.spec\.template\.spec\.containers\[0\]\.image/);
  await ctl.close();
});

test('an edited env var, a removed volume and a changed label each come back', async () => {
  const { kube, ctl } = await setup();
  await settle(kube, ctl);
  const before = workload(kube.get('StatefulSet', 'demo-worker'));
  const edits: [string, (o: Workload) => void][] = [
    ['env', (o) => (firstEnvFieldRef(o).fieldPath = 'metadata.name')],
    ['volume', (o) => o.spec.template.spec.volumes.pop()],
    ['label', (o) => (o.metadata.labels['app.kubernetes.io/instance'] = 'other')],
  ];
  for (const [what, change] of edits) {
    const writes = await writesOf(kube, ctl, () => kube.edit('StatefulSet', 'demo-worker', change));
    assert.deepEqual(
      writes.filter((w) => w.startsWith('apply')),
      ['apply StatefulSet/demo-worker'],
      what,
    );
    const after = workload(kube.get('StatefulSet', 'demo-worker'));
    assert.deepEqual(after.spec, before.spec, what);
    assert.deepEqual(after.metadata.labels, before.metadata.labels, what);
  }
  await ctl.close();
});

test('drift the watch did not report is undone by the resync', async () => {
  const { kube, ctl } = await setup();
  await settle(kube, ctl);
  kube.quiet = true; // the cache sees the change, the event handler does not
  kube.edit('Deployment', 'demo-hub', (o) => (o.spec.replicas = 0));
  await new Promise((r) => setImmediate(r));
  await ctl.idle();
  assert.equal(workload(kube.get('Deployment', 'demo-hub')).spec.replicas, 0, 'nothing reconciled yet');
  kube.quiet = false;
  const writes = await writesOf(kube, ctl, () => ctl.resyncAll());
  assert.deepEqual(
    writes.filter((w) => !w.startsWith('status')),
    ['apply Deployment/demo-hub', 'event DriftCorrected'],
  );
  assert.equal(workload(kube.get('Deployment', 'demo-hub')).spec.replicas, 1);
  await ctl.close();
});

test('a lagging cache does not make the controller apply twice', async () => {
  const { kube, ctl } = await setup();
  await settle(kube, ctl);
  const fieldPath = (o: unknown): string => firstEnvFieldRef(o).fieldPath;
  const want = fieldPath(kube.get('StatefulSet', 'demo-worker'));
  kube.edit('StatefulSet', 'demo-worker', (o) => (firstEnvFieldRef(o).fieldPath = 'x'));
  await new Promise((r) => setImmediate(r));
  kube.holdWatch = true; // our correcting apply is not seen by the cache yet
  await ctl.idle();
  const from = kube.writes.length;
  ctl.resyncAll();
  await ctl.idle();
  assert.deepEqual(kube.writes.slice(from), [], 'the stale cache still shows the drift, but we just applied');
  kube.release();
  await settle(kube, ctl);
  assert.equal(fieldPath(kube.get('StatefulSet', 'demo-worker')), want);
  assert.equal(
    kube.writes.filter((w) => w === 'apply StatefulSet/demo-worker').length,
    2,
    'created, corrected once',
  );
  await ctl.close();
});

test('scaling writes only the worker StatefulSet and the status', async () => {
  const { kube, ctl } = await setup();
  await settle(kube, ctl);
  const writes = await writesOf(kube, ctl, () => {
    const zc = kube.get('ZeekCluster', 'demo') as K8sObject & { spec: object };
    kube.put({
      ...zc,
      metadata: { ...zc.metadata, generation: 2 },
      spec: { ...zc.spec, workers: { replicas: 3 } },
    });
  });
  assert.deepEqual(
    writes.filter((w) => !w.startsWith('status')),
    ['apply StatefulSet/demo-worker'],
  );
  assert.equal(workload(kube.get('StatefulSet', 'demo-worker')).spec.replicas, 3);
  await ctl.close();
});

/** The ready pods the kube controllers report on the worker StatefulSet. */
const stsReady = (kube: FakeKube): number =>
  (kube.get('StatefulSet', 'demo-worker')?.status as { readyReplicas?: number } | undefined)?.readyReplicas ??
  0;
/** The pods that exist, as the kube controllers report them on the worker StatefulSet. */
const stsPods = (kube: FakeKube): number =>
  (kube.get('StatefulSet', 'demo-worker')?.status as { replicas?: number } | undefined)?.replicas ?? 0;

for (const [from, to] of [
  [1, 3],
  [3, 1],
] as const) {
  test(`scaling ${from} → ${to} before the cache has our apply: readyReplicas stays the StatefulSet's ready pods, never a false 0`, async () => {
    const { kube, ctl } = await setup({ workers: { replicas: from, maxReplicas: 4 } });
    await settle(kube, ctl);
    assert.equal(stsReady(kube), from);
    const first = kube.statuses.length;
    // The controller sees the scale (an HPA writing /scale), but not yet its own worker apply.
    const zc = kube.get('ZeekCluster', 'demo') as K8sObject & { spec: { workers: object } };
    kube.holdWatch = true;
    kube.put({
      ...zc,
      metadata: { ...zc.metadata, generation: 2 },
      spec: { ...zc.spec, workers: { ...zc.spec.workers, replicas: to } },
    });
    kube.release();
    kube.holdWatch = true;
    await ctl.idle();
    assert.equal(workload(kube.get('StatefulSet', 'demo-worker')).spec.replicas, to, 'the scale was applied');
    const lagging = kube.statuses.slice(first);
    assert.ok(lagging.length > 0, 'the scale is reported at once');
    assert.deepEqual(
      lagging.map((s) => [s.replicas, s.readyReplicas, s.workers]),
      lagging.map(() => [stsPods(kube), stsReady(kube), `${stsReady(kube)}/${to}`]),
      'the status shows the pods and ready pods the StatefulSet reports, against the new target',
    );
    kube.release();
    await settle(kube, ctl);
    const all = kube.statuses.slice(first).map((s) => s.readyReplicas);
    assert.ok(!all.includes(0), `no false 0 during the scale: ${all.join(' → ')}`);
    assert.equal(all.at(-1), to);
    assert.equal(condition(kube, 'WorkersReady')?.status, 'True');
    await ctl.close();
  });
}

test('children no longer wanted are deleted', async () => {
  const { kube, ctl } = await setup();
  await settle(kube, ctl);
  const writes = await writesOf(kube, ctl, () => {
    const zc = kube.get('ZeekCluster', 'demo') as K8sObject & { spec: object };
    kube.put({ ...zc, spec: { ...zc.spec, gateway: { enabled: false } } });
  });
  assert.deepEqual(writes.filter((w) => w.startsWith('delete')).sort(), [
    'delete Deployment/demo-gateway',
    'delete PodDisruptionBudget/demo-gateway',
    'delete Service/demo-gateway',
  ]);
  await ctl.close();
});

test('an invalid spec: Degraded/InvalidSpec, one Warning Event, no children', async () => {
  // Defaults filled as the CRD would; valid for the CRD's schema, not for the operator.
  const spec = validateSpec({ workers: { replicas: 2 } });
  const { kube, ctl } = await setup({ ...spec, workers: { ...spec.workers, capture: { mode: 'pcap' } } });
  await settle(kube, ctl);
  assert.deepEqual(
    kube.writes.filter((w) => w.startsWith('apply')),
    [],
  );
  assert.equal(condition(kube, 'Degraded')?.reason, 'InvalidSpec');
  assert.deepEqual(
    kube.events.map((e) => `${e.type} ${e.reason}`),
    ['Warning InvalidSpec'],
  );
  assert.deepEqual(await writesOf(kube, ctl, () => ctl.resyncAll()), []);
  await ctl.close();
});

test('a failed apply is reported (ReconcileFailed) and retried until it succeeds', async () => {
  const { kube, ctl } = await setup();
  kube.failNextApply = 'Deployment/demo-hub';
  await settle(kube, ctl);
  assert.ok(kube.events.some((e) => e.reason === 'ReconcileFailed' && e.type === 'Warning'));
  assert.ok(kube.get('Deployment', 'demo-hub'));
  assert.equal(condition(kube, 'Degraded')?.status, 'False');
  assert.equal(condition(kube, 'Ready')?.status, 'True');
  await ctl.close();
});

for (const [from, to] of [
  [undefined, 'demo-curve'],
  ['demo-curve', undefined],
] as const) {
  test(`turning CURVE ${to ? 'on' : 'off'} rolls hub and sinks, then manager, proxies, workers — one stage at a time`, async () => {
    const base = validateSpec({ workers: { replicas: 2 }, proxies: { replicas: 1 } });
    const withCurve = (name: string | undefined) => ({
      ...base,
      hub: { ...base.hub, curveSecretName: name },
    });
    const { kube, ctl } = await setup(withCurve(from));
    await settle(kube, ctl);
    const zc = kube.get('ZeekCluster', 'demo') as K8sObject & { spec: object };
    kube.put({ ...zc, metadata: { ...zc.metadata, generation: 2 }, spec: withCurve(to) });
    const curveOn = (kind: string, name: string): boolean =>
      liveCurveSecret(kube.get(kind, name)) !== undefined ||
      JSON.stringify(kube.get(kind, name)).includes('"secretName":"demo-curve"');
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      await ctl.idle();
      const state = [
        ['hub', curveOn('Deployment', 'demo-hub')],
        ['sinks', curveOn('StatefulSet', 'demo-log-sink')],
        ['manager', curveOn('Deployment', 'demo-manager')],
        ['proxy', curveOn('StatefulSet', 'demo-proxy')],
        ['worker', curveOn('StatefulSet', 'demo-worker')],
      ]
        .filter(([, on]) => on === (to !== undefined))
        .map(([n]) => n)
        .join('+');
      if (seen.at(-1) !== state) seen.push(state);
      const before = kube.writes.length;
      kube.rollOutAll();
      await new Promise((r) => setImmediate(r));
      await ctl.idle();
      if (kube.writes.length === before && state.includes('worker')) break;
    }
    assert.deepEqual(seen, [
      'hub+sinks',
      'hub+sinks+manager',
      'hub+sinks+manager+proxy',
      'hub+sinks+manager+proxy+worker',
    ]);
    await ctl.close();
  });
}

/** A pod of cluster `demo` as the kubelet would report it. */
function podOf(name: string, component: string, status: Record<string, unknown>): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      labels: {
        'app.kubernetes.io/managed-by': 'zeek-relay-operator',
        'app.kubernetes.io/instance': 'demo',
        'app.kubernetes.io/component': component,
      },
    },
    status,
  };
}

test('a pod that cannot pull its image: WorkersReady/Ready reason and a Warning Event naming it', async () => {
  const { kube, ctl } = await setup();
  await settle(kube, ctl);
  kube.unready.set('demo-worker', 1);
  kube.put(
    podOf('demo-worker-1', 'worker', {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'zeek',
          image: 'zeek/zeek:9.9',
          state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off' } },
        },
      ],
    }),
  );
  await settle(kube, ctl);
  assert.equal(condition(kube, 'WorkersReady')?.reason, 'ImagePullFailed');
  assert.equal(condition(kube, 'Ready')?.reason, 'ImagePullFailed');
  const ev = kube.events.find((e) => e.reason === 'ImagePullFailed');
  assert.equal(ev?.type, 'Warning');
  assert.match(ev?.note ?? '', /pod demo-worker-1: image zeek\/zeek:9\.9 cannot be pulled/);
  await ctl.close();
});

test('a pod stuck on a missing Secret volume: its FailedMount Event becomes MissingReference', async () => {
  const { kube, ctl } = await setup();
  await settle(kube, ctl);
  kube.unready.set('demo-hub', 1);
  kube.podWarnings.push({
    podName: 'demo-hub-abc',
    reason: 'FailedMount',
    message: 'MountVolume.SetUp failed for volume "curve" : secret "zeek-curve" not found',
    type: 'Warning',
  });
  kube.put(
    podOf('demo-hub-abc', 'hub', {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      containerStatuses: [{ name: 'hub', state: { waiting: { reason: 'ContainerCreating' } } }],
    }),
  );
  await settle(kube, ctl);
  assert.equal(condition(kube, 'HubReady')?.reason, 'MissingReference');
  assert.match(condition(kube, 'HubReady')?.message ?? '', /demo-hub-abc.*secret "zeek-curve" not found/);
  assert.ok(kube.events.some((e) => e.reason === 'MissingReference' && /demo-hub-abc/.test(e.note)));
  await ctl.close();
});
