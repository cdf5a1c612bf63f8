import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertZeekSupports, buildDesired } from '../../src/controller/reconcile.js';
import { imageTagVersion, resolveZeekVersion } from '../../src/controller/resources/zeek-version.js';
import { cluster, IMAGES, observe } from '../helpers.js';

type Env = { name: string; value?: string }[];
const envOf = (objs: readonly { kind: string; metadata: { name: string } }[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name) as unknown as {
    spec: { template: { spec: { containers: { env: Env }[] } } };
  };
  return Object.fromEntries(o.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));
};
const policyOf = (objs: readonly { kind: string }[]): string =>
  (objs.find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> }).data[
    'zeek-relay.zeek'
  ] ?? '';

test('the version in an image tag: full, line, v-prefixed, with a suffix; none for latest or a digest', () => {
  assert.equal(imageTagVersion('zeek/zeek:8.2.2')?.text, '8.2.2');
  assert.equal(imageTagVersion('registry:5000/zeek/zeek:8.1')?.text, '8.1');
  assert.equal(imageTagVersion('zeek:v9.0.0')?.text, '9.0.0');
  assert.equal(imageTagVersion('zeek/zeek:8.0.10-debug')?.text, '8.0.10');
  assert.equal(imageTagVersion('zeek/zeek:latest'), undefined);
  assert.equal(imageTagVersion('zeek/zeek@sha256:' + 'a'.repeat(64)), undefined);
  assert.equal(imageTagVersion('registry:5000/zeek'), undefined, 'a registry port is not a tag');
  assert.equal(imageTagVersion('zeek/zeek:7.2.1'), undefined, 'not a line zeek-relay speaks to');
});

test('the rule: spec.zeekVersion, else the image tag, else the operator setting', () => {
  assert.deepEqual(
    [
      resolveZeekVersion('8.1', 'zeek/zeek:8.2.2', '8.2'),
      resolveZeekVersion(undefined, 'zeek/zeek:8.0.4', '8.2'),
      resolveZeekVersion(undefined, 'zeek/zeek:latest', '9.0'),
    ].map((r) => [r.version.text, r.source]),
    [
      ['8.1', 'spec'],
      ['8.0.4', 'image'],
      ['9.0', 'operator'],
    ],
  );
});

test('the same version reaches the log sink, the gateway, the hub and the status', () => {
  const d = buildDesired(cluster({ image: 'zeek/zeek:8.2.2' }), IMAGES, observe());
  assert.equal(envOf(d.objects, 'StatefulSet', 'demo-log-sink')['ZR_SINK_ZEEK_VERSION'], '8.2.2');
  assert.equal(envOf(d.objects, 'Deployment', 'demo-gateway')['ZR_GATEWAY_ZEEK_VERSION'], '8.2.2');
  assert.equal(envOf(d.objects, 'Deployment', 'demo-hub')['ZR_HUB_ZEEK_VERSION'], '8.2.2');
  assert.deepEqual([d.zeek.version.text, d.zeek.source], ['8.2.2', 'image']);
  const pinned = buildDesired(cluster({ image: 'zeek/zeek:8.2.2', zeekVersion: '8.0.0' }), IMAGES, observe());
  assert.equal(envOf(pinned.objects, 'StatefulSet', 'demo-log-sink')['ZR_SINK_ZEEK_VERSION'], '8.0.0');
});

test('8.0 loads zeromq/connect, 8.1+ the package; ipv6 is always explicit (default changed in 8.1.2)', () => {
  const v80 = policyOf(buildDesired(cluster({ zeekVersion: '8.0' }), IMAGES, observe()).objects);
  assert.match(v80, /^@load frameworks\/cluster\/backend\/zeromq\/connect$/m);
  for (const v of ['8.1', '8.2', '9.0']) {
    const p = policyOf(buildDesired(cluster({ zeekVersion: v }), IMAGES, observe()).objects);
    assert.match(p, /^@load frameworks\/cluster\/backend\/zeromq$/m, v);
    assert.match(p, /^redef Cluster::Backend::ZeroMQ::ipv6 = F;$/m, v);
  }
  const v6 = policyOf(buildDesired(cluster({ ipFamily: 'IPv6' }), IMAGES, observe()).objects);
  assert.match(v6, /^redef Cluster::Backend::ZeroMQ::ipv6 = T;$/m);
});

test('a version change re-hashes the Zeek configuration (nodes restart in order)', () => {
  const a = buildDesired(cluster({ zeekVersion: '8.0' }), IMAGES, observe());
  const b = buildDesired(cluster({ zeekVersion: '8.2' }), IMAGES, observe());
  assert.notEqual(a.configHash, b.configHash);
});

test('udp mode is refused below Zeek 9.0 with reason UnsupportedByZeekVersion, accepted on 9.0', () => {
  const spec = { workers: { capture: { mode: 'udp' } } };
  assert.throws(
    () => assertZeekSupports(cluster({ ...spec, image: 'zeek/zeek:8.2.2' }), IMAGES),
    (err: { code?: string; reason?: string; message?: string }) =>
      err.code === 'ZR_OPERATOR_INVALID_SPEC' &&
      err.reason === 'UnsupportedByZeekVersion' &&
      /needs Zeek 9\.0/.test(err.message ?? ''),
  );
  assert.doesNotThrow(() => assertZeekSupports(cluster({ ...spec, image: 'zeek/zeek:9.0.0' }), IMAGES));
  assert.doesNotThrow(() => assertZeekSupports(cluster({ ...spec, zeekVersion: '9.0' }), IMAGES));
});
