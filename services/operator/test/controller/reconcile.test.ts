import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDesired } from '../../src/controller/reconcile.js';
import { cluster, IMAGES, observe } from '../helpers.js';

const find = (objs: readonly { kind: string; metadata: { name: string } }[], kind: string, name: string) =>
  objs.find((o) => o.kind === kind && o.metadata.name === name);

test('a default cluster yields every child, in apply order, owned by the ZeekCluster', () => {
  const d = buildDesired(cluster({ workers: { replicas: 2 } }), IMAGES, observe());
  const ids = d.objects.map((o) => `${o.kind}/${o.metadata.name}`);
  assert.deepEqual(ids, [
    'ConfigMap/demo-zeek',
    'Service/demo-hub',
    'Deployment/demo-hub',
    'Service/demo-log-sink',
    'StatefulSet/demo-log-sink',
    'Service/demo-gateway',
    'Deployment/demo-gateway',
    'Deployment/demo-manager',
    'StatefulSet/demo-proxy',
    'StatefulSet/demo-worker',
    'PodDisruptionBudget/demo-hub',
    'PodDisruptionBudget/demo-log-sink',
    'PodDisruptionBudget/demo-gateway',
  ]);
  for (const o of d.objects) {
    assert.equal(o.metadata.namespace, 'ns');
    assert.deepEqual(o.metadata.ownerReferences, [
      {
        apiVersion: 'zeek-relay.io/v1alpha1',
        kind: 'ZeekCluster',
        name: 'demo',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'demo');
  }
});

test('the layout lists only Zeek nodes: manager, proxies and maxReplicas worker slots (no sinks)', () => {
  const d = buildDesired(
    cluster({
      workers: { replicas: 3, maxReplicas: 4 },
      logSinks: { replicas: 2 },
      proxies: { replicas: 1 },
    }),
    IMAGES,
    observe(),
  );
  const cm = find(d.objects, 'ConfigMap', 'demo-zeek') as unknown as { data: Record<string, string> };
  const layout = cm.data['cluster-layout.zeek'] ?? '';
  const names = [...layout.matchAll(/\["([a-z0-9-]+)"\]/g)].map((m) => m[1]);
  assert.deepEqual(names, ['manager', 'proxy-1', 'worker-1', 'worker-2', 'worker-3', 'worker-4']);
  assert.doesNotMatch(layout, /LOGGER/);
  // Zeek decides manager_is_logger with @if right after loading the layout: it must be here.
  assert.match(layout, /^redef Cluster::manager_is_logger = F;$/m);
  assert.match(layout, /\["worker-4"\] = \[\$node_type=Cluster::WORKER/);
  const policy = cm.data['zeek-relay.zeek'] ?? '';
  // IMAGES runs zeek/zeek:8.0.4: 8.0 needs the connect script to start the backend.
  assert.match(policy, /^@load frameworks\/cluster\/backend\/zeromq\/connect$/m);
  // Nodes publish into the hub's XSUB port (27761) and subscribe at its XPUB port (27760).
  assert.match(policy, /connect_xpub_endpoint = "tcp:\/\/demo-hub\.ns\.svc:27761";/);
  assert.match(policy, /connect_xsub_endpoint = "tcp:\/\/demo-hub\.ns\.svc:27760";/);
  assert.match(policy, /run_proxy_thread = F;/);
  assert.match(
    policy,
    /connect_log_endpoints = vector\("tcp:\/\/demo-log-sink-0\.demo-log-sink\.ns\.svc:27764", "tcp:\/\/demo-log-sink-1\.demo-log-sink\.ns\.svc:27764"\);/,
  );
});

test('scaling within maxReplicas changes only the worker StatefulSet', () => {
  const a = buildDesired(cluster({ workers: { replicas: 2, maxReplicas: 16 } }), IMAGES, observe());
  const b = buildDesired(cluster({ workers: { replicas: 16, maxReplicas: 16 } }), IMAGES, observe());
  assert.equal(a.configHash, b.configHash);
  const changed = a.objects
    .filter((o, i) => JSON.stringify(o) !== JSON.stringify(b.objects[i]))
    .map((o) => `${o.kind}/${o.metadata.name}`);
  assert.deepEqual(changed, ['StatefulSet/demo-worker']);
});

test('scaling past maxReplicas grows the layout (new config hash)', () => {
  const a = buildDesired(cluster({ workers: { replicas: 16, maxReplicas: 16 } }), IMAGES, observe());
  const b = buildDesired(cluster({ workers: { replicas: 17, maxReplicas: 16 } }), IMAGES, observe());
  assert.notEqual(a.configHash, b.configHash);
});

test('workers: Parallel pods, CLUSTER_NODE from the pod index, af_packet with host network', () => {
  const d = buildDesired(
    cluster({ workers: { replicas: 2, capture: { interface: 'ens5' } } }),
    IMAGES,
    observe(),
  );
  const sts = find(d.objects, 'StatefulSet', 'demo-worker') as unknown as {
    spec: {
      replicas: number;
      podManagementPolicy: string;
      template: {
        spec: Record<string, unknown> & {
          containers: { command: string[]; image: string; securityContext?: unknown }[];
        };
      };
    };
  };
  assert.equal(sts.spec.replicas, 2);
  assert.equal(sts.spec.podManagementPolicy, 'Parallel');
  assert.equal(sts.spec.template.spec['hostNetwork'], true);
  const c = sts.spec.template.spec.containers[0]!;
  assert.equal(c.image, 'zeek/zeek:8.0.4');
  assert.match(c.command[2] ?? '', /CLUSTER_NODE=worker-\$\(\(POD_INDEX \+ 1\)\)/);
  assert.match(c.command[2] ?? '', /'-i' 'af_packet::ens5' 'zeek-relay\.zeek' 'local'/);
  assert.deepEqual(c.securityContext, { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } });
});

test('pcap mode: one Job reads the trace once as worker-1, without host network', () => {
  const d = buildDesired(
    cluster({ workers: { capture: { mode: 'pcap', pcap: { file: 'trace.pcap', claimName: 'pcaps' } } } }),
    IMAGES,
    observe(),
  );
  assert.equal(find(d.objects, 'StatefulSet', 'demo-worker'), undefined);
  const job = d.objects.find((o) => o.kind === 'Job') as unknown as {
    metadata: { name: string };
    spec: {
      backoffLimit: number;
      completions: number;
      template: {
        spec: Record<string, unknown> & { containers: { command: string[]; env: { name: string }[] }[] };
      };
    };
  };
  assert.match(job.metadata.name, /^demo-offline-[0-9a-f]{10}$/);
  assert.equal(job.spec.backoffLimit, 0);
  assert.equal(job.spec.completions, 1);
  assert.equal(job.spec.template.spec['restartPolicy'], 'Never');
  assert.equal(job.spec.template.spec['hostNetwork'], undefined);
  const c = job.spec.template.spec.containers[0]!;
  assert.match(c.command[2] ?? '', /CLUSTER_NODE=worker-1;/);
  assert.match(
    c.command[2] ?? '',
    /'-r' '\/pcap\/trace\.pcap' 'zeek-relay\.zeek' 'local' 'zeek-relay-offline\.zeek'/,
  );
  assert.ok(!c.env.some((e) => e.name === 'POD_INDEX'), 'a Job pod has no StatefulSet pod index');
});

test('pcap mode: an absolute pcap.file is used as given (no /pcap//pcap/…)', () => {
  const d = buildDesired(
    cluster({
      workers: { capture: { mode: 'pcap', pcap: { file: '/pcap/trace.pcap', claimName: 'pcaps' } } },
    }),
    IMAGES,
    observe(),
  );
  const job = d.objects.find((o) => o.kind === 'Job') as unknown as {
    spec: { template: { spec: { containers: { command: string[] }[] } } };
  };
  const cmd = job.spec.template.spec.containers[0]?.command[2] ?? '';
  assert.match(cmd, /'-r' '\/pcap\/trace\.pcap'/);
  assert.doesNotMatch(cmd, /\/pcap\/\/pcap/);
});

test('gateway disabled, no proxies, network policy on', () => {
  const d = buildDesired(
    cluster({ gateway: { enabled: false }, proxies: { replicas: 0 }, networkPolicy: { enabled: true } }),
    IMAGES,
    observe(),
  );
  const ids = d.objects.map((o) => `${o.kind}/${o.metadata.name}`);
  assert.ok(!ids.some((i) => i.includes('gateway') || i.includes('proxy')));
  assert.ok(ids.includes('NetworkPolicy/demo-internal'));
});

test('log sinks get the sink service settings from the spec', () => {
  const d = buildDesired(
    cluster({
      logSinks: {
        formats: ['json'],
        rotation: { interval: '15m', maxSizeMiB: 2 },
        otlpEndpoint: 'http://otel:4318/v1/logs',
        intake: 'zmtp',
      },
    }),
    IMAGES,
    observe(),
  );
  const sts = find(d.objects, 'StatefulSet', 'demo-log-sink') as unknown as {
    spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
  };
  const env = Object.fromEntries(
    (sts.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]),
  );
  assert.deepEqual(env, {
    ZR_SINK_PULL_ENDPOINT: 'tcp://0.0.0.0:27764',
    ZR_SINK_HTTP_PORT: '9914',
    ZR_SINK_LOG_DIR: '/var/log/zeek',
    ZR_SINK_ZEEK_VERSION: '8.0.4',
    ZR_SINK_OUTPUTS: 'json,otlp',
    ZR_SINK_ROTATION_INTERVAL_SECONDS: '900',
    ZR_SINK_ROTATION_MAX_BYTES: '2097152',
    ZR_SINK_OTLP_URL: 'http://otel:4318/v1/logs',
    ZR_SINK_INTAKE: 'zmtp',
  });
});

test('images: operator configuration, overridden per cluster', () => {
  const image = (objs: readonly { kind: string; metadata: { name: string } }[], kind: string, name: string) =>
    (
      find(objs, kind, name) as unknown as {
        spec: { template: { spec: { containers: { image: string }[] } } };
      }
    ).spec.template.spec.containers[0]?.image;
  const plain = buildDesired(cluster(), IMAGES, observe()).objects;
  assert.deepEqual(
    [
      image(plain, 'Deployment', 'demo-hub'),
      image(plain, 'Deployment', 'demo-gateway'),
      image(plain, 'StatefulSet', 'demo-log-sink'),
      image(plain, 'StatefulSet', 'demo-worker'),
    ],
    ['r/hub:1', 'r/gateway:1', 'r/log-sink:1', 'zeek/zeek:8.0.4'],
  );
  const custom = buildDesired(
    cluster({ image: 'zeek/zeek:9.0.0', images: { hub: 'my/hub:2', logSink: 'my/sink:2' } }),
    IMAGES,
    observe(),
  ).objects;
  assert.deepEqual(
    [
      image(custom, 'Deployment', 'demo-hub'),
      image(custom, 'Deployment', 'demo-gateway'),
      image(custom, 'StatefulSet', 'demo-log-sink'),
      image(custom, 'Deployment', 'demo-manager'),
    ],
    ['my/hub:2', 'r/gateway:1', 'my/sink:2', 'zeek/zeek:9.0.0'],
  );
});

test("spec.hub.forwarding, slowSubscriber and curveSealThreads reach the hub's environment only when set", () => {
  const hubEnv = (spec: unknown): Record<string, string> => {
    const hub = find(
      buildDesired(cluster(spec), IMAGES, observe()).objects,
      'Deployment',
      'demo-hub',
    ) as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
    };
    return Object.fromEntries(hub.spec.template.spec.containers[0]!.env.map((e) => [e.name, e.value]));
  };
  const unset = hubEnv({});
  assert.equal(unset['ZR_HUB_FORWARDING'], undefined);
  assert.equal(unset['ZR_HUB_SLOW_SUBSCRIBER'], undefined);
  assert.equal(unset['ZR_HUB_CURVE_SEAL_THREADS'], undefined);
  const set = hubEnv({ hub: { forwarding: 'zmtp', slowSubscriber: 'block', curveSealThreads: 0 } });
  assert.equal(set['ZR_HUB_FORWARDING'], 'zmtp');
  assert.equal(set['ZR_HUB_SLOW_SUBSCRIBER'], 'block');
  assert.equal(set['ZR_HUB_CURVE_SEAL_THREADS'], '0');
  assert.throws(() => cluster({ hub: { forwarding: 'fast' } }));
  assert.throws(() => cluster({ hub: { slowSubscriber: 'never' } }));
  assert.throws(() => cluster({ hub: { curveSealThreads: -1 } }));
  assert.throws(() => cluster({ hub: { curveSealThreads: 1.5 } }));
});
