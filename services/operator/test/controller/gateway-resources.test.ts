import { test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { buildDesired } from '../../src/controller/reconcile.js';
import { cluster, IMAGES, observe } from '../helpers.js';

interface Pod {
  containers: {
    name: string;
    env: { name: string; value: string }[];
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  }[];
  volumes?: { name: string; secret?: SecretVolume; projected?: unknown }[];
}
interface SecretVolume {
  secretName: string;
  items?: { key: string; path: string }[];
  optional?: boolean;
}

function gatewayPod(spec: unknown): Pod {
  const d = buildDesired(cluster(spec), IMAGES, observe());
  const dep = d.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'demo-gateway');
  assert.ok(dep, 'the gateway Deployment is built');
  return (dep as unknown as { spec: { template: { spec: Pod } } }).spec.template.spec;
}

const envOf = (pod: Pod): Record<string, string> =>
  Object.fromEntries((pod.containers[0]?.env ?? []).map((e) => [e.name, e.value]));

test('without hub.curveSecretName the gateway gets no CURVE settings', () => {
  const pod = gatewayPod({});
  assert.deepEqual(
    Object.keys(envOf(pod)).filter((k) => k.includes('CURVE')),
    [],
  );
  assert.equal(pod.volumes, undefined);
  assert.equal(pod.containers[0]?.volumeMounts, undefined);
});

test('hub.curveSecretName: the gateway gets the hub public key and the required client pair as files', () => {
  const pod = gatewayPod({ hub: { curveSecretName: 'hub-keys' } });
  const env = envOf(pod);
  assert.equal(env['ZR_GATEWAY_HUB_CURVE_SERVER_KEY_FILE'], '/etc/zeek-relay/hub-curve/server-public-key');
  assert.equal(env['ZR_GATEWAY_HUB_CURVE_PUBLIC_KEY_FILE'], '/etc/zeek-relay/hub-curve/client-public-key');
  assert.equal(env['ZR_GATEWAY_HUB_CURVE_SECRET_KEY_FILE'], '/etc/zeek-relay/hub-curve/client-secret-key');
  // Keys are never given inline (they would show in the Deployment).
  for (const inline of ['HUB_CURVE_SERVER_KEY', 'HUB_CURVE_PUBLIC_KEY', 'HUB_CURVE_SECRET_KEY']) {
    assert.equal(env[`ZR_GATEWAY_${inline}`], undefined);
  }
  assert.deepEqual(pod.containers[0]?.volumeMounts, [
    { name: 'hub-curve', mountPath: '/etc/zeek-relay/hub-curve', readOnly: true },
  ]);
  // All three keys must exist (no `optional`): the operator's hub and sinks admit only the
  // Secret's client key, so an ephemeral gateway pair would be rejected.
  assert.deepEqual(pod.volumes, [
    {
      name: 'hub-curve',
      secret: {
        secretName: 'hub-keys',
        items: [
          { key: 'server-public-key', path: 'server-public-key' },
          { key: 'client-public-key', path: 'client-public-key' },
          { key: 'client-secret-key', path: 'client-secret-key' },
        ],
      },
    },
  ]);
});

test('the hub secret key never reaches the gateway pod, and every key file variable names a mounted file', () => {
  const pod = gatewayPod({ hub: { curveSecretName: 'hub-keys' } });
  const mounted = new Set<string>();
  for (const v of pod.volumes ?? []) {
    assert.equal(v.projected, undefined);
    assert.ok(v.secret?.items, 'no whole-Secret volume (it would carry server-secret-key)');
    assert.notEqual(v.secret.optional, true);
    const mount = pod.containers[0]?.volumeMounts?.find((m) => m.name === v.name);
    for (const i of v.secret.items) {
      assert.notEqual(i.key, 'server-secret-key');
      mounted.add(posix.join(mount?.mountPath ?? '?', i.path));
    }
  }
  const files = Object.entries(envOf(pod)).filter(([k]) => k.startsWith('ZR_GATEWAY_HUB_CURVE_'));
  assert.equal(files.length, 3);
  for (const [name, path] of files) assert.ok(mounted.has(path), `${name}=${path} is a mounted file`);
});

test('CURVE, TLS and tokens together: each has its own volume and mount', () => {
  const pod = gatewayPod({
    hub: { curveSecretName: 'hub-keys' },
    gateway: { tlsSecretName: 'gw-tls', tokenSecretName: 'gw-tokens' },
  });
  assert.deepEqual(
    pod.volumes?.map((v) => v.name),
    ['tls', 'tokens', 'hub-curve'],
  );
  assert.deepEqual(
    pod.containers[0]?.volumeMounts?.map((m) => m.mountPath),
    ['/etc/zeek-relay/tls', '/etc/zeek-relay/tokens', '/etc/zeek-relay/hub-curve'],
  );
  assert.equal(envOf(pod)['ZR_GATEWAY_TLS_CERT_FILE'], '/etc/zeek-relay/tls/tls.crt');
});
