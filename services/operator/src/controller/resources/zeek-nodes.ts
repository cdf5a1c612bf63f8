import type { ZeekCluster } from '../../api/v1alpha1/zeekcluster.js';
import type { Images } from './images.js';
import { childMeta, childName, selectorLabels, type Component, type K8sObject } from './meta.js';
import { podMeta, resources } from './pod.js';
import { ZEEK_CONFIG_DIR } from './zeek-config.js';
import { zeekCurveEnv } from './curve.js';

type Role = 'manager' | 'proxy' | 'worker';

/** `CLUSTER_NODE` of a pod: fixed for the manager, `<role>-<ordinal+1>` for StatefulSet pods. */
function clusterNodeExpr(role: Role): string {
  return role === 'manager' ? 'manager' : `${role}-$((POD_INDEX + 1))`;
}

function zeekArgs(zc: ZeekCluster, role: Role): string {
  const args = [
    'zeek-relay.zeek',
    'local',
    ...zc.spec.siteScripts.map((s, i) => `${ZEEK_CONFIG_DIR}/site/${i}/${s.key}`),
  ];
  if (role === 'worker') {
    const c = zc.spec.workers.capture;
    args.unshift(
      ...(c.mode === 'pcap' && c.pcap ? ['-r', `/pcap/${c.pcap.file}`] : ['-i', `af_packet::${c.interface}`]),
    );
  }
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
  if (role === 'worker' && w.capture.mode === 'pcap' && w.capture.pcap?.claimName) {
    volumes.push({
      name: 'pcap',
      persistentVolumeClaim: { claimName: w.capture.pcap.claimName, readOnly: true },
    });
    mounts.push({ name: 'pcap', mountPath: '/pcap', readOnly: true });
  }
  const res =
    role === 'manager'
      ? zc.spec.manager.resources
      : role === 'proxy'
        ? zc.spec.proxies.resources
        : w.resources;
  const script = `export CLUSTER_NODE=${clusterNodeExpr(role)}; export ZEEKPATH="${ZEEK_CONFIG_DIR}:$(zeek-config --zeekpath)"; exec zeek ${zeekArgs(zc, role)}`;
  return {
    enableServiceLinks: false,
    ...(host ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
    ...(role === 'worker' && w.nodeSelector ? { nodeSelector: w.nodeSelector } : {}),
    ...(role === 'worker' && w.tolerations ? { tolerations: w.tolerations } : {}),
    ...(role === 'worker' && w.affinity ? { affinity: w.affinity } : {}),
    containers: [
      {
        name: 'zeek',
        image: images.zeek,
        imagePullPolicy: images.pullPolicy,
        command: ['/bin/sh', '-c', script],
        env: [
          ...(role === 'manager'
            ? []
            : [
                {
                  name: 'POD_INDEX',
                  valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
                },
              ]),
          ...(zc.spec.hub.curveSecretName ? zeekCurveEnv(zc.spec.hub.curveSecretName, false) : []),
        ],
        resources: resources(res),
        ...(live ? { securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } } } : {}),
        volumeMounts: mounts,
      },
    ],
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

/** Label selector string of the worker pods (for the scale subresource). */
export function workerSelector(zc: ZeekCluster): string {
  return Object.entries(selectorLabels(zc, 'worker'))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
