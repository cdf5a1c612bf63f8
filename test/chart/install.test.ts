// The chart against a real control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok
// fake nodes; test/helpers/k8s): helm install -> operator Running, CRD Established; server-side dry
// run of every rendered variant and of deploy/; RBAC checked by the API server's authorizer; samples
// created; helm upgrade rolls the operator; helm uninstall keeps the CRD. Tests run in order.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixturePath } from '@zeek-relay/fixtures';
import {
  eventually as poll,
  freePort,
  startControlPlane,
  type ControlPlane,
  repoRoot,
} from '../helpers/k8s/index.js';
import { startService, waitHealthy } from '../images/service-process.js';
import { CHART_DIR, CI_VARIANTS, helm, variantFlags } from './helm.js';

const NS = 'zeek-relay';
const SAMPLES_NS = 'samples';
const SA = `system:serviceaccount:${NS}:zr-zeek-relay-operator`;
const root = repoRoot();
let cp: ControlPlane;
let firstSampleUid = '';

interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { env: { name: string; value?: string }[] }[] };
  status: { phase?: string };
}

const kube = (args: string[]): Promise<string> => cp.kubectl(args);
const helmIn = async (args: string[]): Promise<string> => {
  const res = await helm([...args, '--kubeconfig', cp.kubeconfigPath]);
  assert.equal(res.code, 0, `helm ${args.join(' ')}\n${res.stderr}`);
  return res.stdout;
};
const operatorPods = async (): Promise<Pod[]> =>
  (
    JSON.parse(
      await kube(['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/component=operator', '-o', 'json']),
    ) as {
      items: Pod[];
    }
  ).items.filter((p) => !p.metadata.deletionTimestamp);

/** `eventually` with this file's default hang guard (3 min) and a 500 ms poll. */
const eventually = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> =>
  poll(what, fn, timeoutMs, 500);

const runningPod = (): Promise<Pod> =>
  eventually('one Running operator pod', async () => {
    const pods = await operatorPods();
    return pods.length === 1 && pods[0]?.status.phase === 'Running' ? pods[0] : undefined;
  });

/**
 * `kubectl auth can-i` as the operator's ServiceAccount (the API server's RBAC authorizer decides).
 * `resource` may carry `#subresource` (kubectl's `--subresource`) and `/name`.
 */
async function can(verb: string, resource: string, ns?: string): Promise<boolean> {
  const [res, sub] = resource.split('#') as [string, string | undefined];
  const args = [
    'auth',
    'can-i',
    verb,
    res,
    '--as',
    SA,
    ...(sub ? ['--subresource', sub] : []),
    ...(ns ? ['-n', ns] : ['--all-namespaces']),
  ];
  try {
    return (await kube(args)).trim() === 'yes';
  } catch (err) {
    if (/^no\b/.test(String((err as { stdout?: string }).stdout ?? '').trim())) return false;
    throw err;
  }
}

describe('chart on a real control plane', { timeout: 60 * 60_000 }, () => {
  before(async () => {
    cp = await startControlPlane({ nodes: 2 });
  });
  after(async () => {
    await cp?.stop();
  });

  it('helm install: operator Running on a kwok node, CRD Established', async () => {
    // With the sample on: its post-install hook needs the CRD this same install has just created.
    await helmIn([
      'install',
      'zr',
      CHART_DIR,
      '-n',
      NS,
      '--create-namespace',
      '--set',
      'sample.enabled=true',
      '--wait',
      '--timeout',
      '5m',
    ]);
    const pod = await runningPod();
    assert.match(pod.spec.nodeName ?? '', /^kwok-node-/);
    await kube(['wait', '--for=condition=Established', '--timeout=60s', 'crd/zeekclusters.zeek-relay.io']);
    firstSampleUid = (
      JSON.parse(await kube(['get', 'zeekcluster/demo', '-n', NS, '-o', 'json'])) as {
        metadata: { uid: string };
      }
    ).metadata.uid;
    const status = JSON.parse(await helmIn(['status', 'zr', '-n', NS, '-o', 'json'])) as {
      info: { status: string; notes: string };
    };
    assert.equal(status.info.status, 'deployed');
    // NOTES.txt: how to create a cluster, read its conditions and reach the gateway.
    assert.match(status.info.notes, /kind: ZeekCluster/);
    assert.match(status.info.notes, /kubectl get zeekclusters -A/);
    assert.match(status.info.notes, /\.status\.conditions/);
    assert.match(status.info.notes, /port-forward service\/demo-gateway 27759:27759/);
  });

  it('server-side dry run (strict) of every ci/ variant, install.yaml and the samples', async () => {
    await kube(['create', 'namespace', 'zeek']);
    await kube(['create', 'namespace', SAMPLES_NS]);
    await kube(['apply', '--server-side', '-f', fixturePath('chart', 'monitoring-crds.yaml')]);
    await kube([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/servicemonitors.monitoring.coreos.com',
      'crd/podmonitors.monitoring.coreos.com',
    ]);
    for (const variant of ['(defaults)', ...CI_VARIANTS]) {
      const flags = variant === '(defaults)' ? [] : variantFlags(variant);
      const res = await helm(['template', 'dry', CHART_DIR, '--namespace', 'zeek', ...flags]);
      assert.equal(res.code, 0, res.stderr);
      const out = await cp.kubectl(
        ['apply', '--dry-run=server', '--validate=strict', '-n', 'zeek', '-f', '-'],
        res.stdout,
      );
      assert.match(out, /\(server dry run\)/, `${variant}: ${out}`);
    }
    await kube([
      'apply',
      '--dry-run=server',
      '--validate=strict',
      '-f',
      join(root, 'deploy', 'install.yaml'),
    ]);
    await kube([
      'apply',
      '--dry-run=server',
      '--validate=strict',
      '-n',
      SAMPLES_NS,
      '-f',
      join(root, 'deploy', 'samples'),
    ]);
  });

  it('RBAC: the operator may do what it manages and nothing else', async () => {
    const allowed: [string, string, string?][] = [
      ['list', 'zeekclusters.zeek-relay.io'],
      ['watch', 'zeekclusters.zeek-relay.io'],
      ['patch', 'zeekclusters.zeek-relay.io#status'],
      ['update', 'zeekclusters.zeek-relay.io#finalizers'],
      ['patch', 'statefulsets.apps'],
      ['create', 'jobs.batch', 'zeek'],
      ['create', 'deployments.apps', 'zeek'],
      ['delete', 'networkpolicies.networking.k8s.io', 'zeek'],
      ['patch', 'poddisruptionbudgets.policy'],
      ['patch', 'configmaps'],
      ['list', 'pods', 'zeek'],
      ['list', 'events', 'zeek'],
      ['create', 'events.events.k8s.io', 'zeek'],
      ['create', 'leases.coordination.k8s.io', NS],
      ['update', 'leases.coordination.k8s.io/zr-zeek-relay-operator', NS],
    ];
    const denied: [string, string, string?][] = [
      ['get', 'secrets'],
      ['list', 'secrets', 'zeek'],
      ['create', 'pods', 'zeek'],
      ['get', 'pods', 'zeek'],
      ['watch', 'pods'],
      ['delete', 'zeekclusters.zeek-relay.io'],
      ['patch', 'zeekclusters.zeek-relay.io'],
      ['patch', 'zeekclusters.zeek-relay.io#scale'],
      ['update', 'deployments.apps#scale'],
      ['update', 'leases.coordination.k8s.io/someone-else', NS],
      ['create', 'leases.coordination.k8s.io', 'zeek'],
      ['create', 'clusterroles.rbac.authorization.k8s.io'],
      ['create', 'serviceaccounts', 'zeek'],
      ['delete', 'customresourcedefinitions.apiextensions.k8s.io'],
    ];
    for (const [verb, resource, ns] of allowed)
      assert.equal(await can(verb, resource, ns), true, `${verb} ${resource} ${ns ?? ''} should be allowed`);
    for (const [verb, resource, ns] of denied)
      assert.equal(await can(verb, resource, ns), false, `${verb} ${resource} ${ns ?? ''} should be denied`);
  });

  it('kubectl apply -f deploy/samples/ creates ZeekClusters, with the CRD defaults applied by the server', async () => {
    await kube(['apply', '-n', SAMPLES_NS, '-f', join(root, 'deploy', 'samples')]);
    const list = JSON.parse(await kube(['get', 'zeekclusters', '-n', SAMPLES_NS, '-o', 'json'])) as {
      items: {
        metadata: { name: string };
        spec: { workers: { replicas: number; maxReplicas: number; capture: { mode: string } } };
      }[];
    };
    const byName = new Map(list.items.map((z) => [z.metadata.name, z.spec]));
    const sampleNames = readdirSync(join(root, 'deploy', 'samples')).length;
    assert.equal(sampleNames, 4);
    assert.deepEqual([...byName.keys()].sort(), ['demo', 'mirror', 'pcap-replay', 'zeek-prod']);
    assert.equal(byName.get('demo')?.workers.replicas, 2);
    assert.equal(byName.get('demo')?.workers.maxReplicas, 16, 'schema default');
    assert.equal(byName.get('demo')?.workers.capture.mode, 'af_packet', 'schema default');
    assert.equal(byName.get('pcap-replay')?.workers.capture.mode, 'pcap');
    assert.equal(byName.get('mirror')?.workers.capture.mode, 'udp');
    assert.equal(byName.get('zeek-prod')?.workers.maxReplicas, 64);
    // `kubectl scale` reaches the scale subresource the CRD declares.
    await kube(['scale', 'zeekcluster/demo', '-n', SAMPLES_NS, '--replicas=3']);
    const demo = JSON.parse(await kube(['get', 'zeekcluster/demo', '-n', SAMPLES_NS, '-o', 'json'])) as {
      spec: { workers: { replicas: number } };
    };
    assert.equal(demo.spec.workers.replicas, 3);
  });

  it('the real operator, configured as the chart deploys it and authorized only by its RBAC, reconciles a ZeekCluster', async () => {
    // A token of the chart's ServiceAccount: every API call below is checked against the chart's rules.
    const token = (
      await kube(['create', 'token', 'zr-zeek-relay-operator', '-n', NS, '--duration=1h'])
    ).trim();
    const dir = mkdtempSync(join(tmpdir(), 'zr-chart-operator-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'c',
            cluster: {
              server: cp.server,
              'certificate-authority-data': readFileSync(cp.caCertPath).toString('base64'),
            },
          },
        ],
        users: [{ name: 'sa', user: { token } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'sa' } }],
        'current-context': 'c',
      }),
    );
    const deployment = JSON.parse(
      await kube(['get', 'deployment', 'zr-zeek-relay-operator', '-n', NS, '-o', 'json']),
    ) as {
      spec: {
        template: {
          spec: {
            containers: {
              env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
            }[];
          };
        };
      };
    };
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    for (const e of deployment.spec.template.spec.containers[0]?.env ?? []) {
      // The API server drops empty `value`s: an entry with neither value nor valueFrom is "".
      const field = e.valueFrom?.fieldRef?.fieldPath;
      env[e.name] =
        field === undefined ? (e.value ?? '') : field === 'metadata.namespace' ? NS : 'zr-operator-test';
    }
    const health = await freePort();
    Object.assign(env, {
      ZR_OPERATOR_KUBECONFIG: kubeconfig,
      ZR_OPERATOR_HEALTH_HOST: '127.0.0.1',
      ZR_OPERATOR_HEALTH_PORT: String(health),
    });
    const operator = startService('services/operator/dist/src/main.js', { cwd: root, env });
    try {
      // Ready = holds the Lease (create/get/update in the release namespace) and every informer synced
      // (list/watch of each managed kind, cluster-wide).
      await waitHealthy(`http://127.0.0.1:${health}/readyz`, operator, 120_000);
      await kube(['create', 'namespace', 'rbac-check']);
      await kube(['apply', '-n', 'rbac-check', '-f', join(root, 'deploy', 'samples', 'minimal.yaml')]);
      const zc = await eventually(
        'demo reconciled with status written',
        async () => {
          const z = JSON.parse(await kube(['get', 'zeekcluster/demo', '-n', 'rbac-check', '-o', 'json'])) as {
            metadata: { generation: number };
            status?: { observedGeneration?: number; conditions?: { type: string }[] };
          };
          return z.status?.observedGeneration === z.metadata.generation &&
            (z.status.conditions?.length ?? 0) > 0
            ? z
            : undefined;
        },
        90_000,
      );
      assert.ok(zc.status?.conditions?.some((c) => c.type === 'Ready'));
      const children = (
        await kube([
          'get',
          'deployments,statefulsets,services,configmaps',
          '-n',
          'rbac-check',
          '-l',
          'app.kubernetes.io/instance=demo',
          '-o',
          'name',
        ])
      )
        .trim()
        .split('\n');
      for (const child of [
        'deployment.apps/demo-hub',
        'deployment.apps/demo-gateway',
        'statefulset.apps/demo-log-sink',
        'service/demo-gateway',
      ]) {
        assert.ok(children.includes(child), `${child} not created; have ${children.join(', ')}`);
      }
      // The images the chart passes (skaffold's values) reach the workloads the operator creates.
      const image = async (kind: string, name: string): Promise<string> =>
        kube([
          'get',
          kind,
          name,
          '-n',
          'rbac-check',
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image}',
        ]);
      assert.equal(await image('deployment', 'demo-hub'), env.ZR_OPERATOR_HUB_IMAGE);
      assert.equal(await image('deployment', 'demo-gateway'), env.ZR_OPERATOR_GATEWAY_IMAGE);
      assert.equal(await image('statefulset', 'demo-log-sink'), env.ZR_OPERATOR_LOG_SINK_IMAGE);
      assert.equal(await image('deployment', 'demo-manager'), 'zeek/zeek:8.0.10');
      // The production-like sample (applied earlier) turns on NetworkPolicies and PDBs: kinds only
      // the chart's networking.k8s.io and policy rules allow.
      await eventually(
        'zeek-prod NetworkPolicy and PDBs',
        async () => {
          const out = await kube([
            'get',
            'networkpolicies,poddisruptionbudgets',
            '-n',
            SAMPLES_NS,
            '-l',
            'app.kubernetes.io/instance=zeek-prod',
            '-o',
            'name',
          ]);
          const names = out.trim().split('\n');
          return names.some((n) => n.startsWith('networkpolicy')) &&
            names.some((n) => n.startsWith('poddisruptionbudget'))
            ? names
            : undefined;
        },
        60_000,
      );
      // The operator metrics the Grafana dashboard queries are the ones it exports.
      const metrics = await (await fetch(`http://127.0.0.1:${health}/metrics`)).text();
      const families = new Set([...metrics.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
      const board = readFileSync(join(CHART_DIR, 'files', 'grafana-dashboard.json'), 'utf8');
      const wanted = [...new Set(board.match(/zeek_relay_operator_[a-z_]+/g) ?? [])];
      assert.ok(wanted.length > 0);
      for (const name of wanted) {
        assert.ok(
          families.has(name.replace(/_(bucket|sum|count)$/, '')),
          `operator does not export ${name}; it has ${[...families].join(', ')}`,
        );
      }
      assert.doesNotMatch(
        operator.output(),
        /forbidden|\b403\b/i,
        "an API call was denied by the chart's RBAC",
      );
    } catch (err) {
      throw new Error(
        `${String(err)}\noperator output (last 4000 chars):\n${operator.output().slice(-4000)}`,
      );
    } finally {
      operator.kill();
      await operator.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('helm upgrade with a changed value rolls the operator', async () => {
    const before = await runningPod();
    await helmIn([
      'upgrade',
      'zr',
      CHART_DIR,
      '-n',
      NS,
      '--set',
      'operator.logLevel=debug',
      '--wait',
      '--timeout',
      '5m',
    ]);
    const after = await eventually('a new operator pod', async () => {
      const pod = await runningPod();
      return pod.metadata.uid !== before.metadata.uid ? pod : undefined;
    });
    const env = new Map(after.spec.containers[0]?.env.map((e) => [e.name, e.value]));
    assert.equal(env.get('ZR_OPERATOR_LOG_LEVEL'), 'debug');
    const history = JSON.parse(await helmIn(['history', 'zr', '-n', NS, '-o', 'json'])) as {
      revision: number;
      status: string;
    }[];
    assert.deepEqual(
      history.map((h) => [h.revision, h.status]),
      [
        [1, 'superseded'],
        [2, 'deployed'],
      ],
    );
  });

  it('helm uninstall removes the operator but keeps the CRD and every ZeekCluster', async () => {
    await helmIn(['uninstall', 'zr', '-n', NS, '--wait', '--timeout', '5m']);
    await eventually('operator Deployment gone', async () => {
      const out = await kube([
        'get',
        'deployments',
        '-n',
        NS,
        '-l',
        'app.kubernetes.io/instance=zr',
        '-o',
        'name',
      ]);
      return out.trim() === '' ? true : undefined;
    });
    assert.equal(
      (await kube(['get', 'clusterroles', '-l', 'app.kubernetes.io/instance=zr', '-o', 'name'])).trim(),
      '',
    );
    await kube(['wait', '--for=condition=Established', '--timeout=10s', 'crd/zeekclusters.zeek-relay.io']);
    const names = (await kube(['get', 'zeekclusters', '-n', SAMPLES_NS, '-o', 'name']))
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(names, [
      'zeekcluster.zeek-relay.io/demo',
      'zeekcluster.zeek-relay.io/mirror',
      'zeekcluster.zeek-relay.io/pcap-replay',
      'zeekcluster.zeek-relay.io/zeek-prod',
    ]);
  });

  it('reinstall adopts the kept CRD; sample.enabled creates the sample once, upgrades leave it alone', async () => {
    await helmIn([
      'install',
      'zr',
      CHART_DIR,
      '-n',
      NS,
      '--set',
      'sample.enabled=true',
      '--wait',
      '--timeout',
      '5m',
    ]);
    await runningPod();
    const sample = async (): Promise<{ metadata: { uid: string; annotations: Record<string, string> } }> =>
      JSON.parse(await kube(['get', 'zeekcluster/demo', '-n', NS, '-o', 'json'])) as {
        metadata: { uid: string; annotations: Record<string, string> };
      };
    const created = await sample();
    assert.equal(created.metadata.annotations['helm.sh/hook'], 'post-install');
    assert.notEqual(created.metadata.uid, firstSampleUid, 'the sample left by the first release is replaced');
    await helmIn([
      'upgrade',
      'zr',
      CHART_DIR,
      '-n',
      NS,
      '--reuse-values',
      '--set',
      'operator.logLevel=warn',
      '--wait',
      '--timeout',
      '5m',
    ]);
    assert.equal((await sample()).metadata.uid, created.metadata.uid, 'the upgrade re-created the sample');
    await helmIn(['uninstall', 'zr', '-n', NS, '--wait', '--timeout', '5m']);
    assert.equal((await sample()).metadata.uid, created.metadata.uid, 'uninstall keeps the sample');
  });
});
