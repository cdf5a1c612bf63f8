import { chmodSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ControlPlane } from '../helpers/k8s/control-plane.js';
import type { TestImages } from '../helpers/images/index.js';
import { CHART_DIR, helm } from '../chart/helm.js';
import { repoRoot } from '../helpers/k8s/toolchain.js';
import { serviceRouted } from '../helpers/k8s/node-host.js';
import { eventually } from './operator-harness.js';

/** Helpers of the end-to-end test on the real node (real-zeekcluster.test.ts). */

/** A pod as the checks read it. */
export interface PodState {
  readonly name: string;
  readonly uid: string;
  readonly component: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly ip: string;
}

export async function pods(cp: ControlPlane, ns: string): Promise<PodState[]> {
  const list = await cp.http.json<{
    items: {
      metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string };
      status: {
        phase: string;
        podIP?: string;
        conditions?: { type: string; status: string }[];
        containerStatuses?: { restartCount: number }[];
      };
    }[];
  }>('GET', `/api/v1/namespaces/${ns}/pods`);
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      uid: p.metadata.uid,
      component: p.metadata.labels?.['app.kubernetes.io/component'] ?? '',
      phase: p.status.phase,
      ready: (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      restarts: (p.status.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
      ip: p.status.podIP ?? '',
    }));
}

/** `repository` and `tag` of a full image reference `host/path/name:tag`. */
export function splitRef(ref: string): { repository: string; tag: string } {
  const i = ref.lastIndexOf(':');
  return { repository: ref.slice(0, i), tag: ref.slice(i + 1) };
}

/**
 * Static hostPath PersistentVolumes for the log sinks' claims (the test cluster has no
 * provisioner and no default StorageClass, so a class-less claim binds to a class-less volume),
 * in `<cp.dir>/volumes/sink-<i>`: writable by the images' user 1000, read back by the test.
 */
export async function createSinkVolumes(cp: ControlPlane, count: number): Promise<string[]> {
  const dirs: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(cp.dir, 'volumes', `sink-${i}`);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    dirs.push(dir);
    await cp.http.json('POST', '/api/v1/persistentvolumes', {
      metadata: { name: `zr-sink-${i}` },
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: dir, type: 'Directory' },
      },
    });
  }
  return dirs;
}

/**
 * `helm install --wait` of charts/zeek-relay as release `release` in `ns` (created), with the
 * images built from this work tree (the operator runs as a pod under the chart's RBAC).
 */
export async function helmInstallChart(
  cp: ControlPlane,
  ns: string,
  release: string,
  images: TestImages,
): Promise<void> {
  const set = (key: string, ref: string): string[] => {
    const { repository, tag } = splitRef(ref);
    return ['--set', `${key}.repository=${repository}`, '--set', `${key}.tag=${tag}`];
  };
  const res = await helm([
    'install',
    release,
    CHART_DIR,
    '--kubeconfig',
    cp.kubeconfigPath,
    '-n',
    ns,
    '--create-namespace',
    ...set('operator.image', images.operator.ref),
    ...set('images.hub', images.hub.ref),
    ...set('images.gateway', images.gateway.ref),
    ...set('images.logSink', images.logSink.ref),
    '--wait',
    '--timeout',
    '10m',
  ]);
  if (res.code !== 0) throw new Error(`helm install failed: ${res.stderr}`);
}

/** deploy/samples/minimal.yaml with `spec.image` set (the Zeek stand-in), as JSON for kubectl. */
export function minimalSample(zeekImage: string): string {
  const doc = parse(readFileSync(join(repoRoot(), 'deploy', 'samples', 'minimal.yaml'), 'utf8')) as {
    spec: Record<string, unknown>;
  };
  doc.spec.image = zeekImage;
  return JSON.stringify(doc);
}

/** Zeek TSV log files (`*.log`) below `dirs`, with their text. */
export function tsvLogs(dirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) out.set(p, readFileSync(p, 'utf8'));
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

/** Data lines (not `#` header lines) of every log of `path` (e.g. `conn`) below `dirs`. */
export function recordCount(dirs: readonly string[], path: string): number {
  let n = 0;
  for (const [file, text] of tsvLogs(dirs)) {
    if (!file.endsWith(`/${path}.log`)) continue;
    n += text.split('\n').filter((l) => l && !l.startsWith('#')).length;
  }
  return n;
}

/** GETs `/nodes` of the hub through its Service (kube-proxy routes ClusterIPs on this host too). */
export async function hubNodes(cp: ControlPlane, ns: string, cluster: string): Promise<string[]> {
  const svc = await cp.http.json<{ spec: { clusterIP: string } }>(
    'GET',
    `/api/v1/namespaces/${ns}/services/${cluster}-hub`,
  );
  await routed(svc.spec.clusterIP, 9911);
  const res = await fetch(`http://${svc.spec.clusterIP}:9911/nodes`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { nodes: { name: string }[] };
  return body.nodes.map((n) => n.name).sort();
}

/**
 * Waits until kube-proxy routes ClusterIP `ip`:`port` on this host ({@link serviceRouted}): Ready
 * pods and a Service do not mean kube-proxy has synced yet.
 */
export function routed(ip: string, port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<true> {
  return until(`kube-proxy routing ${ip}:${port}/${protocol}`, () =>
    Promise.resolve(serviceRouted(ip, port, protocol) ? true : undefined),
  );
}

/** Waits for condition `type` of ZeekCluster `name` to be True (via `kubectl wait`, as a user does). */
export async function waitCondition(cp: ControlPlane, ns: string, name: string, type: string): Promise<void> {
  await cp.kubectl(['-n', ns, 'wait', `zeekcluster/${name}`, `--for=condition=${type}`, '--timeout=600s']);
}

/** Waits until `fn` holds, polling (events-first tests still need the cluster to converge). */
export function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 600_000): Promise<T> {
  return eventually(what, fn, timeoutMs, 500);
}
