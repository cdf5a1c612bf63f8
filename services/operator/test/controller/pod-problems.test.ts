import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnosePod, scheduledPendingSince } from '../../src/controller/pod-problems.js';
import { computeStatus } from '../../src/controller/status.js';
import { StallWatch } from '../../src/controller/stalls.js';
import { buildDesired } from '../../src/controller/reconcile.js';
import type { K8sObject } from '../../src/controller/resources/meta.js';
import { cluster, IMAGES, observe, rolledOut } from '../helpers.js';

const SCHEDULED = { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-12-01T10:00:00Z' };

/** A pod of component `component` with `status` (shapes as the kubelet reports them). */
function pod(name: string, component: string, status: Record<string, unknown>): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', labels: { 'app.kubernetes.io/component': component } },
    status,
  };
}

const waiting = (reason: string, message?: string, extra: Record<string, unknown> = {}) => ({
  phase: 'Pending',
  conditions: [SCHEDULED],
  containerStatuses: [
    {
      name: 'zeek',
      image: 'zeek/zeek:9.9',
      restartCount: 0,
      state: { waiting: { reason, message } },
      ...extra,
    },
  ],
});

test('an image that cannot be pulled: ImagePullFailed naming pod and image', () => {
  const p = diagnosePod(
    pod(
      'demo-worker-0',
      'worker',
      waiting('ErrImagePull', 'rpc error: manifest for zeek/zeek:9.9 not found: manifest unknown'),
    ),
  );
  assert.equal(p?.reason, 'ImagePullFailed');
  assert.equal(p?.component, 'worker');
  assert.match(
    p?.message ?? '',
    /^pod demo-worker-0: image zeek\/zeek:9\.9 cannot be pulled \(ErrImagePull: .*manifest unknown\)$/,
  );
  assert.equal(
    diagnosePod(pod('x', 'worker', waiting('ImagePullBackOff', 'Back-off pulling image')))?.reason,
    'ImagePullFailed',
  );
});

test('a crash loop: restarts and the last exit code', () => {
  const p = diagnosePod(
    pod('demo-manager-5d9c', 'manager', {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'zeek',
          restartCount: 7,
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' },
          },
          lastState: { terminated: { exitCode: 1, reason: 'Error' } },
        },
      ],
    }),
  );
  assert.deepEqual(p, {
    reason: 'CrashLoopBackOff',
    pod: 'demo-manager-5d9c',
    component: 'manager',
    message: 'pod demo-manager-5d9c: container zeek keeps crashing (7 restarts, last exit code 1 (Error))',
  });
});

test('a missing Secret key in an env var (CreateContainerConfigError): MissingReference', () => {
  const p = diagnosePod(
    pod('demo-worker-1', 'worker', waiting('CreateContainerConfigError', 'secret "zeek-curve" not found')),
  );
  assert.equal(p?.reason, 'MissingReference');
  assert.match(p?.message ?? '', /demo-worker-1.*secret "zeek-curve" not found/);
});

test('a missing Secret volume shows only in the pod Events (FailedMount): MissingReference from them', () => {
  const stuck = pod('demo-hub-7f', 'hub', waiting('ContainerCreating'));
  assert.equal(diagnosePod(stuck), undefined, 'without Events a creating pod is just starting');
  assert.equal(scheduledPendingSince(stuck), Date.parse('2026-12-01T10:00:00Z'));
  const p = diagnosePod(stuck, [
    {
      podName: 'other',
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "x" : secret "y" not found',
      type: 'Warning',
    },
    {
      podName: 'demo-hub-7f',
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "curve" : secret "zeek-curve" not found',
      type: 'Warning',
    },
  ]);
  assert.deepEqual(p, {
    reason: 'MissingReference',
    pod: 'demo-hub-7f',
    component: 'hub',
    message:
      'pod demo-hub-7f: FailedMount: MountVolume.SetUp failed for volume "curve" : secret "zeek-curve" not found',
  });
  const cm = diagnosePod(stuck, [
    {
      podName: 'demo-hub-7f',
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "site" : configmap "site-scripts" not found',
      type: 'Warning',
    },
  ]);
  assert.equal(cm?.reason, 'MissingReference');
});

test('unschedulable pods say so; running and normally starting pods have no problem', () => {
  const p = diagnosePod(
    pod('demo-worker-3', 'worker', {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available',
        },
      ],
    }),
  );
  assert.equal(p?.reason, 'Unschedulable');
  assert.equal(
    diagnosePod(
      pod('ok', 'worker', {
        phase: 'Running',
        containerStatuses: [{ name: 'zeek', state: { running: {} } }],
      }),
    ),
    undefined,
  );
  assert.equal(diagnosePod(pod('new', 'worker', { phase: 'Pending' })), undefined);
  assert.equal(
    scheduledPendingSince(pod('new', 'worker', { phase: 'Pending' })),
    undefined,
    'not scheduled yet',
  );
});

test('the status names the failing pod in the component condition and the Ready reason', () => {
  const zc = cluster({ workers: { replicas: 2 } });
  const d0 = buildDesired(zc, IMAGES, observe());
  const live = d0.objects.map((o) =>
    ['Deployment', 'StatefulSet'].includes(o.kind)
      ? rolledOut(o, o.metadata.name === 'demo-worker' ? 1 : undefined)
      : o,
  );
  const d = buildDesired(zc, IMAGES, observe(live));
  const problems = [
    {
      reason: 'ImagePullFailed',
      pod: 'demo-worker-1',
      component: 'worker',
      message: 'pod demo-worker-1: image zeek/zeek:9.9 cannot be pulled (ErrImagePull)',
    },
  ];
  const st = computeStatus(zc, observe(live), d, undefined, new Date('2026-12-01T10:00:00Z'), problems);
  const c = (t: string) => st.conditions?.find((x) => x.type === t);
  assert.equal(c('WorkersReady')?.status, 'False');
  assert.equal(c('WorkersReady')?.reason, 'ImagePullFailed');
  assert.match(
    c('WorkersReady')?.message ?? '',
    /^1\/2 workers ready; pod demo-worker-1: image zeek\/zeek:9\.9 cannot be pulled/,
  );
  assert.equal(c('Ready')?.reason, 'ImagePullFailed');
  assert.equal(c('HubReady')?.reason, 'AllReplicasReady');
});

test('StallWatch reads pods only for a component whose ready count has not moved for stallMs', async () => {
  const zc = cluster({ workers: { replicas: 3 } });
  const d0 = buildDesired(zc, IMAGES, observe());
  let workersReady = 1;
  const live = () =>
    d0.objects.map((o) =>
      ['Deployment', 'StatefulSet'].includes(o.kind)
        ? rolledOut(o, o.metadata.name === 'demo-worker' ? workersReady : undefined)
        : o,
    );
  const calls: string[] = [];
  let now = 0;
  const failing = pod('demo-worker-2', 'worker', waiting('ErrImagePull', 'not found'));
  const watch = new StallWatch(
    {
      listPods: async (ns, sel) => (
        calls.push(`pods ${ns} ${sel}`),
        [failing, pod('demo-hub-1', 'hub', waiting('ErrImagePull'))]
      ),
      podEvents: async () => (calls.push('events'), []),
    },
    15_000,
    () => now,
  );
  let r = await watch.problems('ns/demo', zc, observe(live()));
  assert.deepEqual(r, { problems: [], recheckMs: 15_000 });
  now = 10_000;
  workersReady = 2; // progress: the clock starts again
  r = await watch.problems('ns/demo', zc, observe(live()));
  assert.deepEqual(r, { problems: [], recheckMs: 15_000 });
  now = 25_000;
  r = await watch.problems('ns/demo', zc, observe(live()));
  assert.deepEqual(
    r.problems.map((p) => p.pod),
    ['demo-worker-2'],
    'only pods of the stalled component',
  );
  assert.deepEqual(calls, ['pods ns app.kubernetes.io/instance=demo']);
  now = 26_000;
  await watch.problems('ns/demo', zc, observe(live()));
  assert.equal(calls.length, 1, 'read at most every stallMs / 2');
  workersReady = 3;
  r = await watch.problems('ns/demo', zc, observe(live()));
  assert.deepEqual(r, { problems: [] }, 'ready again: nothing stalled, nothing to recheck');
});
