// CURVE wiring of every pod from `spec.hub.curveSecretName`. Expected values come from the Secret
// format (four Z85 keys, services/operator/README.md), the hub's and the log sink's documented
// settings, and Zeek 8.2's environment variables (zeromq-wire.md §8.2): servers (hub, sinks) get
// the server secret + the client public key as files; Zeek nodes get the client side by secretKeyRef.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { buildDesired } from '../../src/controller/reconcile.js';
import { curveZeekImageWarning, zeekCurveEnv } from '../../src/controller/resources/curve.js';
import type { K8sObject } from '../../src/controller/resources/meta.js';
import { cluster, IMAGES, observe } from '../helpers.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; fieldRef?: unknown };
}
interface Volume {
  name: string;
  secret?: { secretName: string; items?: { key: string; path: string }[]; optional?: boolean };
  [k: string]: unknown;
}
interface Pod {
  containers: { env: EnvVar[]; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[];
  volumes?: Volume[];
}

const SECRET = 'demo-curve';
/** The volume of a CURVE server (hub, log sink): the server's secret key and the client public key. */
const SERVER_KEYS_VOLUME = {
  name: 'curve',
  secret: {
    secretName: SECRET,
    items: [
      { key: 'server-secret-key', path: 'server-secret-key' },
      { key: 'client-public-key', path: 'client-public-key' },
    ],
  },
};
const WORKLOADS = [
  'Deployment/demo-hub',
  'StatefulSet/demo-log-sink',
  'Deployment/demo-gateway',
  'Deployment/demo-manager',
  'StatefulSet/demo-proxy',
  'StatefulSet/demo-worker',
];
const ZEEK_CLIENT_ENV = {
  ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY: 'server-public-key',
  ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_PUBLICKEY: 'client-public-key',
  ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_SECRETKEY: 'client-secret-key',
};

function pods(spec: unknown): Map<string, Pod> {
  const d = buildDesired(cluster(spec), IMAGES, observe());
  const out = new Map<string, Pod>();
  for (const o of d.objects as K8sObject[]) {
    if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet') continue;
    out.set(
      `${o.kind}/${o.metadata.name}`,
      (o as unknown as { spec: { template: { spec: Pod } } }).spec.template.spec,
    );
  }
  return out;
}

const podOf = (ps: Map<string, Pod>, id: string): Pod => {
  const p = ps.get(id);
  assert.ok(p, `${id} is built`);
  return p;
};
const plainEnv = (p: Pod): Record<string, string | undefined> =>
  Object.fromEntries((p.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
/** Every Secret key a pod can read: mounted items and secretKeyRefs, as `secret/key`. */
function secretKeys(p: Pod): string[] {
  const keys: string[] = [];
  for (const v of p.volumes ?? []) {
    if (!v.secret) continue;
    assert.ok(v.secret.items, `volume ${v.name} names its keys (a whole-Secret mount carries every key)`);
    for (const i of v.secret.items) keys.push(`${v.secret.secretName}/${i.key}`);
  }
  for (const e of p.containers[0]?.env ?? []) {
    const r = e.valueFrom?.secretKeyRef;
    if (r) keys.push(`${r.name}/${r.key}`);
  }
  return keys.sort();
}
/** The absolute paths of every file mounted from a Secret volume. */
function mountedFiles(p: Pod): Set<string> {
  const files = new Set<string>();
  for (const v of p.volumes ?? []) {
    const m = p.containers[0]?.volumeMounts?.find((x) => x.name === v.name);
    for (const i of v.secret?.items ?? []) files.add(posix.join(m?.mountPath ?? '?', i.path));
  }
  return files;
}

test('the hub gets its secret key and the client public key (its ZAP allow-list) as files', () => {
  const hub = podOf(pods({ hub: { curveSecretName: SECRET } }), 'Deployment/demo-hub');
  const env = plainEnv(hub);
  assert.equal(env['ZR_HUB_CURVE_SERVER_SECRET_KEY_FILE'], '/etc/zeek-relay/curve/server-secret-key');
  assert.equal(env['ZR_HUB_CURVE_CLIENT_PUBLIC_KEY_FILES'], '/etc/zeek-relay/curve/client-public-key');
  assert.deepEqual(hub.containers[0]?.volumeMounts, [
    { name: 'curve', mountPath: '/etc/zeek-relay/curve', readOnly: true },
  ]);
  assert.deepEqual(hub.volumes, [SERVER_KEYS_VOLUME]);
  for (const path of [
    env['ZR_HUB_CURVE_SERVER_SECRET_KEY_FILE'],
    env['ZR_HUB_CURVE_CLIENT_PUBLIC_KEY_FILES'],
  ])
    assert.ok(mountedFiles(hub).has(path ?? ''), `${path} is mounted`);
});

test('each log sink binds PULL as a CURVE server: secret key + client public key, next to its log volume', () => {
  const sink = podOf(
    pods({ hub: { curveSecretName: SECRET }, logSinks: { storage: { persistent: false } } }),
    'StatefulSet/demo-log-sink',
  );
  const env = plainEnv(sink);
  assert.equal(env['ZR_SINK_CURVE_SERVER_SECRET_KEY_FILE'], '/etc/zeek-relay/curve/server-secret-key');
  assert.equal(env['ZR_SINK_CURVE_CLIENT_PUBLIC_KEY_FILES'], '/etc/zeek-relay/curve/client-public-key');
  assert.deepEqual(sink.containers[0]?.volumeMounts, [
    { name: 'logs', mountPath: '/var/log/zeek' },
    { name: 'curve', mountPath: '/etc/zeek-relay/curve', readOnly: true },
  ]);
  assert.deepEqual(sink.volumes, [{ name: 'logs', emptyDir: {} }, SERVER_KEYS_VOLUME]);
  // Persistent storage (the default): logs come from the claim template, the curve volume stays.
  const persistent = podOf(pods({ hub: { curveSecretName: SECRET } }), 'StatefulSet/demo-log-sink');
  assert.deepEqual(
    persistent.volumes?.map((v) => v.name),
    ['curve'],
  );
});

test('manager, proxies and workers get the client side of Zeek 8.2 by secretKeyRef, nothing else', () => {
  const ps = pods({ hub: { curveSecretName: SECRET }, proxies: { replicas: 1 } });
  for (const id of ['Deployment/demo-manager', 'StatefulSet/demo-proxy', 'StatefulSet/demo-worker']) {
    const p = podOf(ps, id);
    const curve = (p.containers[0]?.env ?? []).filter((e) => e.name.includes('CURVE'));
    assert.deepEqual(
      curve,
      Object.entries(ZEEK_CLIENT_ENV).map(([name, key]) => ({
        name,
        valueFrom: { secretKeyRef: { name: SECRET, key } },
      })),
      id,
    );
    // No key file volumes: Zeek reads its keys from the environment only.
    assert.ok(!(p.volumes ?? []).some((v) => v.secret), id);
  }
});

test('a Zeek process that binds PULL (a logger) would also get the server secret key', () => {
  assert.deepEqual(
    zeekCurveEnv('s', true).map((e) => e['name']),
    [...Object.keys(ZEEK_CLIENT_ENV), 'ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY'],
  );
  assert.deepEqual(zeekCurveEnv('s', true)[3], {
    name: 'ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_SECRETKEY',
    valueFrom: { secretKeyRef: { name: 's', key: 'server-secret-key' } },
  });
  // The layout has no Zeek logger pods (the log sinks are the loggers), so none gets it today.
  const ps = pods({ hub: { curveSecretName: SECRET } });
  assert.ok(![...ps.keys()].some((id) => id.includes('logger')));
});

test('which pod can read which key: the server secret only reaches the hub and the log sinks', () => {
  const ps = pods({ hub: { curveSecretName: SECRET }, proxies: { replicas: 1 } });
  assert.deepEqual([...ps.keys()].sort(), [...WORKLOADS].sort());
  const server = [`${SECRET}/client-public-key`, `${SECRET}/server-secret-key`];
  const client = [
    `${SECRET}/client-public-key`,
    `${SECRET}/client-secret-key`,
    `${SECRET}/server-public-key`,
  ];
  const expected: Record<string, string[]> = {
    'Deployment/demo-hub': server,
    'StatefulSet/demo-log-sink': server,
    'Deployment/demo-gateway': client,
    'Deployment/demo-manager': client,
    'StatefulSet/demo-proxy': client,
    'StatefulSet/demo-worker': client,
  };
  for (const id of WORKLOADS) assert.deepEqual(secretKeys(podOf(ps, id)), expected[id], id);
  // Every reference is required: a missing key must stop the pod, not run it unencrypted.
  for (const id of WORKLOADS) {
    const p = podOf(ps, id);
    for (const v of p.volumes ?? []) assert.equal(v.secret?.optional, undefined, `${id} ${v.name}`);
    for (const e of p.containers[0]?.env ?? [])
      assert.equal(e.valueFrom?.secretKeyRef?.optional, undefined, `${id} ${e.name}`);
  }
});

test('the generated policy script sets no curve_* option (Zeek aborts when script and env both do)', () => {
  const d = buildDesired(cluster({ hub: { curveSecretName: SECRET } }), IMAGES, observe());
  const cm = d.objects.find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
  for (const [file, text] of Object.entries(cm.data)) assert.doesNotMatch(text, /curve_/i, file);
});

test('without curveSecretName no pod gets a CURVE variable or a Secret reference', () => {
  const ps = pods({ proxies: { replicas: 1 } });
  assert.deepEqual([...ps.keys()].sort(), [...WORKLOADS].sort());
  for (const [id, p] of ps) {
    assert.deepEqual(
      (p.containers[0]?.env ?? []).filter((e) => e.name.includes('CURVE')),
      [],
      id,
    );
    assert.deepEqual(secretKeys(p), [], id);
  }
});

test('CURVE with a Zeek image tagged 8.0/8.1 is warned about; 8.2+, unknown tags and no CURVE are not', () => {
  const warned = [
    'zeek/zeek:8.0.10',
    'zeek/zeek:8.1.3',
    'registry.example:5000/zeek/zeek:v8.0',
    'zeek/zeek:8.1-debug',
    'zeek/zeek:7.2.0',
  ];
  for (const image of warned) {
    const w = curveZeekImageWarning('curve', image);
    assert.ok(w?.includes(`Zeek image ${image}`) && w.includes('CURVE needs Zeek 8.2 or later'), image);
  }
  const quiet = [
    'zeek/zeek:8.2.2',
    'zeek/zeek:9.0.0-rc1',
    'zeek/zeek:10.0',
    'zeek/zeek:latest',
    'zeek/zeek',
    'registry.example:5000/zeek',
    'zeek/zeek@sha256:0000000000000000000000000000000000000000000000000000000000000000',
    'zeek/zeek:lts',
  ];
  for (const image of quiet) assert.equal(curveZeekImageWarning('curve', image), undefined, image);
  assert.equal(curveZeekImageWarning(undefined, 'zeek/zeek:8.0.10'), undefined, 'no CURVE, no warning');
});
