import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDesired } from '../../src/controller/reconcile.js';
import { computeStatus } from '../../src/controller/status.js';
import { cluster, IMAGES, observe, rolledOut } from '../helpers.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const cond = (st: { conditions?: { type: string; status: string; reason: string }[] }, type: string) =>
  st.conditions?.find((c) => c.type === type);

function liveWorld(zc: ReturnType<typeof cluster>, workersReady?: number) {
  const d = buildDesired(zc, IMAGES, observe());
  const live = d.objects.map((o) =>
    ['Deployment', 'StatefulSet'].includes(o.kind)
      ? rolledOut(o, o.metadata.name === 'demo-worker' ? workersReady : undefined)
      : o,
  );
  return { d: buildDesired(zc, IMAGES, observe(live)), live };
}

test('all children rolled out → Ready, no progress, worker counts and selector', () => {
  const zc = cluster({ workers: { replicas: 3 } });
  const { d, live } = liveWorld(zc);
  const st = computeStatus(zc, observe(live), d, undefined, NOW);
  for (const t of ['Ready', 'HubReady', 'GatewayReady', 'LogSinkReady', 'WorkersReady'])
    assert.equal(cond(st, t)?.status, 'True', t);
  assert.equal(cond(st, 'Progressing')?.status, 'False');
  assert.equal(cond(st, 'Degraded')?.status, 'False');
  assert.equal(st.replicas, 3);
  assert.equal(st.readyReplicas, 3);
  assert.equal(st.workers, '3/3');
  assert.equal(st.slots, 16);
  assert.equal(
    st.selector,
    'app.kubernetes.io/name=zeek-relay,app.kubernetes.io/instance=demo,app.kubernetes.io/component=worker',
  );
  assert.equal(st.observedGeneration, 1);
  assert.ok(
    st.conditions?.every(
      (c) => c.observedGeneration === 1 && c.lastTransitionTime === '2026-11-24T12:00:00Z',
    ),
  );
});

test('workers not ready → WorkersReady False, Ready False, Progressing True (Scaling)', () => {
  const zc = cluster({ workers: { replicas: 3 } });
  const { d, live } = liveWorld(zc, 1);
  const st = computeStatus(zc, observe(live), d, undefined, NOW);
  assert.equal(cond(st, 'WorkersReady')?.status, 'False');
  assert.equal(cond(st, 'Ready')?.status, 'False');
  assert.equal(cond(st, 'Progressing')?.reason, 'Scaling');
  assert.equal(st.workers, '1/3');
});

test('while scaling 3 → 8, status.replicas counts the worker pods that exist, not the target', () => {
  const zc = cluster({ workers: { replicas: 8 } });
  const { d, live } = liveWorld(zc, 3);
  // The StatefulSet controller has created 5 of the 8 pods so far; 3 of them are ready.
  const world = live.map((o) =>
    o.metadata.name === 'demo-worker'
      ? { ...o, status: { ...(o['status'] as object), replicas: 5, updatedReplicas: 5 } }
      : o,
  );
  const st = computeStatus(zc, observe(world), d, undefined, NOW);
  assert.equal(st.replicas, 5);
  assert.equal(st.readyReplicas, 3);
  assert.equal(st.workers, '3/8');
  assert.equal(cond(st, 'Progressing')?.reason, 'Scaling');
});

test('an invalid spec is reported as Degraded/InvalidSpec and not Ready', () => {
  const zc = cluster();
  const st = computeStatus(zc, observe(), undefined, { reason: 'InvalidSpec', message: 'bad' }, NOW);
  assert.deepEqual(
    { s: cond(st, 'Degraded')?.status, r: cond(st, 'Degraded')?.reason },
    { s: 'True', r: 'InvalidSpec' },
  );
  assert.equal(cond(st, 'Ready')?.reason, 'InvalidSpec');
});

test('unchanged conditions keep their lastTransitionTime (status deep-equal → no write)', () => {
  const zc = cluster();
  const { d, live } = liveWorld(zc);
  const first = computeStatus(zc, observe(live), d, undefined, NOW);
  const again = computeStatus(
    { ...zc, status: first },
    observe(live),
    d,
    undefined,
    new Date('2026-11-24T13:00:00Z'),
  );
  assert.deepEqual(again, first);
});

test('progress-only status changes are recognised (batched by the controller), others are not', async () => {
  const { isProgressOnly } = await import('../../src/controller/diff.js');
  const zc = cluster({ workers: { replicas: 3 } });
  const { d, live } = liveWorld(zc, 1);
  const one = computeStatus(zc, observe(live), d, undefined, NOW);
  const two = computeStatus({ ...zc, status: one }, observe(liveWorld(zc, 2).live), d, undefined, NOW);
  assert.equal(two.workers, '2/3');
  assert.equal(isProgressOnly(one, two), true);
  const done = computeStatus({ ...zc, status: one }, observe(liveWorld(zc).live), d, undefined, NOW);
  assert.equal(isProgressOnly(one, done), false, 'WorkersReady flips to True');
});
