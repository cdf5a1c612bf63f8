import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownedFieldsDrift, quantityValue, type FieldsV1 } from '../../src/controller/owned-fields.js';
import type { K8sObject } from '../../src/controller/resources/meta.js';
import { container, dropField, workload, type Workload } from '../helpers.js';

const M = 'zeek-relay-operator';

/** What the operator applies (a trimmed worker StatefulSet). */
function desired(): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: 'demo-worker',
      namespace: 'ns',
      labels: { app: 'w' },
      annotations: { 'zeek-relay.io/desired-hash': 'h1' },
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'w' } },
      template: {
        metadata: { labels: { app: 'w' } },
        spec: {
          containers: [
            {
              name: 'zeek',
              image: 'zeek/zeek:8.2.2',
              args: ['-i', 'af_packet::eth0'],
              env: [{ name: 'A', value: '1' }],
              ports: [{ containerPort: 27760, name: 'x' }],
              resources: { requests: { cpu: '1000m', memory: '1Gi' } },
              volumeMounts: [{ name: 'cfg', mountPath: '/etc/zeek' }],
            },
          ],
          volumes: [
            { name: 'cfg', configMap: { name: 'demo-zeek' } },
            { name: 'scratch', emptyDir: {} },
          ],
          securityContext: {},
        },
      },
    },
  };
}

/** The FieldsV1 set the API server records for that apply (shape as kube-apiserver 1.34 writes it). */
function appliedSet(): FieldsV1 {
  return {
    'f:metadata': {
      'f:labels': { 'f:app': {} },
      'f:annotations': { 'f:zeek-relay.io/desired-hash': {} },
    },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"zeek"}': {
              '.': {},
              'f:name': {},
              'f:image': {},
              'f:args': {},
              'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
              'f:ports': {
                'k:{"containerPort":27760,"protocol":"TCP"}': {
                  '.': {},
                  'f:containerPort': {},
                  'f:name': {},
                },
              },
              'f:resources': { 'f:requests': { 'f:cpu': {}, 'f:memory': {} } },
              'f:volumeMounts': {
                'k:{"mountPath":"/etc/zeek"}': { '.': {}, 'f:mountPath': {}, 'f:name': {} },
              },
            },
          },
          'f:volumes': {
            'k:{"name":"cfg"}': { '.': {}, 'f:configMap': { 'f:name': {} }, 'f:name': {} },
            'k:{"name":"scratch"}': { '.': {}, 'f:emptyDir': {}, 'f:name': {} },
          },
        },
      },
    },
  };
}

/** The live object: desired plus server defaults, others' fields and our managedFields entry. */
function live(edit?: (o: Workload) => void, fields = appliedSet()): K8sObject {
  const obj = structuredClone(desired());
  Object.assign(obj.metadata, { uid: 'u', resourceVersion: '42', generation: 1 });
  obj.metadata['managedFields'] = [
    {
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'apps/v1',
      fieldsType: 'FieldsV1',
      subresource: 'status',
      fieldsV1: { 'f:status': {} },
    },
    { manager: M, operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: fields },
  ];
  const o = workload(obj);
  const c = container(o);
  c.resources.requests.cpu = '1'; // the server canonicalises 1000m
  Object.assign(c.ports[0] ?? {}, { protocol: 'TCP' }); // defaulted
  c.terminationMessagePath = '/dev/termination-log';
  c.imagePullPolicy = 'IfNotPresent';
  o.spec.podManagementPolicy = 'OrderedReady';
  o.spec.template.spec.restartPolicy = 'Always';
  Object.assign(o.spec.template.spec.volumes[0]?.configMap ?? {}, { defaultMode: 420 });
  o.status = { replicas: 3, readyReplicas: 3 };
  edit?.(o);
  return obj;
}

test('an untouched child (server defaults, canonical quantities, status) shows no drift', () => {
  assert.equal(ownedFieldsDrift(desired(), live(), M), undefined);
});

test('kubectl set image: the image changed and is owned by kubectl-set now', () => {
  const fields = appliedSet();
  dropField(fields, ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"zeek"}', 'f:image']);
  const d = ownedFieldsDrift(
    desired(),
    live((o) => (container(o).image = 'evil:1'), fields),
    M,
  );
  assert.deepEqual(d, { path: '.spec.template.spec.containers[0].image', why: 'not-owned' });
  // Even if our manager still listed the field, the value alone is drift.
  const d2 = ownedFieldsDrift(
    desired(),
    live((o) => (container(o).image = 'evil:1')),
    M,
  );
  assert.deepEqual(d2, { path: '.spec.template.spec.containers[0].image', why: 'changed' });
});

test('kubectl edit of an env var value is drift', () => {
  const d = ownedFieldsDrift(
    desired(),
    live((o) => ((container(o).env[0] ?? { name: '' }).value = '2')),
    M,
  );
  assert.deepEqual(d, { path: '.spec.template.spec.containers[0].env[0].value', why: 'changed' });
});

test('a removed volume is drift', () => {
  const fields = appliedSet();
  dropField(fields, ['f:spec', 'f:template', 'f:spec', 'f:volumes', 'k:{"name":"scratch"}']);
  const d = ownedFieldsDrift(
    desired(),
    live((o) => o.spec.template.spec.volumes.pop(), fields),
    M,
  );
  assert.deepEqual(d, { path: '.spec.template.spec.volumes[1]', why: 'not-owned' });
});

test('a changed label on the child is drift; an extra label someone else added is not', () => {
  const d = ownedFieldsDrift(
    desired(),
    live((o) => (o.metadata.labels.app = 'x')),
    M,
  );
  assert.deepEqual(d, { path: '.metadata.labels.app', why: 'changed' });
  assert.equal(
    ownedFieldsDrift(
      desired(),
      live((o) => (o.metadata.labels.team = 'noc')),
      M,
    ),
    undefined,
  );
});

test('kubectl scale (another manager took spec.replicas) is drift', () => {
  const fields = appliedSet();
  dropField(fields, ['f:spec', 'f:replicas']);
  const d = ownedFieldsDrift(
    desired(),
    live((o) => (o.spec.replicas = 9), fields),
    M,
  );
  assert.deepEqual(d, { path: '.spec.replicas', why: 'not-owned' });
});

test('an atomic list (args) must match as a whole, order included', () => {
  const d = ownedFieldsDrift(
    desired(),
    live((o) => container(o).args.reverse()),
    M,
  );
  assert.deepEqual(d, { path: '.spec.template.spec.containers[0].args', why: 'changed' });
  const d2 = ownedFieldsDrift(
    desired(),
    live((o) => container(o).args.push('x')),
    M,
  );
  assert.equal(d2?.why, 'changed');
});

test('an atomic map (label selector) compares as a whole', () => {
  const d = ownedFieldsDrift(
    desired(),
    live((o) => (o.spec.selector.matchLabels.app = 'z')),
    M,
  );
  assert.deepEqual(d, { path: '.spec.selector', why: 'changed' });
});

test('a field we own but no longer want is drift (the apply removes it)', () => {
  const want = desired();
  container(want).env = [];
  const d = ownedFieldsDrift(want, live(), M);
  assert.equal(d?.why, 'not-desired');
  assert.match(d?.path ?? '', /f:env/);
  const want2 = desired();
  delete workload(want2).metadata.labels['app'];
  assert.deepEqual(ownedFieldsDrift(want2, live(), M), {
    path: '/f:metadata/f:labels/f:app',
    why: 'not-desired',
  });
});

test('a desired field change (new env var) is drift', () => {
  const want = desired();
  container(want).env.push({ name: 'B', value: '2' });
  assert.deepEqual(ownedFieldsDrift(want, live(), M), {
    path: '.spec.template.spec.containers[0].env[1]',
    why: 'not-owned',
  });
});

test('without an Apply entry of our manager everything is drift', () => {
  const o = live();
  o.metadata['managedFields'] = [];
  assert.deepEqual(ownedFieldsDrift(desired(), o, M), { path: '', why: 'not-owned' });
  assert.deepEqual(ownedFieldsDrift(desired(), live(), 'someone-else'), { path: '', why: 'not-owned' });
});

test('quantities compare by value', () => {
  assert.equal(quantityValue('1000m'), 1);
  assert.equal(quantityValue('1Gi'), 2 ** 30);
  assert.equal(quantityValue('1.5k'), 1500);
  assert.equal(quantityValue('abc'), undefined);
  assert.equal(quantityValue(3), undefined);
});
