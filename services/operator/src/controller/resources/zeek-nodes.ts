import type { ZeekCluster } from '../../api/v1alpha1/zeekcluster.js';
import type { Images } from './images.js';
import {
  childMeta,
  childName,
  componentService,
  selectorLabels,
  type Component,
  type K8sObject,
} from './meta.js';
import { podMeta, resources } from './pod.js';
import {
  hashOf,
  OFFLINE_SCRIPT,
  publishesSignatures,
  SIGNATURES_SCRIPT,
  ZEEK_CONFIG_DIR,
} from './zeek-config.js';
import { zeekCurveEnv } from './curve.js';

/** `offline`: the pcap-mode worker, a Job's single pod running as `worker-1`. */
type Role = 'manager' | 'proxy' | 'worker' | 'offline';

/** Mount path of `capture.pcap.claimName`. */
export const PCAP_DIR = '/pcap';

/** `CLUSTER_NODE` of a pod: fixed for the manager and the offline worker, else from the pod index. */
function clusterNodeExpr(role: Role): string {
  if (role === 'manager') return 'manager';
  if (role === 'offline') return 'worker-1';
  return `${role}-$((POD_INDEX + 1))`;
}

/** The trace Zeek reads: an absolute `pcap.file` as given, a relative one inside the claim. */
export function pcapPath(file: string): string {
  return file.startsWith('/') ? file : `${PCAP_DIR}/${file}`;
}

/** Zeek's `-i` for udp mode (Zeek 9.0's UDP packet source), listening on every address. */
export function udpInterface(zc: ZeekCluster): string {
  const u = zc.spec.workers.capture.udp;
  const any = zc.spec.ipFamily === 'IPv6' ? '[::]' : '0.0.0.0';
  return `udp::${any}:${u.port}:${u.encapsulation}`;
}

function zeekArgs(zc: ZeekCluster, role: Role): string {
  const args = [
    'zeek-relay.zeek',
    'local',
    ...(role === 'manager' && publishesSignatures(zc) ? [SIGNATURES_SCRIPT] : []),
    ...zc.spec.siteScripts.map((s, i) => `${ZEEK_CONFIG_DIR}/site/${i}/${s.key}`),
  ];
  const c = zc.spec.workers.capture;
  if (role === 'offline' && c.pcap) {
    args.unshift('-r', pcapPath(c.pcap.file));
    args.push(OFFLINE_SCRIPT);
  }
  if (role === 'worker')
    args.unshift('-i', c.mode === 'udp' ? udpInterface(zc) : `af_packet::${c.interface}`);
  return args.map((a) => `'${a}'`).join(' ');
}

/**
 * The Zeek pod spec shared by manager, proxies and workers: the generated layout and policy are
 * mounted at ZEEK_CONFIG_DIR (first on ZEEKPATH, so `cluster-layout.zeek` is found), the policy
 * script is the first script argument as the ZeroMQ backend requires. With
 * `spec.hub.curveSecretName` every node gets Zeek's client-side CURVE variables (8.2+); none of
 * these roles binds a socket (the hub and the log sinks do), so none gets the server secret.
 */
function zeekPodSpec(zc: ZeekCluster, images: Images, role: Role): Record<string, unknown> {
  const w = zc.spec.workers;
  const live = role === 'worker' && w.capture.mode === 'af_packet';
  const host = live && w.capture.hostNetwork;
  const volumes: Record<string, unknown>[] = [
    { name: 'zeek-config', configMap: { name: childName(zc, 'zeek') } },
  ];
  const mounts: Record<string, unknown>[] = [
    { name: 'zeek-config', mountPath: ZEEK_CONFIG_DIR, readOnly: true },
  ];
  zc.spec.siteScripts.forEach((s, i) => {
    volumes.push({
      name: `site-${i}`,
      configMap: { name: s.configMapName, items: [{ key: s.key, path: s.key }] },
    });
    mounts.push({ name: `site-${i}`, mountPath: `${ZEEK_CONFIG_DIR}/site/${i}`, readOnly: true });
  });
  if (role === 'offline' && w.capture.pcap?.claimName) {
    volumes.push({
      name: 'pcap',
      persistentVolumeClaim: { claimName: w.capture.pcap.claimName, readOnly: true },
    });
    mounts.push({ name: 'pcap', mountPath: PCAP_DIR, readOnly: true });
  }
  const res =
    role === 'manager'
      ? zc.spec.manager.resources
      : role === 'proxy'
        ? zc.spec.proxies.resources
        : w.resources;
  const script = `export CLUSTER_NODE=${clusterNodeExpr(role)}; export ZEEKPATH="${ZEEK_CONFIG_DIR}:$(zeek-config --zeekpath)"; exec zeek ${zeekArgs(zc, role)}`;
  const onCaptureNodes = role === 'worker' || role === 'offline';
  return {
    enableServiceLinks: false,
    ...(host ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
    ...(onCaptureNodes && w.nodeSelector ? { nodeSelector: w.nodeSelector } : {}),
    ...(onCaptureNodes && w.tolerations ? { tolerations: w.tolerations } : {}),
    ...(onCaptureNodes && w.affinity ? { affinity: w.affinity } : {}),
    containers: [
      {
        name: 'zeek',
        image: images.zeek,
        imagePullPolicy: images.pullPolicy,
        command: ['/bin/sh', '-c', script],
        env: [
          ...(role === 'proxy' || role === 'worker'
            ? [
                {
                  name: 'POD_INDEX',
                  valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
                },
              ]
            : []),
          ...(zc.spec.hub.curveSecretName ? zeekCurveEnv(zc.spec.hub.curveSecretName, false) : []),
        ],
        ...(role === 'worker' && w.capture.mode === 'udp'
          ? { ports: [{ name: 'mirror', containerPort: w.capture.udp.port, protocol: 'UDP' }] }
          : {}),
        resources: resources(res),
        ...(live ? { securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } } } : {}),
        volumeMounts: mounts,
      },
    ],
    ...(role === 'offline' ? { restartPolicy: 'Never' } : {}),
    volumes,
  };
}

function statefulSet(
  zc: ZeekCluster,
  images: Images,
  role: 'proxy' | 'worker',
  replicas: number,
  configHash: string,
): K8sObject {
  const name = childName(zc, role);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(zc, name, role as Component),
    spec: {
      serviceName: name,
      replicas,
      // Workers are independent: start and stop them all at once (1000 workers in seconds, not hours).
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selectorLabels(zc, role) },
      template: { metadata: podMeta(zc, role, configHash), spec: zeekPodSpec(zc, images, role) },
    },
  };
}

/** The Zeek manager (one pod; Recreate so two managers never run at once). */
export function buildManagerDeployment(zc: ZeekCluster, images: Images, configHash: string): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(zc, childName(zc, 'manager'), 'manager'),
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(zc, 'manager') },
      template: { metadata: podMeta(zc, 'manager', configHash), spec: zeekPodSpec(zc, images, 'manager') },
    },
  };
}

/** Zeek proxies: a StatefulSet so pod ordinals map to the layout's `proxy-N` names. */
export function buildProxyStatefulSet(zc: ZeekCluster, images: Images, configHash: string): K8sObject {
  return statefulSet(zc, images, 'proxy', zc.spec.proxies.replicas, configHash);
}

/** Zeek workers: ordinal i runs as `worker-(i+1)`, one of the layout's pre-allocated slots. */
export function buildWorkerStatefulSet(zc: ZeekCluster, images: Images, configHash: string): K8sObject {
  return statefulSet(zc, images, 'worker', zc.spec.workers.replicas, configHash);
}

/**
 * pcap mode: the trace is read once by a Job (one pod, `worker-1`, `restartPolicy: Never`,
 * `backoffLimit: 0`), never by a StatefulSet that would restart Zeek after it exits and read the
 * trace again. A Job's pod template cannot change, so the Job's name carries a hash of it: a spec
 * change that alters the pod makes a new Job (a new analysis) and the old one is pruned; anything
 * else leaves the finished Job and its result alone. The pod carries no config hash for the same
 * reason: a layout change does not restart an analysis in progress.
 */
export function buildOfflineJob(zc: ZeekCluster, images: Images): K8sObject {
  const template = { metadata: podMeta(zc, 'worker'), spec: zeekPodSpec(zc, images, 'offline') };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: childMeta(zc, offlineJobName(zc, template), 'worker'),
    spec: { backoffLimit: 0, completions: 1, parallelism: 1, template },
  };
}

function offlineJobName(zc: ZeekCluster, template: unknown): string {
  return `${childName(zc, 'offline')}-${hashOf(template).slice(0, 10)}`;
}

/**
 * udp mode: the Service the mirror source sends to. kube-proxy keeps each UDP flow (outer 5-tuple)
 * on one pod; mirror sessions that put a symmetric hash of the inner flow into the outer source
 * port (RFC 7348 section 5, RFC 8926 section 3.3) so spread flows across the workers, and `kubectl scale` or a
 * HorizontalPodAutoscaler on the ZeekCluster adds receivers.
 */
export function buildWorkerUdpService(zc: ZeekCluster): K8sObject {
  const u = zc.spec.workers.capture.udp;
  return componentService(zc, 'worker-udp', 'worker', u.serviceType, {
    name: 'mirror',
    port: u.port,
    protocol: 'UDP',
  });
}

/** Label selector string of the worker pods (for the scale subresource). */
export function workerSelector(zc: ZeekCluster): string {
  return Object.entries(selectorLabels(zc, 'worker'))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
