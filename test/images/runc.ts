/**
 * Runs a packed image for real without a cluster: its layers unpacked into a root filesystem (as
 * containerd's snapshotter would), an OCI runtime bundle made from the image config (entrypoint,
 * user, workdir, env) and `runc run`: new PID, mount, IPC and UTS namespaces, read-only root, the
 * host's network (or a named network namespace), its own runc state directory. Every container is
 * killed and deleted by {@link Container.remove}.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageConfig } from '../helpers/images/index.js';
import { readArchive } from './oci-archive.js';

/** Why runc cannot run here (one line), or undefined. */
export function runcUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (runc)';
  if (spawnSync('runc', ['--version']).status !== 0) return 'runc not found (apt-get install runc)';
  if (spawnSync('ip', ['netns', 'list']).status !== 0)
    return 'ip netns unavailable (apt-get install iproute2)';
  return undefined;
}

/**
 * Unpacks the layers of the archive's image, in order, into `dest` (from layer `from` on: the
 * lower ones are already there); returns the image config.
 */
export function unpack(archive: string, dest: string, from = 0): ImageConfig {
  const a = readArchive(archive);
  mkdirSync(dest, { recursive: true });
  for (const l of a.manifest.layers.slice(from)) {
    const blob = `blobs/sha256/${l.digest.slice('sha256:'.length)}`;
    const r = spawnSync('sh', [
      '-c',
      'tar -xOf "$1" "$2" | tar -xzf - --numeric-owner -C "$3"',
      'sh',
      archive,
      blob,
      dest,
    ]);
    if (r.status !== 0) throw new Error(`unpacking ${blob}: ${r.stderr.toString()}`);
  }
  return a.config;
}

export interface ContainerOptions {
  readonly id: string;
  readonly rootfs: string;
  readonly image: ImageConfig;
  /** Replaces Entrypoint + Cmd (a pod's `command`). */
  readonly args?: readonly string[];
  /** Added to (and overriding) the image's Env. */
  readonly env?: Readonly<Record<string, string>>;
  /** Bind mounts: host path → container path. */
  readonly binds?: readonly {
    readonly source: string;
    readonly destination: string;
    readonly readonly?: boolean;
  }[];
  /** Join this network namespace (a path such as /var/run/netns/x); default: the host's. */
  readonly netns?: string;
  /** Where bundles and runc state go. */
  readonly workDir: string;
}

export interface Container {
  readonly id: string;
  /** Exit code of the container's PID 1 (or the signal name). */
  readonly exited: Promise<number | string>;
  output(): string;
  /** Host PIDs of the container's processes. */
  pids(): number[];
  /** `runc kill <id> <signal>` (to PID 1, as the kubelet does). */
  signal(sig: string): void;
  /** SIGKILL (if running) and `runc delete --force`. */
  remove(): Promise<void>;
}

function bundleConfig(o: ContainerOptions): unknown {
  const c = o.image.config;
  const [uid, gid] = c.User.split(':').map(Number);
  const env = new Map(c.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  for (const [k, v] of Object.entries(o.env ?? {})) env.set(k, v);
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: uid ?? 0, gid: gid ?? 0 },
      args: o.args ?? [...c.Entrypoint, ...(c.Cmd ?? [])],
      env: [...env].map(([k, v]) => `${k}=${v}`),
      cwd: c.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: true,
    },
    root: { path: o.rootfs, readonly: true },
    hostname: o.id,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      ...(o.binds ?? []).map((b) => ({
        destination: b.destination,
        type: 'bind',
        source: b.source,
        options: ['rbind', b.readonly === false ? 'rw' : 'ro'],
      })),
    ],
    linux: {
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        ...(o.netns ? [{ type: 'network', path: o.netns }] : []),
      ],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** Creates and starts a container in the foreground of a `runc run` child process. */
export function runContainer(o: ContainerOptions): Container {
  const bundle = join(o.workDir, 'bundles', o.id);
  const state = join(o.workDir, 'runc-state');
  mkdirSync(bundle, { recursive: true });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(bundleConfig(o)));
  const runc = (...args: string[]) => spawnSync('runc', ['--root', state, ...args], { encoding: 'utf8' });
  // Behind a small sh reaper: if the test process dies (even by SIGKILL), the container is killed.
  const reaper = `runc --root "$1" run --bundle "$2" "$3" & c=$!
while kill -0 ${process.pid} 2>/dev/null && kill -0 $c 2>/dev/null; do sleep 1 & wait $!; done
kill -0 $c 2>/dev/null && runc --root "$1" kill "$3" KILL
wait $c; s=$?; runc --root "$1" delete --force "$3" 2>/dev/null; exit $s`;
  const child: ChildProcess = spawn('sh', ['-c', reaper, 'runc-reaper', state, bundle, o.id], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')),
  );
  return {
    id: o.id,
    exited,
    output: () => out,
    pids: () => {
      const r = runc('ps', '--format', 'json', o.id);
      return r.status === 0 ? (JSON.parse(r.stdout || '[]') as number[]) : [];
    },
    signal: (sig) => {
      const r = runc('kill', o.id, sig);
      if (r.status !== 0) throw new Error(`runc kill ${o.id} ${sig}: ${r.stderr}`);
    },
    remove: async () => {
      if (child.exitCode === null && child.signalCode === null) runc('kill', o.id, 'KILL');
      await exited;
      runc('delete', '--force', o.id);
    },
  };
}

/** A process's program (argv[0], as exec'd) and real uid, from /proc. */
export function procStatus(pid: number): { name: string; uid: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  return { name: argv0.split('/').pop() ?? '', uid: Number(/^Uid:\s+(\d+)/m.exec(s)?.[1]) };
}
