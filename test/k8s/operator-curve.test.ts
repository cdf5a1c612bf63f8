/**
 * CURVE wiring end to end: the operator against a real kube-apiserver + etcd (apiserver tier — the
 * subject is what the operator applies, not pods). A ZeekCluster with `spec.hub.curveSecretName`
 * reconciles to workloads whose pod templates, as the API server stores them, carry exactly the
 * keys each process needs (the server secret only in the hub and the log sinks); without it none
 * appear, and turning CURVE on and off again on a live cluster adds and removes them (server-side
 * apply must drop the fields it no longer sends). Expected values follow the Secret format in
 * services/operator/README.md and Zeek 8.2's variables (zeromq-wire.md §8.2).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import type { Operator } from '@zeek-relay/operator';
import { curveKeyPair } from 'zeromq';
import { startControlPlane, type ControlPlane } from '../helpers/k8s/control-plane.js';
import { eventually, installCrd, markRolledOut, startOperator } from './operator-harness.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface PodSpec {
  containers: {
    name: string;
    env?: EnvVar[];
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  }[];
  volumes?: {
    name: string;
    secret?: { secretName: string; items?: { key: string; path: string }[]; optional?: boolean };
  }[];
}
interface Workload {
  metadata: { name: string; resourceVersion: string };
  spec: { template: { spec: PodSpec } };
}

const NS = 'zr-curve';
const SECRET = 'zeek-curve';
let cp: ControlPlane;
let operator: Operator;

/** kind/name of every workload of cluster `name` (1 proxy, so all six kinds exist). */
const workloads = (name: string): string[] => [
  `deployments/${name}-hub`,
  `statefulsets/${name}-log-sink`,
  `deployments/${name}-gateway`,
  `deployments/${name}-manager`,
  `statefulsets/${name}-proxy`,
  `statefulsets/${name}-worker`,
];

const SERVER = ['client-public-key', 'server-secret-key'];
const CLIENT = ['client-public-key', 'client-secret-key', 'server-public-key'];
/** Secret keys each workload may read (sorted), by component. */
const KEYS_BY_COMPONENT: Record<string, string[]> = {
  hub: SERVER,
  'log-sink': SERVER,
  gateway: CLIENT,
  manager: CLIENT,
  proxy: CLIENT,
  worker: CLIENT,
};
const ZEEK_ENV: [string, string][] = [
  ['ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_SERVER_PUBLICKEY', 'server-public-key'],
  ['ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_PUBLICKEY', 'client-public-key'],
  ['ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_CLIENT_SECRETKEY', 'client-secret-key'],
];
/** Key-file variables of the services: name → the file they must name. */
const FILE_ENV: Record<string, Record<string, string>> = {
  hub: {
    ZR_HUB_CURVE_SERVER_SECRET_KEY_FILE: '/etc/zeek-relay/curve/server-secret-key',
    ZR_HUB_CURVE_CLIENT_PUBLIC_KEY_FILES: '/etc/zeek-relay/curve/client-public-key',
  },
  'log-sink': {
    ZR_SINK_CURVE_SERVER_SECRET_KEY_FILE: '/etc/zeek-relay/curve/server-secret-key',
    ZR_SINK_CURVE_CLIENT_PUBLIC_KEY_FILES: '/etc/zeek-relay/curve/client-public-key',
  },
  gateway: {
    ZR_GATEWAY_HUB_CURVE_SERVER_KEY_FILE: '/etc/zeek-relay/hub-curve/server-public-key',
    ZR_GATEWAY_HUB_CURVE_PUBLIC_KEY_FILE: '/etc/zeek-relay/hub-curve/client-public-key',
    ZR_GATEWAY_HUB_CURVE_SECRET_KEY_FILE: '/etc/zeek-relay/hub-curve/client-secret-key',
  },
};

const component = (id: string, name: string): string => id.split('/')[1]?.slice(name.length + 1) ?? '';
const get = (id: string): Promise<Workload> =>
  cp.http.json<Workload>('GET', `/apis/apps/v1/namespaces/${NS}/${id}`);
const podOf = (w: Workload): PodSpec => w.spec.template.spec;
const envOf = (p: PodSpec): EnvVar[] => p.containers[0]?.env ?? [];

/** Every `secret/key` a pod template can read: Secret volume items and secretKeyRefs. */
function secretKeys(p: PodSpec): string[] {
  const keys: string[] = [];
  for (const v of p.volumes ?? []) {
    if (!v.secret) continue;
    assert.ok(v.secret.items, `volume ${v.name} lists its keys (a whole Secret would carry all four)`);
    assert.notEqual(v.secret.optional, true, `volume ${v.name} is required`);
    for (const i of v.secret.items) keys.push(`${v.secret.secretName}/${i.key}`);
  }
  for (const e of envOf(p)) {
    const r = e.valueFrom?.secretKeyRef;
    if (!r) continue;
    assert.notEqual(r.optional, true, `${e.name} is required`);
    keys.push(`${r.name}/${r.key}`);
  }
  return keys.sort();
}

function mountedFiles(p: PodSpec): Set<string> {
  const files = new Set<string>();
  for (const v of p.volumes ?? []) {
    const m = p.containers[0]?.volumeMounts?.find((x) => x.name === v.name);
    for (const i of v.secret?.items ?? []) files.add(posix.join(m?.mountPath ?? '?', i.path));
  }
  return files;
}

const clusterYaml = (name: string, curve: boolean): string =>
  JSON.stringify({
    apiVersion: 'zeek-relay.io/v1alpha1',
    kind: 'ZeekCluster',
    metadata: { name, namespace: NS },
    spec: {
      ...(curve ? { hub: { curveSecretName: SECRET } } : {}),
      proxies: { replicas: 1 },
      workers: { replicas: 1, maxReplicas: 4, capture: { interface: 'eth0' } },
      logSinks: { replicas: 1, storage: { persistent: false } },
    },
  });

/** Waits until every workload of `name` exists and `check` holds for all of them; returns them. */
async function whenWorkloads(
  name: string,
  what: string,
  check: (c: string, p: PodSpec) => boolean,
): Promise<Map<string, PodSpec>> {
  return eventually(`${name}: ${what}`, async () => {
    const out = new Map<string, PodSpec>();
    for (const id of workloads(name)) {
      const p = podOf(await get(id));
      if (!check(component(id, name), p)) return undefined;
      out.set(component(id, name), p);
    }
    return out;
  });
}

/** The operator's CurveNeedsZeek82 Events in the namespace. */
async function curveEvents(): Promise<{ type: string; note: string; regarding: { name: string } }[]> {
  const list = await cp.http.json<{
    items: { type: string; reason: string; note: string; regarding: { name: string } }[];
  }>('GET', `/apis/events.k8s.io/v1/namespaces/${NS}/events`);
  return list.items.filter((e) => e.reason === 'CurveNeedsZeek82');
}

const hasCurve = (p: PodSpec): boolean => envOf(p).some((e) => e.name.includes('CURVE'));

/** The full CURVE expectation for one workload's pod template. */
function assertCurve(c: string, p: PodSpec): void {
  assert.deepEqual(
    secretKeys(p),
    (KEYS_BY_COMPONENT[c] ?? []).map((k) => `${SECRET}/${k}`),
    `${c}: readable Secret keys`,
  );
  const curveEnv = envOf(p).filter((e) => e.name.includes('CURVE'));
  if (c === 'manager' || c === 'proxy' || c === 'worker') {
    assert.deepEqual(
      curveEnv,
      ZEEK_ENV.map(([n, key]) => ({ name: n, valueFrom: { secretKeyRef: { name: SECRET, key } } })),
      c,
    );
    assert.ok(!(p.volumes ?? []).some((v) => v.secret), `${c}: no key files`);
    return;
  }
  const files = FILE_ENV[c] ?? {};
  assert.deepEqual(
    Object.fromEntries(curveEnv.map((e) => [e.name, e.value])),
    files,
    `${c}: CURVE variables`,
  );
  for (const path of Object.values(files)) assert.ok(mountedFiles(p).has(path), `${c}: ${path} mounted`);
  for (const m of p.containers[0]?.volumeMounts ?? [])
    if (m.mountPath.includes('curve')) assert.equal(m.readOnly, true, `${c}: ${m.mountPath} read-only`);
}

function assertNoCurve(c: string, p: PodSpec): void {
  assert.deepEqual(
    envOf(p).filter((e) => e.name.includes('CURVE')),
    [],
    `${c}: no CURVE variables`,
  );
  assert.deepEqual(secretKeys(p), [], `${c}: no Secret references`);
}

before(
  async () => {
    cp = await startControlPlane({ tier: 'apiserver', keepDir: process.env['ZR_K8S_KEEP'] === '1' });
    await installCrd(cp);
    await cp.kubectl(['create', 'namespace', NS]);
    const server = curveKeyPair();
    const client = curveKeyPair();
    await cp.kubectl([
      'create',
      'secret',
      'generic',
      SECRET,
      '-n',
      NS,
      `--from-literal=server-secret-key=${server.secretKey}`,
      `--from-literal=server-public-key=${server.publicKey}`,
      `--from-literal=client-public-key=${client.publicKey}`,
      `--from-literal=client-secret-key=${client.secretKey}`,
    ]);
    operator = await startOperator(cp, 'operator-curve');
  },
  { timeout: 30 * 60_000 },
);

after(async () => {
  await operator?.close();
  await cp?.stop();
});

test(
  'with curveSecretName every workload carries exactly its keys; the server secret only in hub and sinks',
  {
    timeout: 300_000,
  },
  async () => {
    await cp.kubectl(['apply', '-f', '-'], clusterYaml('enc', true));
    const specs = await whenWorkloads('enc', 'CURVE on every workload', (_, p) => hasCurve(p));
    assert.deepEqual([...specs.keys()].sort(), Object.keys(KEYS_BY_COMPONENT).sort());
    for (const [c, p] of specs) assertCurve(c, p);
    const cm = await cp.http.json<{ data: Record<string, string> }>(
      'GET',
      `/api/v1/namespaces/${NS}/configmaps/enc-zeek`,
    );
    for (const [file, text] of Object.entries(cm.data))
      assert.doesNotMatch(text, /curve_/i, `${file} must not redef curve_* (Zeek gets the env variables)`);
    // The harness's Zeek image is 8.0.4, which has no CURVE: the operator says so in an Event.
    const warning = await eventually('CurveNeedsZeek82 event', async () =>
      (await curveEvents()).find((e) => e.regarding.name === 'enc'),
    );
    assert.equal(warning.type, 'Warning');
    assert.match(warning.note, /zeek\/zeek:8\.0\.4 is Zeek 8\.0: CURVE needs Zeek 8\.2 or later/);
  },
);

test(
  'without curveSecretName no workload gets a CURVE variable or a Secret reference',
  {
    timeout: 300_000,
  },
  async () => {
    await cp.kubectl(['apply', '-f', '-'], clusterYaml('plain', false));
    const specs = await whenWorkloads('plain', 'all workloads', () => true);
    assert.equal(specs.size, 6);
    for (const [c, p] of specs) assertNoCurve(c, p);
    assert.deepEqual(
      (await curveEvents()).filter((e) => e.regarding.name === 'plain'),
      [],
      'no CURVE, no image warning',
    );
  },
);

/**
 * Rolls every workload of `name` (status written as the kube controllers would) until `check`
 * holds for all; returns, per component, the round in which it first held.
 */
async function rollUntil(
  name: string,
  what: string,
  check: (p: PodSpec) => boolean,
): Promise<Map<string, number>> {
  const round = new Map<string, number>();
  let n = 0;
  await eventually(`${name}: ${what}`, async () => {
    n++;
    for (const id of workloads(name)) {
      const c = component(id, name);
      if (!round.has(c) && check(podOf(await get(id)))) round.set(c, n);
    }
    // Only what was seen changed rolls out, so a later stage cannot change within the same round.
    for (const id of workloads(name))
      if (round.has(component(id, name))) await markRolledOut(cp, `/apis/apps/v1/namespaces/${NS}/${id}`);
    return round.size === workloads(name).length ? true : undefined;
  });
  return round;
}

/** Hub and sinks strictly before manager, before proxies, before workers (the gateway is outside the Zeek order). */
function assertRollOrder(round: Map<string, number>): void {
  const r = (c: string): number => round.get(c) ?? -1;
  const seen = JSON.stringify([...round]);
  assert.ok(r('hub') < r('manager') && r('log-sink') < r('manager'), seen);
  assert.ok(r('manager') < r('proxy') && r('proxy') < r('worker'), seen);
}

test(
  'turning CURVE on and off on a live cluster rolls hub and sinks first, then manager, proxies, workers',
  {
    timeout: 300_000,
  },
  async () => {
    for (const id of workloads('plain')) await markRolledOut(cp, `/apis/apps/v1/namespaces/${NS}/${id}`);
    await cp.kubectl(['apply', '-f', '-'], clusterYaml('plain', true));
    assertRollOrder(await rollUntil('plain', 'CURVE turned on', hasCurve));
    const on = await whenWorkloads('plain', 'CURVE turned on', (_, p) => hasCurve(p));
    for (const [c, p] of on) assertCurve(c, p);
    await cp.kubectl(['apply', '-f', '-'], clusterYaml('plain', false));
    assertRollOrder(await rollUntil('plain', 'CURVE turned off', (p) => !hasCurve(p)));
    const off = await whenWorkloads('plain', 'CURVE turned off', (_, p) => !hasCurve(p));
    for (const [c, p] of off) assertNoCurve(c, p);
  },
);
