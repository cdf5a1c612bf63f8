import { execFileSync } from 'node:child_process';
import {
  existsSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Host state of the real node (test/helpers/k8s/real-node.ts): what it changes outside its state
 * directory, recorded BEFORE the change in a marker file next to the global lock, and the one
 * teardown that undoes it (used by a normal stop, by the janitor when the test process died, and
 * by the next start when even the janitor was killed).
 */

/** Everything needed to undo a real node's changes to the host. */
export interface HostRecord {
  /** The node's state directory (certs, etcd, containerd root/state, kubelet root, logs). */
  readonly stateDir: string;
  /** The CNI bridge the harness created. */
  readonly bridge: string;
  /** Sysctl values before the start (name → value). */
  readonly sysctls: Readonly<Record<string, string>>;
  /** Host paths that did not exist before the start (hard-coded by containerd, libcni, kubelet). */
  readonly createdPaths: readonly string[];
  /** Cgroup directories (`/sys/fs/cgroup/<hierarchy>/<name>`) that did not exist before. */
  readonly createdCgroups: readonly string[];
}

/** Where the global lock and the marker live (`/run/lock`, or the temp dir on hosts without it). */
export function lockDir(): string {
  return existsSync('/run/lock') ? '/run/lock' : tmpdir();
}
export const lockPath = (): string => join(lockDir(), 'zeek-relay-real-node.lock');
export const markerPath = (): string => join(lockDir(), 'zeek-relay-real-node.json');

/**
 * Sysctls the stack changes: ip_forward and bridge-nf (ours, for the bridge), route_localnet
 * (kube-proxy), and the kernel tunables the kubelet sets unless protectKernelDefaults (which would
 * make it refuse to start on hosts with other values instead).
 */
export const TOUCHED_SYSCTLS = [
  'net.ipv4.ip_forward',
  'net.bridge.bridge-nf-call-iptables',
  'net.ipv4.conf.all.route_localnet',
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
] as const;

/** Paths outside the state directory that containerd 1.6, libcni and kubelet 1.34 hard-code. */
export const HARD_CODED_PATHS = [
  '/run/containerd',
  '/var/lib/cni',
  '/var/lib/kubelet',
  '/var/log/pods',
  '/var/log/containers',
] as const;

/** Cgroups the kubelet (cgroupfs driver) and containerd create in every hierarchy. */
const CGROUP_NAMES = ['kubepods', 'k8s.io'] as const;
const CGROUP_ROOT = '/sys/fs/cgroup';

export function readSysctl(name: string): string {
  return readFileSync(join('/proc/sys', ...name.split('.')), 'utf8').trim();
}

export function writeSysctl(name: string, value: string): void {
  writeFileSync(join('/proc/sys', ...name.split('.')), `${value}\n`);
}

function cgroupHierarchies(): string[] {
  try {
    return readdirSync(CGROUP_ROOT)
      .map((h) => join(CGROUP_ROOT, h))
      .filter((p) => statSync(p).isDirectory());
  } catch {
    return [];
  }
}

/** Snapshots the host before the node starts (nothing is changed yet). */
export function snapshotHost(stateDir: string, bridge: string): HostRecord {
  const sysctls: Record<string, string> = {};
  for (const k of TOUCHED_SYSCTLS) {
    if (existsSync(join('/proc/sys', ...k.split('.')))) sysctls[k] = readSysctl(k);
  }
  return {
    stateDir,
    bridge,
    sysctls,
    createdPaths: HARD_CODED_PATHS.filter((p) => !existsSync(p)),
    createdCgroups: cgroupHierarchies().flatMap((h) =>
      CGROUP_NAMES.map((n) => join(h, n)).filter((p) => !existsSync(p)),
    ),
  };
}

export function writeMarker(record: HostRecord): void {
  const tmp = `${markerPath()}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2));
  renameSync(tmp, markerPath());
}

export function readMarker(): HostRecord | undefined {
  try {
    return JSON.parse(readFileSync(markerPath(), 'utf8')) as HostRecord;
  } catch {
    return undefined;
  }
}

const run = (cmd: string, args: readonly string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
};

/** PIDs whose command line mentions `needle` (daemons, their reapers, containerd shims). */
export function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) out.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Every process in a kubepods/k8s.io cgroup (the containers and pod sandboxes). */
export function podPids(): number[] {
  const pids = new Set<number>();
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    if (entries.includes('cgroup.procs')) {
      for (const l of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n'))
        if (l.trim()) pids.add(Number(l));
    }
    for (const e of entries) {
      const p = join(dir, e);
      if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p);
    }
  };
  for (const h of cgroupHierarchies()) for (const n of CGROUP_NAMES) walk(join(h, n));
  return [...pids];
}

function killAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function settle(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** SIGKILLs what `list()` returns until it returns nothing (processes may fork meanwhile). */
function killUntilGone(list: () => number[]): void {
  for (let i = 0; i < 50; i++) {
    const pids = list();
    if (pids.length === 0) return;
    killAll(pids, 'SIGKILL');
    settle(100);
  }
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .map((m) => m.replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** `iptables -S`-style chains named KUBE-* or CNI-* in the tables the node writes to. */
export function foreignChains(): string[] {
  const found: string[] = [];
  for (const ipt of ['iptables', 'ip6tables'])
    for (const table of ['filter', 'nat', 'mangle'])
      for (const l of run(ipt, ['-t', table, '-S']).split('\n')) {
        const m = /^-N ((?:KUBE|CNI)-\S+)/.exec(l);
        if (m) found.push(`${ipt} ${table} ${m[1]}`);
      }
  return found;
}

/** Removes every KUBE-* and CNI-* chain (and the jumps into them) of both address families. */
function removeChains(): void {
  for (const ipt of ['iptables', 'ip6tables'])
    for (const table of ['filter', 'nat', 'mangle']) {
      const rules = run(ipt, ['-t', table, '-S']).split('\n');
      for (const l of rules) {
        const m = /^-A (\S+) (.*)$/.exec(l);
        if (m && !/^(KUBE|CNI)-/.test(m[1]!) && / -j (KUBE|CNI)-/.test(l))
          run(ipt, ['-t', table, '-D', m[1]!, ...splitRule(m[2]!)]);
      }
      const chains = rules.flatMap((l) => /^-N ((?:KUBE|CNI)-\S+)/.exec(l)?.[1] ?? []);
      for (const c of chains) run(ipt, ['-t', table, '-F', c]);
      for (const c of chains) run(ipt, ['-t', table, '-X', c]);
    }
}

/** Splits an `iptables -S` rule into argv (double-quoted words keep their spaces, lose their escapes). */
export function splitRule(rule: string): string[] {
  return [...rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!,
  );
}

function removeCgroup(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) removeCgroup(p);
  }
  for (let i = 0; i < 20; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch {
      settle(100); // a task may still be leaving it
    }
  }
}

/**
 * Undoes everything of `record`: SIGTERM then SIGKILL to every process mentioning the state
 * directory, SIGKILL to every pod process, unmounts below the state directory, removes the bridge
 * and the KUBE-* and CNI-* iptables chains, restores the sysctls, removes the host paths and cgroups
 * it created, deletes the state directory and the marker. Idempotent; never throws.
 */
export function teardownHost(record: HostRecord, graceMs = 5_000): void {
  killAll(pidsMentioning(record.stateDir), 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pidsMentioning(record.stateDir).length > 0 && Date.now() < deadline) settle(100);
  killUntilGone(podPids);
  killUntilGone(() => pidsMentioning(record.stateDir));
  for (const m of mountsUnder(record.stateDir)) run('umount', ['-l', m]);
  run('ip', ['link', 'del', record.bridge]);
  removeChains();
  for (const [k, v] of Object.entries(record.sysctls)) {
    try {
      writeSysctl(k, v);
    } catch {
      // the key vanished (module unloaded): nothing to restore
    }
  }
  for (const p of record.createdPaths) rmSync(p, { recursive: true, force: true });
  for (const c of record.createdCgroups) removeCgroup(c);
  // Never delete through a mount that would not go away (a bind mount could lead anywhere).
  // rm(1): node's recursive rmSync is several times slower on containerd's many small files.
  if (mountsUnder(record.stateDir).length === 0) run('rm', ['-rf', '--one-file-system', record.stateDir]);
  rmSync(markerPath(), { force: true });
}

/**
 * Whether kube-proxy has programmed ClusterIP `ip`:`port` with at least one endpoint: a
 * KUBE-SERVICES rule for it in the nat table that jumps to a KUBE-SVC chain holding a KUBE-SEP
 * jump. A Service, its EndpointSlice and Ready pods exist before that (kube-proxy syncs on its own
 * schedule), and until then a connection from the host to the ClusterIP leaves by the default route
 * — on this machine to an egress proxy that answers any HTTP request with 404, which is what a test
 * connecting right after `Ready` once saw. Tests wait for this before they use a ClusterIP.
 */
export function serviceRouted(ip: string, port: number, protocol: 'tcp' | 'udp' = 'tcp'): boolean {
  const rule = new RegExp(
    `-d ${ip.replace(/\./g, '\\.')}/32 -p ${protocol} .*--dport ${port} -j (KUBE-SVC-\\S+)`,
  );
  const svc = run('iptables', ['-t', 'nat', '-S', 'KUBE-SERVICES'])
    .split('\n')
    .map((l) => rule.exec(l)?.[1])
    .find((c) => c !== undefined);
  return svc !== undefined && / -j KUBE-SEP-/.test(run('iptables', ['-t', 'nat', '-S', svc]));
}
