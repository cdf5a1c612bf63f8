import { join } from 'node:path';

/**
 * Configuration files of the real node's components (containerd, CNI, kubelet, kube-proxy,
 * CoreDNS). Pure functions of {@link NodeLayout}; real-node.ts writes them and starts the binaries.
 */

/** Where a real node keeps its pieces, and its fixed network plan. */
export interface NodeLayout {
  /** State directory: everything below it is removed at stop. */
  readonly dir: string;
  readonly nodeName: string;
  /** CNI bridge; the pod CIDR's first address is its address, the pods' gateway and the DNS IP. */
  readonly bridge: string;
  readonly podCidr: string;
  readonly gatewayIp: string;
  readonly sandboxImage: string;
  /** Directory of the CNI plugins (Debian: /usr/lib/cni). */
  readonly cniBinDir: string;
  readonly runc: string;
  /** The host lacks CAP_SYS_RESOURCE: containerd must not lower oom_score_adj. */
  readonly restrictOomScoreAdj: boolean;
  readonly ports: { kubelet: number; kubeletHealthz: number; proxyMetrics: number; proxyHealthz: number };
}

export const containerdDir = (l: NodeLayout): string => join(l.dir, 'containerd');
export const containerdSocket = (l: NodeLayout): string => join(containerdDir(l), 'containerd.sock');

/**
 * containerd 1.6 (config version 2) with its own root, state and socket; CRI with cgroupfs,
 * overlayfs, network namespaces under the state directory (so teardown finds their mounts) and the
 * CNI configuration of {@link cniConflist}. `restrict_oom_score_adj`: on hosts whose root lacks
 * CAP_SYS_RESOURCE, runc fails every sandbox ("can't get final child's PID from pipe") because CRI
 * asks for oom_score_adj -998; with it, containers never go below containerd's own value.
 */
export function containerdConfig(l: NodeLayout): string {
  const d = containerdDir(l);
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${join(d, 'root')}"
state = "${join(d, 'state')}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "${containerdSocket(l)}"
[plugins."io.containerd.internal.v1.opt"]
  path = "${join(d, 'opt')}"
[${cri}]
  sandbox_image = "${l.sandboxImage}"
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = ${l.restrictOomScoreAdj}
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"
[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
  BinaryName = "${l.runc}"
[${cri}.cni]
  bin_dir = "${l.cniBinDir}"
  conf_dir = "${join(l.dir, 'cni', 'net.d')}"
`;
}

/** One bridge network with host-local addresses, masquerading and hairpin; plus portmap. */
export function cniConflist(l: NodeLayout): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: 'zr-node',
    plugins: [
      {
        type: 'bridge',
        bridge: l.bridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: join(l.dir, 'cni', 'ipam'),
          ranges: [[{ subnet: l.podCidr, gateway: l.gatewayIp }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  });
}

/**
 * KubeletConfiguration: cgroupfs (cgroup v1 allowed), x509 client auth against the test CA with
 * AlwaysAllow (the API server's kubelet client cert is signed by it), a serving certificate from
 * the test CA (metrics-server verifies it when it scrapes /metrics/resource), the bridge IP as
 * cluster DNS, and eviction / image GC thresholds that never fire on a full CI disk.
 */
export function kubeletConfig(
  l: NodeLayout,
  caCert: string,
  socket: string,
  serving: { readonly cert: string; readonly key: string },
): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    containerRuntimeEndpoint: `unix://${socket}`,
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: false },
      x509: { clientCAFile: caCert },
    },
    authorization: { mode: 'AlwaysAllow' },
    tlsCertFile: serving.cert,
    tlsPrivateKeyFile: serving.key,
    port: l.ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: l.ports.kubeletHealthz,
    clusterDomain: 'cluster.local',
    clusterDNS: [l.gatewayIp],
    resolvConf: '/etc/resolv.conf',
    staticPodPath: join(l.dir, 'manifests'),
    podLogsDir: join(l.dir, 'pod-logs'),
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '1%',
      'imagefs.available': '1%',
      'nodefs.inodesFree': '1%',
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    nodeStatusUpdateFrequency: '4s',
    syncFrequency: '10s',
    fileCheckFrequency: '5s',
  });
}

/** KubeProxyConfiguration: iptables mode; conntrack sysctls of the host left as they are. */
export function kubeProxyConfig(l: NodeLayout, kubeconfigPath: string): string {
  return JSON.stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: kubeconfigPath },
    mode: 'iptables',
    clusterCIDR: l.podCidr,
    hostnameOverride: l.nodeName,
    metricsBindAddress: `127.0.0.1:${l.ports.proxyMetrics}`,
    healthzBindAddress: `127.0.0.1:${l.ports.proxyHealthz}`,
    conntrack: { maxPerCore: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  });
}

/** CoreDNS as a host process on the bridge IP, serving cluster.local from the API server. */
export function corefile(
  l: NodeLayout,
  kubeconfigPath: string,
  ports: { health: number; ready: number },
): string {
  return `.:53 {
    bind ${l.gatewayIp}
    errors
    health 127.0.0.1:${ports.health}
    ready 127.0.0.1:${ports.ready}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfigPath} zr-test
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    forward . /etc/resolv.conf
    cache 5
}
`;
}

/** A kubeconfig authenticating with a client certificate (the kubelet's identity). */
export function certKubeconfig(server: string, caCert: string, cert: string, key: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'zr-test', cluster: { server, 'certificate-authority': caCert } }],
    users: [{ name: 'node', user: { 'client-certificate': cert, 'client-key': key } }],
    contexts: [{ name: 'zr-test', context: { cluster: 'zr-test', user: 'node' } }],
    'current-context': 'zr-test',
  });
}
