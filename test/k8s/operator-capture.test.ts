/**
 * Capture modes against a real control plane (etcd, kube-apiserver, kube-controller-manager with
 * its HPA and Job controllers, scheduler, kwok):
 * - the CRD's validation (API server): pcap needs ≤ 1 worker, no `..` in pcap.file, udp ports are
 *   unprivileged, zeekVersion is a supported version;
 * - udp mode on a Zeek 8.2 image is refused (Degraded/UnsupportedByZeekVersion + Warning Event),
 *   on 9.0 it gets plain worker pods behind a UDP Service;
 * - a HorizontalPodAutoscaler drives `spec.workers.replicas` through the scale subresource. There
 *   is no metrics API here, so the HPA controller cannot compute a CPU recommendation; what it
 *   does without metrics is enforce minReplicas/maxReplicas, and that is what is shown: the HPA
 *   controller itself raises the replicas to minReplicas and lowers them to maxReplicas, through
 *   /scale, and the operator follows with worker pods. `kubectl scale` drives the same path.
 *   The CPU recommendation from real pod metrics is shown on the real node (real-hpa.test.ts).
 * - pcap mode runs one Job; kwok completes Job pods (as Zeek does at the end of the trace), and
 *   the ZeekCluster reports AnalysisComplete; a later spec change keeps the finished Job.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Operator } from '@zeek-relay/operator';
import { startControlPlane, type ControlPlane } from '../helpers/k8s/control-plane.js';
import { eventually, installCrd, startOperator } from './operator-harness.js';

const NS = 'zr-capture';
let cp: ControlPlane;
let operator: Operator;

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface ZC {
  metadata: { generation?: number };
  spec: { workers: { replicas: number } };
  status?: {
    observedGeneration?: number;
    conditions?: Cond[];
    readyReplicas?: number;
    selector?: string;
    offline?: { job?: string; phase: string; completionTime?: string };
  };
}
const ZC_PATH = `/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters`;
const get = <T>(path: string): Promise<T> => cp.http.json<T>('GET', path);
const zc = (name: string): Promise<ZC> => get<ZC>(`${ZC_PATH}/${name}`);
const cond = (z: ZC, type: string): Cond | undefined => z.status?.conditions?.find((c) => c.type === type);
const workerPods = async (name: string): Promise<{ spec: { hostNetwork?: boolean } }[]> =>
  (
    await get<{ items: { spec: { hostNetwork?: boolean }; status: { phase?: string } }[] }>(
      `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(`app.kubernetes.io/instance=${name},app.kubernetes.io/component=worker`)}`,
    )
  ).items.filter((p) => p.status.phase === 'Running');

const cluster = (name: string, spec: unknown): unknown => ({
  apiVersion: 'zeek-relay.io/v1alpha1',
  kind: 'ZeekCluster',
  metadata: { name, namespace: NS },
  spec,
});
const create = (name: string, spec: unknown): Promise<unknown> =>
  cp.http.json('POST', ZC_PATH, cluster(name, spec));

before(
  async () => {
    cp = await startControlPlane({ nodes: 2, keepDir: process.env['ZR_K8S_KEEP'] === '1' });
    await installCrd(cp);
    await cp.kubectl(['create', 'namespace', NS]);
    operator = await startOperator(cp, 'operator-capture');
  },
  { timeout: 60 * 60_000 },
);

after(async () => {
  await operator?.close();
  await cp?.stop();
});

test('the API server validates capture settings and zeekVersion', { timeout: 120_000 }, async () => {
  const dryRun = async (spec: unknown): Promise<{ status: number; body: string }> =>
    cp.http.call('POST', `${ZC_PATH}?dryRun=All`, cluster('v', spec));
  const pcap = { mode: 'pcap', pcap: { file: 'trace.pcap' } };
  const rejected: [unknown, RegExp][] = [
    [{ workers: { replicas: 2, capture: pcap } }, /workers.replicas must be 0 or 1/],
    [{ workers: { capture: { mode: 'pcap', pcap: { file: '../etc/trace.pcap' } } } }, /file/],
    [{ workers: { capture: { mode: 'udp', udp: { port: 80 } } } }, /port/],
    [{ workers: { capture: { mode: 'udp', udp: { encapsulation: 'gre' } } } }, /encapsulation/],
    [{ workers: { slots: 'all' } }, /slots/],
    [{ zeekVersion: '7.2' }, /zeekVersion/],
    [{ ipFamily: 'IPv5' }, /ipFamily/],
  ];
  for (const [spec, why] of rejected) {
    const res = await dryRun(spec);
    assert.equal(res.status, 422, `${JSON.stringify(spec)} should be rejected: ${res.body.slice(0, 300)}`);
    assert.match(res.body, why);
  }
  for (const spec of [
    { workers: { replicas: 1, capture: pcap } },
    { workers: { capture: { mode: 'pcap', pcap: { file: '/pcap/trace.pcap' } } } },
    { zeekVersion: '8.2.2', workers: { capture: { mode: 'udp' }, slots: 'replicas' } },
    { zeekVersion: '9.0', ipFamily: 'IPv6' },
  ]) {
    const res = await dryRun(spec);
    assert.equal(res.status, 201, `${JSON.stringify(spec)} should be accepted: ${res.body.slice(0, 300)}`);
  }
});

test(
  'udp mode is refused on Zeek 8.2, and runs on 9.0 behind a UDP Service',
  { timeout: 300_000 },
  async () => {
    await create('udp', {
      image: 'zeek/zeek:8.2.2',
      proxies: { replicas: 0 },
      gateway: { enabled: false },
      logSinks: { storage: { persistent: false } },
      workers: { replicas: 2, capture: { mode: 'udp' } },
    });
    const refused = await eventually('udp Degraded', async () => {
      const z = await zc('udp');
      return cond(z, 'Degraded')?.status === 'True' ? z : undefined;
    });
    assert.equal(cond(refused, 'Degraded')?.reason, 'UnsupportedByZeekVersion');
    assert.match(cond(refused, 'Degraded')?.message ?? '', /needs Zeek 9\.0/);
    assert.equal(cond(refused, 'Ready')?.status, 'False');
    const events = await get<{ items: { reason: string; regarding?: { name: string } }[] }>(
      `/apis/events.k8s.io/v1/namespaces/${NS}/events`,
    );
    assert.ok(
      events.items.some((e) => e.reason === 'UnsupportedByZeekVersion' && e.regarding?.name === 'udp'),
    );

    await cp.http.json(
      'PATCH',
      `${ZC_PATH}/udp`,
      { spec: { zeekVersion: '9.0' } },
      'application/merge-patch+json',
    );
    await eventually('udp Ready with 2 workers', async () => {
      const z = await zc('udp');
      return cond(z, 'Ready')?.status === 'True' && z.status?.readyReplicas === 2 ? z : undefined;
    });
    const svc = await get<{
      spec: { ports: { port: number; protocol: string }[]; selector: Record<string, string> };
    }>(`/api/v1/namespaces/${NS}/services/udp-worker-udp`);
    assert.deepEqual(
      svc.spec.ports.map((p) => [p.port, p.protocol]),
      [[4789, 'UDP']],
    );
    const pods = await workerPods('udp');
    assert.equal(pods.length, 2);
    assert.ok(
      pods.every((p) => !p.spec.hostNetwork),
      'worker pods are plain pods',
    );
  },
);

test(
  'a HorizontalPodAutoscaler drives spec.workers.replicas through the scale subresource',
  { timeout: 600_000 },
  async () => {
    const scale = await get<{ spec: { replicas: number }; status: { selector?: string } }>(
      `${ZC_PATH}/udp/scale`,
    );
    assert.equal(scale.spec.replicas, 2);
    assert.match(scale.status.selector ?? '', /app\.kubernetes\.io\/component=worker/);
    // The HPA controller enforces minReplicas before it needs any metric: 2 → 3.
    await cp.http.json('POST', `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'udp-workers', namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'zeek-relay.io/v1alpha1', kind: 'ZeekCluster', name: 'udp' },
        minReplicas: 3,
        maxReplicas: 4,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
    });
    await eventually('HPA raised spec.workers.replicas to 3', async () =>
      (await zc('udp')).spec.workers.replicas === 3 ? true : undefined,
    );
    await eventually('3 worker pods', async () =>
      (await workerPods('udp')).length === 3 ? true : undefined,
    );
    const hpa = await get<{ status: { desiredReplicas?: number; currentReplicas?: number } }>(
      `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/udp-workers`,
    );
    assert.equal(hpa.status.desiredReplicas, 3);
    // kubectl scale goes through the same subresource; above maxReplicas the HPA takes it back to 4.
    await cp.kubectl(['scale', 'zeekcluster/udp', '-n', NS, '--replicas=6']);
    assert.equal((await zc('udp')).spec.workers.replicas, 6);
    await eventually('HPA lowered spec.workers.replicas to maxReplicas 4', async () =>
      (await zc('udp')).spec.workers.replicas === 4 ? true : undefined,
    );
    await eventually('4 worker pods', async () =>
      (await workerPods('udp')).length === 4 ? true : undefined,
    );
  },
);

test('pcap mode: one Job, completion reported, never run again', { timeout: 300_000 }, async () => {
  await create('trace', {
    image: 'zeek/zeek:8.2.2',
    proxies: { replicas: 0 },
    gateway: { enabled: false },
    logSinks: { storage: { persistent: false } },
    workers: { replicas: 1, capture: { mode: 'pcap', pcap: { file: '/pcap/trace.pcap' } } },
  });
  const done = await eventually('AnalysisComplete', async () => {
    const z = await zc('trace');
    return cond(z, 'AnalysisComplete')?.status === 'True' ? z : undefined;
  });
  const job = done.status?.offline?.job ?? '';
  assert.match(job, /^trace-offline-[0-9a-f]{10}$/);
  assert.equal(done.status?.offline?.phase, 'Succeeded');
  assert.ok(done.status?.offline?.completionTime);
  const jobs = async (): Promise<string[]> =>
    (await get<{ items: { metadata: { name: string } }[] }>(`/apis/batch/v1/namespaces/${NS}/jobs`)).items
      .map((j) => j.metadata.name)
      .filter((n) => n.startsWith('trace-'));
  assert.deepEqual(await jobs(), [job]);
  const podCount = async (): Promise<number> =>
    (
      await get<{ items: unknown[] }>(
        `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(`job-name=${job}`)}`,
      )
    ).items.length;
  assert.equal(await podCount(), 1);
  // A change elsewhere (a second sink) reconciles the cluster again but keeps the finished Job.
  await cp.http.json(
    'PATCH',
    `${ZC_PATH}/trace`,
    { spec: { logSinks: { replicas: 2 } } },
    'application/merge-patch+json',
  );
  await eventually('generation observed', async () => {
    const z = await zc('trace');
    return z.status?.observedGeneration === z.metadata.generation ? true : undefined;
  });
  assert.deepEqual(await jobs(), [job]);
  assert.equal(await podCount(), 1, 'the trace was read by one pod, once');
  assert.equal(cond(await zc('trace'), 'AnalysisComplete')?.status, 'True');
});
