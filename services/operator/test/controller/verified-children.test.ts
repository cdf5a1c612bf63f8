import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerifiedChildren, withDesiredHash } from '../../src/controller/diff.js';
import { buildDesired } from '../../src/controller/reconcile.js';
import { buildZeekConfigMap } from '../../src/controller/resources/zeek-config.js';
import { FIELD_MANAGER } from '../../src/kube/api.js';
import type { K8sObject } from '../../src/controller/resources/meta.js';
import { resolveZeekVersion } from '../../src/controller/resources/zeek-version.js';
import { fieldsOf } from '../fake-kube.js';
import { cluster, IMAGES, observe } from '../helpers.js';

/** The desired worker StatefulSet and a live copy as the API server would hold it after our apply. */
function workerPair(): { desired: K8sObject; live: K8sObject } {
  const sts = buildDesired(cluster({ workers: { replicas: 3 } }), IMAGES, observe()).objects.find(
    (o) => o.metadata.name === 'demo-worker',
  )!;
  const desired = withDesiredHash(sts);
  const live = structuredClone({
    ...desired,
    metadata: {
      ...desired.metadata,
      generation: 1,
      resourceVersion: '10',
      managedFields: [{ manager: FIELD_MANAGER, operation: 'Apply', fieldsV1: fieldsOf(desired) }],
    },
    status: { replicas: 3, readyReplicas: 0 },
  });
  return { desired, live };
}

test('a child verified once is not compared again after status-only updates', () => {
  const { desired, live } = workerPair();
  const verified = new VerifiedChildren();
  const key = verified.check('sts', desired, live);
  assert.equal(typeof key, 'string', 'never verified: compare');
  verified.remember('sts', key!);
  for (let ready = 1; ready <= 3; ready++) {
    const next = structuredClone(live);
    next.metadata['resourceVersion'] = String(10 + ready);
    (next as unknown as { status: { readyReplicas: number } }).status.readyReplicas = ready;
    assert.equal(verified.check('sts', desired, next), undefined, `status update ${ready}`);
  }
});

test('anything that can change an owned field makes the child be compared again', () => {
  const { desired, live } = workerPair();
  const verified = new VerifiedChildren();
  verified.remember('sts', verified.check('sts', desired, live)!);
  const changed: [string, (o: K8sObject) => void][] = [
    ['a spec change (generation)', (o) => (o.metadata['generation'] = 2)],
    ['a label', (o) => (o.metadata.labels = { ...o.metadata.labels, extra: 'x' })],
    ['an annotation', (o) => (o.metadata.annotations = { ...o.metadata.annotations, extra: 'x' })],
    ['ownership taken by another manager', (o) => (o.metadata['managedFields'] = [])],
  ];
  for (const [what, change] of changed) {
    const next = structuredClone(live);
    change(next);
    assert.notEqual(verified.check('sts', desired, next), undefined, what);
  }
  const newDesired = {
    ...desired,
    metadata: { ...desired.metadata, annotations: { 'zeek-relay.io/desired-hash': 'x' } },
  };
  assert.notEqual(verified.check('sts', newDesired, live), undefined, 'a new desired state');
  verified.forget('sts');
  assert.notEqual(verified.check('sts', desired, live), undefined, 'forgotten');
});

test('kinds without a spec generation are remembered by resourceVersion', () => {
  const cm = withDesiredHash(buildDesired(cluster({}), IMAGES, observe()).objects[0]!);
  const live = { ...cm, metadata: { ...cm.metadata, resourceVersion: '5' } };
  const verified = new VerifiedChildren();
  verified.remember('cm', verified.check('cm', cm, live)!);
  assert.equal(verified.check('cm', cm, live), undefined);
  assert.notEqual(
    verified.check('cm', cm, { ...live, metadata: { ...live.metadata, resourceVersion: '6' } }),
    undefined,
  );
});

test('the Zeek ConfigMap is built once per distinct input (same object), again when the spec changes', () => {
  const zv = resolveZeekVersion(undefined, IMAGES.zeek, IMAGES.zeekVersion).version;
  const a = buildZeekConfigMap(cluster({ workers: { replicas: 3 } }), zv);
  assert.equal(buildZeekConfigMap(cluster({ workers: { replicas: 3 } }), zv), a);
  const b = buildZeekConfigMap(cluster({ workers: { replicas: 3, maxReplicas: 20 } }), zv);
  assert.notEqual(b, a);
  assert.equal((b['data'] as Record<string, string>)['cluster-layout.zeek']!.match(/WORKER/g)!.length, 20);
});
