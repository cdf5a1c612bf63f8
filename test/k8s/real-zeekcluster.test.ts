// End to end on the real node, as a user would (issue #12): `helm install` the chart (the operator
// runs as a real pod under the chart's RBAC), `kubectl apply` deploy/samples/minimal.yaml, wait for
// Ready, traffic through the gateway Service and logs on the sink's volume, scale, roll out,
// replace the operator mid-scale, `helm test`, `helm uninstall`. The images are built from this
// work tree (test/helpers/images); Zeek itself is played by the zeek-sim image (the project's
// simulator behind a `zeek` command), selected by the ZeekCluster's `spec.image`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ZeekClient } from '@zeek-relay/client';
import { startControlPlane, type ControlPlane } from '../helpers/k8s/control-plane.js';
import { realNodeSkipReason } from '../helpers/k8s/real-node.js';
import { ensureImages, imagesUnavailable, type TestImages } from '../helpers/images/index.js';
import { helm } from '../chart/helm.js';
import {
  createSinkVolumes,
  helmInstallChart,
  hubNodes,
  minimalSample,
  pods,
  recordCount,
  routed,
  tsvLogs,
  until,
  waitCondition,
  type PodState,
} from './real-e2e.js';
import { recordPodAdds } from './operator-harness.js';

const skip = (await realNodeSkipReason()) ?? imagesUnavailable();
const NS = 'zeek-relay';
const RELEASE = 'zeek-relay';
const CLUSTER = 'demo';

describe('a ZeekCluster on the real node, end to end', { skip }, () => {
  let cp: ControlPlane;
  let images: TestImages;
  let sinkDirs: string[];
  const timings: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[name] = Date.now() - t0;
      process.stderr.write(`[real-e2e] ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  };
  const k = (args: readonly string[], stdin?: string): Promise<string> =>
    cp.kubectl(['-n', NS, ...args], stdin);
  const h = async (args: readonly string[]): Promise<string> => {
    const res = await helm([...args, '--kubeconfig', cp.kubeconfigPath, '-n', NS]);
    if (res.code !== 0) throw new Error(`helm ${args[0]} failed: ${res.stderr}`);
    return res.stdout;
  };
  const zeekPods = async (): Promise<PodState[]> =>
    (await pods(cp, NS)).filter((p) => ['manager', 'proxy', 'worker'].includes(p.component));

  before(async () => {
    const log = (l: string): boolean => process.stderr.write(`[real-e2e] ${l}\n`);
    [cp, images] = await step('cluster start + image build (parallel)', () =>
      Promise.all([startControlPlane({ tier: 'node', log }), ensureImages()]),
    );
    await step('image import', async () => {
      for (const i of [images.hub, images.gateway, images.logSink, images.operator, images.zeekSim])
        await cp.node!.importImage(i.archive);
    });
    sinkDirs = await createSinkVolumes(cp, 2);
  });
  after(async () => {
    process.stderr.write(`[real-e2e] memory (KiB RSS): ${JSON.stringify(cp?.node?.memory())}\n`);
    process.stderr.write(`[real-e2e] timings (ms): ${JSON.stringify(timings)}\n`);
    await cp?.stop();
  });

  it('1. helm install: the operator runs as a real pod under the chart RBAC', async () => {
    await step('helm install --wait', () => helmInstallChart(cp, NS, RELEASE, images));
    const op = (await pods(cp, NS)).filter((p) => p.component === 'operator');
    assert.equal(op.length, 1);
    assert.ok(op[0]!.ready && op[0]!.phase === 'Running', JSON.stringify(op));
    const spec = JSON.parse(await k(['get', 'pod', op[0]!.name, '-o', 'json'])) as {
      spec: { serviceAccountName: string };
    };
    assert.equal(spec.spec.serviceAccountName, `${RELEASE}-operator`);
  });

  it('2. kubectl apply minimal.yaml: Ready, every pod Running and Ready', async () => {
    await k(['apply', '-f', '-'], minimalSample(images.zeekSim.ref));
    await step('apply → Ready', () => waitCondition(cp, NS, CLUSTER, 'Ready'));
    const all = await pods(cp, NS);
    for (const c of ['hub', 'gateway', 'log-sink', 'manager', 'proxy', 'worker']) {
      const of = all.filter((p) => p.component === c);
      assert.ok(of.length > 0, `a ${c} pod exists`);
      for (const p of of) assert.ok(p.phase === 'Running' && p.ready, `${p.name} Running+Ready`);
    }
    assert.equal(all.filter((p) => p.component === 'worker').length, 2);
  });

  it('3. events reach a WebSocket client through the gateway Service; logs reach the sink volume as TSV', async () => {
    const svc = JSON.parse(await k(['get', 'svc', `${CLUSTER}-gateway`, '-o', 'json'])) as {
      spec: { clusterIP: string; ports: { port: number }[] };
    };
    const url = `ws://${svc.spec.clusterIP}:${svc.spec.ports[0]!.port}`;
    await step('kube-proxy routes the gateway Service', () =>
      routed(svc.spec.clusterIP, svc.spec.ports[0]!.port),
    );
    await step('first event over WebSocket', async () => {
      const client = await ZeekClient.connect({ url, topics: ['zeek/'], applicationName: 'real-e2e' });
      try {
        for await (const ev of client.events()) {
          assert.ok(ev.topic.startsWith('zeek/'));
          break;
        }
      } finally {
        await client.close();
      }
    });
    await step('first conn.log records on the volume', () =>
      until('conn.log records', async () => (recordCount(sinkDirs, 'conn') > 0 ? true : undefined)),
    );
    const conn = [...tsvLogs(sinkDirs)].find(([f]) => f.endsWith('/conn.log'))![1];
    assert.match(conn, /^#separator \\x09$/m);
    assert.match(conn, /^#path\tconn$/m);
  });

  it('4. kubectl scale --replicas=4: the new workers join, log, and nothing else restarts', async () => {
    const before = await pods(cp, NS);
    const logsBefore = recordCount(sinkDirs, 'conn');
    await k(['scale', `zeekcluster/${CLUSTER}`, '--replicas=4']);
    await step('scale → hub lists worker-3 and worker-4', () =>
      until('hub /nodes lists 4 workers', async () => {
        const names = await hubNodes(cp, NS, CLUSTER);
        return ['worker-1', 'worker-2', 'worker-3', 'worker-4'].every((w) => names.includes(w))
          ? names
          : undefined;
      }),
    );
    await waitCondition(cp, NS, CLUSTER, 'Ready');
    const workers = (await zeekPods()).filter((p) => p.component === 'worker');
    assert.equal(workers.length, 4);
    for (const w of workers.filter((p) => !before.some((b) => b.uid === p.uid))) {
      const out = await k(['logs', w.name]);
      assert.ok(out.length > 0, `${w.name} runs`);
    }
    await until('more conn records', async () =>
      recordCount(sinkDirs, 'conn') > logsBefore ? true : undefined,
    );
    const now = await pods(cp, NS);
    for (const b of before) {
      const same = now.find((p) => p.uid === b.uid);
      assert.ok(same, `${b.name} (${b.component}) was not replaced`);
      assert.equal(same.restarts, b.restarts, `${b.name} did not restart`);
    }
  });

  it('5. a rollout (log sink replicas 1 → 2) rolls in order and traffic resumes', async () => {
    const watch = await recordPodAdds(cp, NS);
    await k([
      'patch',
      `zeekcluster/${CLUSTER}`,
      '--type=merge',
      '-p',
      '{"spec":{"logSinks":{"replicas":2}}}',
    ]);
    await step('rollout → Ready', async () => {
      await until('two sink pods', async () =>
        (await pods(cp, NS)).filter((p) => p.component === 'log-sink' && p.ready).length === 2
          ? true
          : undefined,
      );
      await until('the new layout on every Zeek pod', async () => {
        const zc = JSON.parse(await k(['get', `zeekcluster/${CLUSTER}`, '-o', 'json'])) as {
          status: { configHash?: string; conditions?: { type: string; status: string }[] };
        };
        const ready = zc.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        const started = watch.adds.filter((a) => a.configHash === zc.status.configHash).length;
        return ready && started >= 6 ? zc.status.configHash : undefined;
      });
    });
    watch.stop();
    // Pods in etcd order: the new sink, then manager → proxy → workers on the new layout.
    const order = watch.adds.map((a) => a.component);
    const first = (c: string): number => order.indexOf(c);
    const last = (c: string): number => order.lastIndexOf(c);
    assert.ok(
      first('log-sink') >= 0 && first('log-sink') < first('manager'),
      `sink first: ${order.join(' ')}`,
    );
    assert.ok(
      last('manager') < first('proxy') && last('proxy') < first('worker'),
      `in order: ${order.join(' ')}`,
    );
    const count = recordCount(sinkDirs, 'conn');
    await until('conn records after the rollout', async () =>
      recordCount(sinkDirs, 'conn') > count ? true : undefined,
    );
  });

  it('7. the operator pod deleted mid-scale: the new one takes the lease and finishes', async () => {
    const op = (await pods(cp, NS)).find((p) => p.component === 'operator')!;
    // Scale and delete at once: the old operator is told to stop while the scale is pending.
    await Promise.all([
      k(['scale', `zeekcluster/${CLUSTER}`, '--replicas=6']),
      k(['delete', 'pod', op.name, '--wait=false']),
    ]);
    const holder = await step('new operator holds the lease', () =>
      until('a new lease holder', async () => {
        const lease = await cp.http.json<{ spec: { holderIdentity?: string } }>(
          'GET',
          `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${RELEASE}-operator`,
        );
        const h = lease.spec.holderIdentity;
        return h && h !== op.name ? h : undefined;
      }),
    );
    const atTakeover = JSON.parse(await k(['get', `zeekcluster/${CLUSTER}`, '-o', 'json'])) as {
      status: { readyReplicas?: number };
    };
    process.stderr.write(
      `[real-e2e] ready workers when the new operator took over: ${atTakeover.status.readyReplicas}\n`,
    );
    assert.ok((await pods(cp, NS)).some((p) => p.name === holder && p.component === 'operator'));
    await step('scale to 6 finished under the new operator', () =>
      until('6 ready workers in status', async () => {
        const zc = JSON.parse(await k(['get', `zeekcluster/${CLUSTER}`, '-o', 'json'])) as {
          metadata: { generation: number };
          status: { readyReplicas?: number; observedGeneration?: number };
        };
        return zc.status.readyReplicas === 6 && zc.status.observedGeneration === zc.metadata.generation
          ? true
          : undefined;
      }),
    );
    await waitCondition(cp, NS, CLUSTER, 'Ready');
    assert.equal((await zeekPods()).filter((p) => p.component === 'worker' && p.ready).length, 6);
  });

  it('6. helm test passes; helm uninstall keeps the CRD and the ZeekCluster', async () => {
    await step('helm test', () => h(['test', RELEASE, '--timeout', '5m']));
    await step('helm uninstall', () => h(['uninstall', RELEASE, '--wait', '--timeout', '5m']));
    await cp.http.json(
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/zeekclusters.zeek-relay.io',
    );
    await cp.http.json('GET', `/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters/${CLUSTER}`);
  });
});
