import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, packBusyboxImages, staticBusybox } from './busybox-images.js';
import { signServerCert, type Pki } from './certs.js';
import type { KubeHttp } from './kube-http.js';
import {
  certKubeconfig,
  cniConflist,
  containerdConfig,
  containerdSocket,
  corefile,
  kubeletConfig,
  kubeProxyConfig,
  type NodeLayout,
} from './node-config.js';
import { foreignChains, pidsMentioning, snapshotHost, writeMarker, writeSysctl } from './node-host.js';
import { acquireNodeLock, type NodeLock } from './node-janitor.js';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.js';
import type { Toolchain } from './toolchain.js';
import { nodeIsReady } from './fake-node.js';

const execFileP = promisify(execFile);

export { BUSYBOX_IMAGE, PAUSE_IMAGE };
export const NODE_NAME = 'zr-node';
const BRIDGE = 'zr0';
const POD_CIDR = '10.244.0.0/24';
const GATEWAY_IP = '10.244.0.1';
const CNI_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];
const CNI_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'];
const HOST_TOOLS = ['containerd', 'ctr', 'runc', 'iptables', 'ip6tables', 'ip', 'flock', 'tar', 'file'];

/** A real kubelet on this machine, with containerd, CNI bridge networking, kube-proxy and CoreDNS. */
export interface RealNode {
  readonly name: string;
  /** The bridge IP: the pods' gateway, the cluster DNS server and the API server's advertise address. */
  readonly gatewayIp: string;
  readonly containerdSocket: string;
  /** Imports an OCI/docker archive into containerd's `k8s.io` namespace (pods: imagePullPolicy Never). */
  importImage(tarPath: string): Promise<void>;
  /** Runs `ctr -n k8s.io …` against the node's containerd. */
  ctr(args: readonly string[]): Promise<string>;
  /** Resident memory (KiB) of every process of the stack by command name (shims summed), and of the pods. */
  memory(): Record<string, number>;
}

function onPath(tool: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (d && existsSync(join(d, tool))) return join(d, tool);
  }
  return undefined;
}

/**
 * Why real pods cannot run here (one line), or undefined when they can: needs Linux, root, the
 * overlay filesystem, bridge netfilter, containerd + runc + the CNI plugins + iptables (Debian:
 * containerd runc containernetworking-plugins iptables conntrack) and a static busybox.
 */
export async function realNodeSkipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `real node: needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'real node: needs root (containerd, kubelet, iptables)';
  if (!/\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8')))
    return 'real node: kernel has no overlayfs';
  const missing = HOST_TOOLS.filter((t) => !onPath(t));
  if (missing.length) return `real node: missing ${missing.join(', ')} (see .ci/run's apt line)`;
  if (!cniBinDir()) return `real node: CNI plugins ${CNI_PLUGINS.join(', ')} not in ${CNI_DIRS.join(' or ')}`;
  if (!existsSync('/proc/sys/net/bridge')) {
    try {
      execFileSync('modprobe', ['br_netfilter'], { stdio: 'ignore' });
    } catch {
      // reported below
    }
    if (!existsSync('/proc/sys/net/bridge')) return 'real node: kernel lacks br_netfilter';
  }
  if (!(await staticBusybox())) return 'real node: no static busybox (apt-get install busybox-static)';
  return undefined;
}

function cniBinDir(): string | undefined {
  return CNI_DIRS.find((d) => CNI_PLUGINS.every((p) => existsSync(join(d, p))));
}

/** CAP_SYS_RESOURCE (bit 24) in this process's bounding set. */
function hasSysResource(): boolean {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && (BigInt(`0x${m[1]}`) & (1n << 24n)) !== 0n;
}

/** The host half of a node: lock, recorded host state, bridge, containerd with the sandbox image. */
export interface NodeHost {
  readonly layout: NodeLayout;
  readonly lock: NodeLock;
  readonly containerd: ManagedProcess;
  readonly node: RealNode;
}

/**
 * Takes the machine-wide lock (its janitor first tears down a previous run's leftovers), records
 * the host state (marker) before touching it, enables forwarding, creates the bridge, starts
 * containerd with its own root/state/socket and imports the sandbox (and busybox) image.
 * On failure everything is undone before the error propagates.
 */
export async function prepareNodeHost(dir: string, log: (l: string) => void): Promise<NodeHost> {
  const lock = await acquireNodeLock(log);
  let containerd: ManagedProcess | undefined;
  try {
    const chains = foreignChains();
    if (chains.length > 0)
      throw new Error(`real node: this host already has Kubernetes/CNI iptables chains (${chains[0]} …)`);
    const layout: NodeLayout = {
      dir,
      nodeName: NODE_NAME,
      bridge: BRIDGE,
      podCidr: POD_CIDR,
      gatewayIp: GATEWAY_IP,
      sandboxImage: PAUSE_IMAGE,
      cniBinDir: cniBinDir() ?? CNI_DIRS[0]!,
      runc: onPath('runc') ?? 'runc',
      restrictOomScoreAdj: !hasSysResource(),
      ports: {
        kubelet: await freePort(),
        kubeletHealthz: await freePort(),
        proxyMetrics: await freePort(),
        proxyHealthz: await freePort(),
      },
    };
    writeMarker(snapshotHost(dir, BRIDGE));
    writeSysctl('net.ipv4.ip_forward', '1');
    writeSysctl('net.bridge.bridge-nf-call-iptables', '1');
    // The bridge exists before any pod so CoreDNS can bind the gateway address at start.
    execFileSync('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', `${GATEWAY_IP}/24`, 'dev', BRIDGE]);
    execFileSync('ip', ['link', 'set', BRIDGE, 'up']);
    mkdirSync(join(dir, 'containerd'), { recursive: true });
    mkdirSync(join(dir, 'cni', 'net.d'), { recursive: true });
    writeFileSync(join(dir, 'containerd', 'config.toml'), containerdConfig(layout));
    writeFileSync(join(dir, 'cni', 'net.d', '10-zr-node.conflist'), cniConflist(layout));
    log(
      `Starting containerd${layout.restrictOomScoreAdj ? ' (no CAP_SYS_RESOURCE: restrict_oom_score_adj)' : ''}`,
    );
    containerd = startProcess(
      'containerd',
      'containerd',
      ['--config', join(dir, 'containerd', 'config.toml')],
      join(dir, 'logs', 'containerd.log'),
    );
    const node = realNode(layout);
    await waitFor('containerd', async () => (await node.ctr(['version'])).includes('Server'), {
      proc: containerd,
    });
    for (const archive of await packBusyboxImages(dir)) await node.importImage(archive);
    return { layout, lock, containerd, node };
  } catch (err) {
    await containerd?.stop(5_000);
    await lock.release();
    throw err;
  }
}

function realNode(layout: NodeLayout): RealNode {
  const socket = containerdSocket(layout);
  const ctr = async (args: readonly string[]): Promise<string> =>
    (await execFileP('ctr', ['--address', socket, '-n', 'k8s.io', ...args], { maxBuffer: 16 << 20 })).stdout;
  return {
    name: layout.nodeName,
    gatewayIp: layout.gatewayIp,
    containerdSocket: socket,
    ctr,
    async importImage(tarPath) {
      await ctr(['images', 'import', tarPath]);
    },
    memory() {
      const out: Record<string, number> = {};
      for (const pid of pidsMentioning(layout.dir)) {
        try {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8');
          const name = /^Name:\s*(\S+)/m.exec(status)?.[1] ?? String(pid);
          const rss = Number(/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? 0);
          if (name !== 'sh') out[name] = (out[name] ?? 0) + rss;
        } catch {
          // exited
        }
      }
      // Everything inside the pods (cgroup v1: the kubepods memory cgroup's RSS, without page cache).
      try {
        const stat = readFileSync('/sys/fs/cgroup/memory/kubepods/memory.stat', 'utf8');
        out['pods (cgroup rss)'] = Math.round(Number(/^total_rss (\d+)$/m.exec(stat)?.[1] ?? 0) / 1024);
      } catch {
        // cgroup v2 or no pods yet
      }
      return out;
    },
  };
}

/**
 * The kubelet's serving certificate from the test CA, valid for the node name and every address
 * of this host (the kubelet reports one of them as the Node's InternalIP, which metrics-server
 * dials and verifies). The bridge exists already, so its address is among them.
 */
function kubeletServingCert(pki: Pki, layout: NodeLayout): Promise<{ cert: string; key: string }> {
  const ips = Object.values(networkInterfaces())
    .flat()
    .flatMap((a) => (a && !a.internal ? [`IP:${a.address}`] : []));
  return signServerCert(pki, 'kubelet-serving', `/CN=${layout.nodeName}`, [
    `DNS:${layout.nodeName}`,
    'IP:127.0.0.1',
    ...new Set([`IP:${layout.gatewayIp}`, ...ips]),
  ]);
}

/** What {@link startNodeAgents} needs from the control plane. */
export interface AgentContext {
  readonly host: NodeHost;
  readonly tc: Toolchain;
  readonly pki: Pki;
  readonly server: string;
  readonly adminKubeconfig: string;
  readonly kubeletClient: { readonly cert: string; readonly key: string };
  readonly http: KubeHttp;
  readonly log: (l: string) => void;
}

/**
 * Starts the kubelet (waits for its Node to be Ready), kube-proxy (iptables) and CoreDNS (a host
 * process on the bridge IP). The harness has RBAC only, no Node authorizer: group system:nodes
 * gets ClusterRole system:node first.
 */
export async function startNodeAgents(ctx: AgentContext): Promise<ManagedProcess[]> {
  const { host, tc, pki, http, log } = ctx;
  const { layout } = host;
  const dir = layout.dir;
  const file = (name: string, content: string): string => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const logFile = (n: string): string => join(dir, 'logs', `${n}.log`);
  await http.json('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name: 'zr-node-system-nodes' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }],
  });
  const procs: ManagedProcess[] = [];
  try {
    mkdirSync(join(dir, 'manifests'), { recursive: true });
    const serving = await kubeletServingCert(pki, layout);
    log('Starting kubelet');
    const kubelet = startProcess(
      'kubelet',
      tc.bin('kubelet'),
      [
        `--config=${file('kubelet.json', kubeletConfig(layout, pki.caCert, host.node.containerdSocket, serving))}`,
        `--kubeconfig=${file('kubelet.kubeconfig', certKubeconfig(ctx.server, pki.caCert, ctx.kubeletClient.cert, ctx.kubeletClient.key))}`,
        `--root-dir=${join(dir, 'kubelet')}`,
        `--cert-dir=${join(dir, 'kubelet', 'pki')}`,
        `--hostname-override=${layout.nodeName}`,
        '--v=1',
      ],
      logFile('kubelet'),
    );
    procs.push(kubelet);
    await waitFor(
      `node ${layout.nodeName} Ready`,
      async () => nodeIsReady(await http.json('GET', `/api/v1/nodes/${layout.nodeName}`), layout.nodeName),
      { proc: kubelet },
    );
    log('Starting kube-proxy and CoreDNS');
    const proxy = startProcess(
      'kube-proxy',
      tc.bin('kube-proxy'),
      [`--config=${file('kube-proxy.json', kubeProxyConfig(layout, ctx.adminKubeconfig))}`, '--v=1'],
      logFile('kube-proxy'),
    );
    procs.push(proxy);
    const dnsPorts = { health: await freePort(), ready: await freePort() };
    const dns = startProcess(
      'coredns',
      tc.bin('coredns'),
      ['-conf', file('Corefile', corefile(layout, ctx.adminKubeconfig, dnsPorts))],
      logFile('coredns'),
    );
    procs.push(dns);
    const ok = async (url: string): Promise<boolean> => (await fetch(url)).ok;
    await waitFor('kube-proxy /healthz', () => ok(`http://127.0.0.1:${layout.ports.proxyHealthz}/healthz`), {
      proc: proxy,
    });
    await waitFor('CoreDNS /ready', () => ok(`http://127.0.0.1:${dnsPorts.ready}/ready`), { proc: dns });
    return procs;
  } catch (err) {
    for (const p of procs.reverse()) await p.stop(5_000);
    throw err;
  }
}
