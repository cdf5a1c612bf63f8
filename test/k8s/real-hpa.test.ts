// Workers that scale like Kubernetes workloads, on the real node (issue #14): the resource metrics
// API (metrics-server, `startControlPlane({ metrics: true })`) reports the real CPU of real pods;
// a ZeekCluster in `capture.mode: udp` (Zeek 9.0) from deploy/samples/udp-mirror-hpa.yaml, its
// workers played by the zeek-sim image, which spends CPU on every mirrored datagram it receives;
// the sample's autoscaling/v2 HorizontalPodAutoscaler on CPU utilization. Mirrored traffic sent to
// the workers' UDP Service → the HPA raises spec.workers.replicas through the scale subresource →
// the operator starts the worker pods → they run; traffic gone → the HPA scales back to its
// minimum. Every wait is on watch events (hang guards only); the replicas and CPU over time are
// printed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../helpers/k8s/control-plane.js';
import { realNodeSkipReason } from '../helpers/k8s/real-node.js';
import { ensureImages, imagesUnavailable, type TestImages } from '../helpers/images/index.js';
import { createSinkVolumes, helmInstallChart, pods, routed, until, waitCondition } from './real-e2e.js';
import { followCollection, milliCores, mirrorTraffic, udpHpaSample, watchObject } from './hpa-helpers.js';

const skip = (await realNodeSkipReason()) ?? imagesUnavailable();
const NS = 'zeek-relay';
const RELEASE = 'zeek-relay';
const CLUSTER = 'mirror';
const HPA = 'mirror-workers';
const ZC_PATH = `/apis/zeek-relay.io/v1alpha1/namespaces/${NS}/zeekclusters`;
const HPA_PATH = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`;
/** The workers' CPU request and the HPA's target: 100 % of 100m, i.e. 100 millicores per worker. */
const CPU_REQUEST = '100m';
const TARGET_UTILIZATION = 100;
const MIN = 1;
const MAX = 3;
/** Datagrams/s sent while loaded: zeek-sim spends 1 ms CPU on each, 400m in all, 4× one worker's target. */
const LOAD_RATE = 400;
/** A worker receiving its share of the traffic (an idle one uses ~10m). */
const BUSY_MILLICORES = 30;

interface PodMetrics {
  items: { metadata: { name: string }; containers: { name: string; usage: { cpu: string } }[] }[];
}
interface Hpa {
  spec: { minReplicas?: number; maxReplicas: number };
  status: {
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: { resource?: { current?: { averageUtilization?: number } } }[];
  };
}
interface Zc {
  spec: { workers: { replicas: number } };
  status?: { readyReplicas?: number };
}

describe('a CPU HorizontalPodAutoscaler scales a udp-mode ZeekCluster on the real node', { skip }, () => {
  let cp: ControlPlane;
  let images: TestImages;
  const t0 = Date.now();
  const at = (): string => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  const say = (l: string): boolean => process.stderr.write(`[real-hpa ${at()}] ${l}\n`);
  const timeline: string[] = [];
  const follow: { stop(): void }[] = [];
  const k = (args: readonly string[], stdin?: string): Promise<string> =>
    cp.kubectl(['-n', NS, ...args], stdin);
  const workerCpu = async (): Promise<Record<string, number>> => {
    const m = await cp.http.json<PodMetrics>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods`);
    const out: Record<string, number> = {};
    for (const p of m.items.filter((i) => i.metadata.name.startsWith(`${CLUSTER}-worker-`)))
      out[p.metadata.name] = Math.round(p.containers.reduce((n, c) => n + milliCores(c.usage.cpu), 0));
    return out;
  };

  before(async () => {
    [cp, images] = await Promise.all([
      startControlPlane({ tier: 'node', metrics: true, log: say }),
      ensureImages(),
    ]);
    say('importing the images');
    await cp.node!.importImage(images.all.archive);
    await createSinkVolumes(cp, 1);
  });
  after(async () => {
    for (const f of follow) f.stop();
    if (timeline.length) process.stderr.write(`[real-hpa] timeline:\n  ${timeline.join('\n  ')}\n`);
    await cp?.stop();
  });

  it('1. the resource metrics API reports the real CPU of real pods (kubectl top)', async () => {
    await helmInstallChart(cp, NS, RELEASE, images);
    // metrics-server scrapes every 10 s: the operator pod's first sample comes within two cycles.
    const cpu = await until('operator pod in metrics.k8s.io', async () => {
      const m = await cp.http.json<PodMetrics>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods`);
      const op = m.items.find((i) => i.metadata.name.startsWith(`${RELEASE}-operator`));
      return op ? op.containers.reduce((n, c) => n + milliCores(c.usage.cpu), 0) : undefined;
    });
    say(`operator pod CPU from metrics.k8s.io: ${cpu.toFixed(2)}m`);
    assert.ok(cpu > 0, `the kubelet reports CPU usage for a running container (${cpu}m)`);
    const top = await k(['top', 'pods']);
    say(`kubectl top pods:\n${top}`);
    assert.match(top, new RegExp(`^${RELEASE}-operator-\\S+\\s+\\d+m\\s+\\d+Mi`, 'm'));
    const nodeTop = await cp.kubectl(['top', 'nodes']);
    assert.match(nodeTop, /^zr-node\s+\d+m\s+\d+%/m);
  });

  // Two HPA decisions, each after metrics-server's next scrapes, plus pod starts on a loaded node:
  // more than the runner's 10-minute default.
  it(
    '2. load raises spec.workers.replicas to the maximum; traffic gone, it returns to the minimum',
    { timeout: 1_800_000 },
    async () => {
      const { cluster, hpa } = udpHpaSample();
      // The sample on one 2-CPU test node: the simulator image (Zeek 9.0 by spec.zeekVersion, as the
      // sample's zeek/zeek:9.0.0 tag would say), small requests, a ClusterIP Service, fast scale-down.
      cluster.spec.image = images.zeekSim.ref;
      cluster.spec.zeekVersion = '9.0';
      cluster.spec.workers.replicas = MIN;
      cluster.spec.workers.maxReplicas = MAX;
      cluster.spec.workers.resources = {
        requests: { cpu: CPU_REQUEST, memory: '64Mi' },
        limits: { memory: '256Mi' },
      };
      cluster.spec.workers.capture.udp.serviceType = 'ClusterIP';
      hpa.spec.minReplicas = MIN;
      hpa.spec.maxReplicas = MAX;
      hpa.spec.metrics[0]!.resource.target.averageUtilization = TARGET_UTILIZATION;
      hpa.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 0 } };
      await k(['apply', '-f', '-'], JSON.stringify(cluster));
      await waitCondition(cp, NS, CLUSTER, 'Ready');
      say('ZeekCluster Ready with 1 worker');
      const sts = JSON.parse(await k(['get', 'statefulset', `${CLUSTER}-worker`, '-o', 'json'])) as {
        spec: { template: { spec: { containers: { resources?: { requests?: { cpu?: string } } }[] } } };
      };
      assert.equal(
        sts.spec.template.spec.containers[0]!.resources?.requests?.cpu,
        CPU_REQUEST,
        'the operator sets the CPU request',
      );

      let last = '';
      follow.push(
        await followCollection<Hpa>(cp, HPA_PATH, (_t, o) => {
          const u = o.status.currentMetrics?.[0]?.resource?.current?.averageUtilization;
          const line = `HPA current ${o.status.currentReplicas ?? '-'} desired ${o.status.desiredReplicas ?? '-'} cpu ${u ?? '-'}%`;
          if (line !== last) timeline.push(`${at()} ${(last = line)}`);
        }),
        await followCollection<Zc>(cp, ZC_PATH, (_t, o) =>
          timeline.push(
            `${at()} ZeekCluster spec.workers.replicas ${o.spec.workers.replicas} ready ${o.status?.readyReplicas ?? 0}`,
          ),
        ),
      );
      await k(['apply', '-f', '-'], JSON.stringify(hpa));
      // Idle first: the HPA has a CPU figure from the metrics API and keeps the minimum.
      const idle = await watchObject<Hpa, number>(
        cp,
        HPA_PATH,
        HPA,
        (o) => o.status.currentMetrics?.[0]?.resource?.current?.averageUtilization,
      );
      say(
        `idle: worker CPU utilization ${idle}% of ${CPU_REQUEST}, workers ${JSON.stringify(await workerCpu())}`,
      );

      const svc = JSON.parse(await k(['get', 'svc', `${CLUSTER}-worker-udp`, '-o', 'json'])) as {
        spec: { clusterIP: string; ports: { port: number; protocol: string }[] };
      };
      assert.equal(svc.spec.ports[0]!.protocol, 'UDP');
      await routed(svc.spec.clusterIP, svc.spec.ports[0]!.port, 'udp');
      const load = mirrorTraffic(svc.spec.clusterIP, svc.spec.ports[0]!.port, LOAD_RATE);
      try {
        say(`mirroring ${LOAD_RATE} VXLAN datagrams/s to ${svc.spec.clusterIP}:${svc.spec.ports[0]!.port}`);
        await watchObject<Zc, true>(cp, ZC_PATH, CLUSTER, (o) =>
          o.spec.workers.replicas === MAX ? true : undefined,
        );
        say(`the HPA set spec.workers.replicas to ${MAX}`);
        await watchObject<Zc, true>(cp, ZC_PATH, CLUSTER, (o) =>
          o.status?.readyReplicas === MAX ? true : undefined,
        );
        const running = (await pods(cp, NS)).filter((p) => p.component === 'worker');
        assert.equal(running.length, MAX);
        for (const p of running) assert.ok(p.phase === 'Running' && p.ready, `${p.name} Running and Ready`);
        // The new workers take their share: new flows (source ports) land on them, and their CPU
        // shows in metrics-server's next scrapes (well above the ~10m of an idle worker).
        const busy = await until('every worker busy in metrics.k8s.io', async () => {
          const cpu = await workerCpu();
          const all = Object.values(cpu);
          return all.length === MAX && all.every((m) => m >= BUSY_MILLICORES) ? cpu : undefined;
        });
        say(
          `${MAX} workers Running and busy: CPU (m) ${JSON.stringify(busy)}; sent ${load.sent()} datagrams`,
        );
      } finally {
        load.stop();
      }
      say('traffic stopped');
      await watchObject<Zc, true>(cp, ZC_PATH, CLUSTER, (o) =>
        o.spec.workers.replicas === MIN ? true : undefined,
      );
      say(`the HPA set spec.workers.replicas back to ${MIN}`);
      await until('one worker pod left', async () =>
        (await pods(cp, NS)).filter((p) => p.component === 'worker').length === MIN ? true : undefined,
      );
      const final = JSON.parse(await k(['get', 'hpa', HPA, '-o', 'json'])) as Hpa;
      assert.equal(final.status.desiredReplicas, MIN);
      const rose = timeline.some((l) => l.includes(`spec.workers.replicas ${MAX}`));
      assert.ok(rose, 'the ZeekCluster went through the maximum');
    },
  );
});
