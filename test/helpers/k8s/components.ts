import { join } from 'node:path';
import type { Pki } from './certs.js';

/** Loopback ports of one control plane. */
export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  kcm: number;
  scheduler: number;
  kwok: number;
}

/** etcd flags: single member, loopback only, no fsync (test data is throw-away). */
export function etcdArgs(dir: string, ports: Ports): string[] {
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  return [
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

/** kube-controller-manager flags (kwokctl's set: no leader election, high client QPS). */
export function kcmArgs(kubeconfigPath: string, pki: Pki, ports: Ports): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    `--authentication-kubeconfig=${kubeconfigPath}`,
    `--authorization-kubeconfig=${kubeconfigPath}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.kcm}`,
    `--service-account-private-key-file=${pki.saKey}`,
    `--root-ca-file=${pki.caCert}`,
    '--kube-api-qps=1000',
    '--kube-api-burst=2000',
    '--concurrent-statefulset-syncs=10',
    // HorizontalPodAutoscalers act every 5 s instead of 15 s (the real-node HPA test waits less).
    '--horizontal-pod-autoscaler-sync-period=5s',
    '--v=1',
  ];
}

/** KubeSchedulerConfiguration (JSON) with high client QPS and no leader election. */
export function schedulerConfig(kubeconfigPath: string): string {
  return JSON.stringify({
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    clientConnection: { kubeconfig: kubeconfigPath, qps: 1000, burst: 2000 },
    leaderElection: { leaderElect: false },
  });
}

/** kwok controller flags: manage only nodes annotated `kwok.x-k8s.io/node=fake`. */
export function kwokArgs(kubeconfigPath: string, configPath: string, ports: Ports): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    `--config=${configPath}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    '--manage-nodes-with-label-selector=',
    '--cidr=10.244.0.0/16',
    '--node-ip=10.0.0.1',
    '--node-lease-duration-seconds=40',
    `--server-address=127.0.0.1:${ports.kwok}`,
  ];
}

/** What kube-apiserver needs in front of a real node (kubelet, pods calling the API). */
export interface ApiserverNodeOptions {
  /** Address pods reach the API at (the `kubernetes` Service's endpoint): the node's bridge IP. */
  readonly advertiseIp: string;
  /** Client certificate towards kubelets (`kubectl logs/exec`, port-forward). */
  readonly kubeletClient: { readonly cert: string; readonly key: string };
  /**
   * The aggregation layer's client certificate (CN `front-proxy-client`, signed by the test CA)
   * towards extension API servers such as metrics-server, which trust the request headers
   * (`X-Remote-User`, …) of a client presenting it.
   */
  readonly frontProxyClient: { readonly cert: string; readonly key: string };
}

/**
 * The aggregation layer for extension API servers (metrics.k8s.io from metrics-server): the
 * request-header CA and allowed name the extension servers read from the
 * `kube-system/extension-apiserver-authentication` ConfigMap, the proxy client certificate, and
 * `--enable-aggregator-routing` so the API server dials an APIService's endpoint (EndpointSlice)
 * directly instead of its ClusterIP: metrics-server runs as a host process on the bridge IP, like
 * CoreDNS. The request-header CA is the test CA itself; `--requestheader-allowed-names` limits the
 * header-asserting client to the one CN.
 */
function aggregatorArgs(pki: Pki, node: ApiserverNodeOptions): string[] {
  return [
    `--requestheader-client-ca-file=${pki.caCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${node.frontProxyClient.cert}`,
    `--proxy-client-key-file=${node.frontProxyClient.key}`,
    '--enable-aggregator-routing=true',
  ];
}

/**
 * kube-apiserver flags: own serving cert, static token auth, RBAC, speed over fairness. With a
 * real node: listen on all addresses and advertise the bridge IP (127.0.0.1 would be each pod's
 * own loopback), keep the ServiceAccount admission plugin (pods get their tokens mounted), and
 * reach kubelets by InternalIP with a client certificate, and run the aggregation layer
 * ({@link aggregatorArgs}).
 */
export function apiserverArgs(dir: string, pki: Pki, ports: Ports, node?: ApiserverNodeOptions): string[] {
  const nodeArgs = node
    ? [
        `--kubelet-client-certificate=${node.kubeletClient.cert}`,
        `--kubelet-client-key=${node.kubeletClient.key}`,
        '--kubelet-preferred-address-types=InternalIP,Hostname',
        ...aggregatorArgs(pki, node),
      ]
    : // The ServiceAccount admission plugin makes pod creation wait for the namespace's default
      // ServiceAccount; kwok pods never mount anything, so it only adds start-up races.
      ['--disable-admission-plugins=ServiceAccount'];
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    `--bind-address=${node ? '0.0.0.0' : '127.0.0.1'}`,
    `--advertise-address=${node?.advertiseIp ?? '127.0.0.1'}`,
    `--secure-port=${ports.apiserver}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saKey}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--allow-privileged=true',
    ...nodeArgs,
    '--enable-priority-and-fairness=false',
    '--max-requests-inflight=0',
    '--max-mutating-requests-inflight=0',
    '--profiling=false',
    '--v=1',
  ];
}

/** A kubeconfig (JSON is valid YAML) for the static-token admin user. */
export function kubeconfig(server: string, caCert: string, token: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'zr-test', cluster: { server, 'certificate-authority': caCert } }],
      users: [{ name: 'admin', user: { token } }],
      contexts: [{ name: 'zr-test', context: { cluster: 'zr-test', user: 'admin', namespace: 'default' } }],
      'current-context': 'zr-test',
    },
    null,
    2,
  );
}
