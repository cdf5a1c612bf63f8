// The zeek-sim image's reader of the operator's generated Zeek scripts: it finds the node types
// and endpoints in what the operator really generates today, and in other forms the generated
// text may take per Zeek version (comments, `+=`, set syntax, logger ports in the layout).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { buildDesired, validateSpec, type ZeekCluster } from '@zeek-relay/operator';
import { logEndpoints, parseZeekScripts } from '../helpers/images/zeek-sim/zeek-scripts.js';

const zc: ZeekCluster = {
  apiVersion: 'zeek-relay.io/v1alpha1',
  kind: 'ZeekCluster',
  metadata: { name: 'demo', namespace: 'ns', uid: 'u1', generation: 1 },
  spec: validateSpec({
    workers: { replicas: 2, maxReplicas: 3 },
    proxies: { replicas: 1 },
    logSinks: { replicas: 2 },
    hub: { xpubPort: 31000, xsubPort: 31001 },
  }),
};

describe('zeek-sim reads the generated scripts', () => {
  it("the operator's ConfigMap: layout roles, hub endpoints (crossed), every sink", () => {
    const images = {
      zeek: 'z',
      hub: 'h',
      gateway: 'g',
      logSink: 'l',
      pullPolicy: 'Never' as const,
      zeekVersion: '8.2',
    };
    const cm = buildDesired(zc, images, { get: () => undefined }).objects.find(
      (o) => o.kind === 'ConfigMap',
    ) as unknown as {
      data: Record<string, string>;
    };
    const s = parseZeekScripts(Object.values(cm.data).join('\n'));
    assert.deepEqual(
      [...s.nodes].map(([n, v]) => `${n}:${v.role}`),
      [
        'manager:manager',
        'proxy-1:proxy',
        // The sinks are not Zeek nodes: no LOGGER entries (each would add a tcp://…:0 endpoint).
        'worker-1:worker',
        'worker-2:worker',
        'worker-3:worker',
      ],
    );
    // A node's XPUB connects to the hub's XSUB port and vice versa.
    assert.equal(s.xpub, 'tcp://demo-hub.ns.svc:31001');
    assert.equal(s.xsub, 'tcp://demo-hub.ns.svc:31000');
    assert.deepEqual(logEndpoints(s), [
      'tcp://demo-log-sink-0.demo-log-sink.ns.svc:27764',
      'tcp://demo-log-sink-1.demo-log-sink.ns.svc:27764',
    ]);
  });

  it('tolerates comments, += and set syntax, and falls back to the layout’s logger ports', () => {
    const s = parseZeekScripts(
      [
        '# redef Cluster::Backend::ZeroMQ::connect_xpub_endpoint = "tcp://commented:1";',
        '@load frameworks/cluster/backend/zeromq',
        'redef Cluster::Backend::ZeroMQ::connect_xpub_endpoint = "tcp://hub:1"; # trailing comment',
        'redef Cluster::Backend::ZeroMQ::connect_xsub_endpoint="tcp://hub:2";',
        'redef Cluster::Backend::ZeroMQ::connect_log_endpoints = set("tcp://a:3");',
        'redef Cluster::Backend::ZeroMQ::connect_log_endpoints += { "tcp://b:4" };',
        'redef Cluster::nodes = { ["manager"] = [$node_type=Cluster::MANAGER, $ip=10.0.0.1],',
        '  ["logger-1"] = [$node_type = Cluster::LOGGER, $ip=127.0.0.1, $p=27764/tcp, $manager="manager"] };',
      ].join('\n'),
    );
    assert.equal(s.xpub, 'tcp://hub:1');
    assert.equal(s.xsub, 'tcp://hub:2');
    assert.deepEqual(logEndpoints(s), ['tcp://a:3', 'tcp://b:4']);
    const older = parseZeekScripts(
      'redef Cluster::nodes = { ["logger-1"] = [$node_type=Cluster::LOGGER, $ip=127.0.0.1, $p=27764/tcp] };',
    );
    assert.deepEqual(logEndpoints(older), ['tcp://127.0.0.1:27764']);
    assert.equal(older.xpub, undefined);
  });
});

describe('the zeek stand-in refuses what it cannot play, with a clear message and exit 1', () => {
  const zeek = fileURLToPath(new URL('../helpers/images/zeek-sim/zeek.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'zr-zeek-sim-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'cluster-layout.zeek'),
    'redef Cluster::nodes = { ["logger-1"] = [$node_type=Cluster::LOGGER, $ip=127.0.0.1, $p=27764/tcp] };\n',
  );
  const run = (env: Record<string, string>): { status: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, [zeek, 'zeek-relay.zeek', 'local'], {
      env: { PATH: process.env['PATH'] ?? '', ZEEKPATH: dir, ...env },
      encoding: 'utf8',
    });
    return { status: r.status, stderr: r.stderr };
  };

  for (const [what, env, message] of [
    ['no CLUSTER_NODE (a standalone Zeek)', {}, /CLUSTER_NODE is not set/],
    ['a node missing from the layout', { CLUSTER_NODE: 'worker-9' }, /worker-9 is not in Cluster::nodes/],
    ['a logger', { CLUSTER_NODE: 'logger-1' }, /loggers are played by the log sink/],
  ] as const) {
    it(what, () => {
      const r = run(env);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
    });
  }
});
