import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, repoRoot, startControlPlane, type ControlPlane } from '../helpers/k8s/index.js';
import { parseDockerfile, type Stage } from './dockerfile.js';

const root = repoRoot();

/** A service process started for a test; {@link stop} always leaves nothing running. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** PID of the node process itself (inside a PID namespace it is PID 1 there). */
  nodePid(): number;
  /** Resolves with the exit code, or the signal name when killed by one. */
  readonly exited: Promise<number | string>;
  output(): string;
  /** SIGKILL if still running (test cleanup only). */
  kill(): void;
}

export interface StartOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Run node as PID 1 of a new PID namespace (as the container runtime does), via unshare(1). */
  readonly pid1?: boolean;
  /** Drop to this uid:gid (the images' USER) via setpriv(1). */
  readonly user?: number;
}

/** Whether this machine can create PID namespaces and switch users (root with util-linux). */
export function canIsolate(): boolean {
  const res = spawnSync('unshare', [
    '--pid',
    '--fork',
    'setpriv',
    '--reuid=1000',
    '--regid=1000',
    '--clear-groups',
    'true',
  ]);
  return res.status === 0;
}

/** Starts `node <entry>` (optionally as PID 1 and non-root) with stdout/stderr captured. */
export function startService(entry: string, o: StartOptions): ServiceProcess {
  const node = [process.execPath, entry];
  const asUser =
    o.user === undefined ? [] : ['setpriv', `--reuid=${o.user}`, `--regid=${o.user}`, '--clear-groups'];
  const argv = o.pid1
    ? ['unshare', '--pid', '--fork', '--kill-child', ...asUser, ...node]
    : [...asUser, ...node];
  const [cmd, ...args] = argv as [string, ...string[]];
  const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const nodePid = (): number => {
    if (child.pid === undefined) throw new Error('not started');
    if (!o.pid1 && o.user === undefined) return child.pid;
    // Walk down the unshare/setpriv chain (both exec or fork once) to the node process.
    let pid = child.pid;
    for (let i = 0; i < 3; i++) {
      // By the program, not `comm`: Node 24 names its main thread (and so `comm`) "MainThread".
      const program = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (basename(program) === 'node') return pid;
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      if (kids.length !== 1) throw new Error(`expected one child of ${comm} (${pid}), found ${kids.length}`);
      pid = Number(kids[0]);
    }
    throw new Error('node process not found under unshare');
  };
  return {
    child,
    nodePid,
    exited,
    output: () => out,
    kill: () => child.exitCode === null && child.kill('SIGKILL'),
  };
}

/** Polls `url` until it answers 200; fails early with the process output when the process exits. */
export async function waitHealthy(url: string, proc: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  let last: unknown;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`process exited before ${url} answered:\n${proc.output()}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err; // not listening yet: poll again
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${String(last)}):\n${proc.output()}`);
}

/**
 * Lays out a service's runtime image in `dest` from its Dockerfile's final stage: every
 * `COPY --from=build /src/<path> <dest>` is copied from the built work tree; `node_modules` holds links
 * to the installed third-party packages and, under `@zeek-relay/`, only the workspace packages the
 * image copies, so a missing COPY shows up as a failed import.
 */
export function layoutImage(service: string, dest: string): void {
  const final = parseDockerfile(join(root, 'services', service, 'Dockerfile')).stages.at(-1) as Stage;
  const workspaces: string[] = [];
  for (const copy of final.copies.filter((c) => c.from === 'build')) {
    for (const src of copy.sources) {
      const rel = src.replace(/^\/src\//, '');
      const target =
        copy.dest.endsWith('/') || copy.dest === './'
          ? join(dest, copy.dest, rel.split('/').pop() ?? '')
          : join(dest, copy.dest);
      cpSync(join(root, rel), target, { recursive: true });
      if (rel.endsWith('/package.json') && rel !== 'package.json')
        workspaces.push(rel.slice(0, -'/package.json'.length));
    }
  }
  const modules = join(dest, 'node_modules');
  mkdirSync(join(modules, '@zeek-relay'), { recursive: true });
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name === '@zeek-relay' || name === '.bin' || name.startsWith('.')) continue;
    symlinkSync(join(root, 'node_modules', name), join(modules, name));
  }
  for (const ws of workspaces) {
    const pkg = JSON.parse(readFileSync(join(dest, ws, 'package.json'), 'utf8')) as { name: string };
    symlinkSync(join(dest, ws), join(modules, pkg.name));
  }
}

/**
 * The ZR_* settings that make a service listen on free loopback ports only (log files in `logDir`,
 * the operator's API server from `kubeconfig`: paths as the process sees them); its health URL.
 */
export async function serviceEnv(
  svc: 'hub' | 'gateway' | 'log-sink' | 'operator',
  paths: { readonly logDir: string; readonly kubeconfig: string },
): Promise<{ env: Record<string, string>; health: string }> {
  const http = await freePort();
  switch (svc) {
    case 'hub':
      return {
        env: {
          ZR_HUB_BIND_ADDRESS: '127.0.0.1',
          ZR_HUB_XPUB_PORT: String(await freePort()),
          ZR_HUB_XSUB_PORT: String(await freePort()),
          ZR_HUB_HTTP_HOST: '127.0.0.1',
          ZR_HUB_HTTP_PORT: String(http),
        },
        health: `http://127.0.0.1:${http}/healthz`,
      };
    case 'gateway':
      return {
        env: {
          ZR_GATEWAY_HOST: '127.0.0.1',
          ZR_GATEWAY_PORT: String(await freePort()),
          ZR_GATEWAY_HEALTH_HOST: '127.0.0.1',
          ZR_GATEWAY_HEALTH_PORT: String(http),
          ZR_GATEWAY_CONNECT_XPUB_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
          ZR_GATEWAY_CONNECT_XSUB_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
        },
        health: `http://127.0.0.1:${http}/healthz`,
      };
    case 'log-sink':
      return {
        env: {
          ZR_SINK_PULL_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
          ZR_SINK_LOG_DIR: paths.logDir,
          ZR_SINK_HTTP_HOST: '127.0.0.1',
          ZR_SINK_HTTP_PORT: String(http),
        },
        health: `http://127.0.0.1:${http}/healthz`,
      };
    case 'operator':
      return {
        env: {
          ZR_OPERATOR_KUBECONFIG: paths.kubeconfig,
          ZR_OPERATOR_LEASE_NAMESPACE: 'default',
          ZR_OPERATOR_HEALTH_HOST: '127.0.0.1',
          ZR_OPERATOR_HEALTH_PORT: String(http),
        },
        health: `http://127.0.0.1:${http}/healthz`,
      };
  }
}

/**
 * What the operator needs to start: the apiserver tier of the test control plane with the CRD
 * installed (so its ZeekCluster watch starts), and a kubeconfig for it at `kubeconfig`.
 */
export async function startOperatorApi(kubeconfig: string): Promise<ControlPlane> {
  const cp = await startControlPlane({ tier: 'apiserver' });
  await cp.kubectl([
    'apply',
    '--server-side',
    '-f',
    join(root, 'deploy', 'crds', 'zeekclusters.zeek-relay.io.yaml'),
  ]);
  writeKubeconfig(cp, kubeconfig);
  return cp;
}

/** A kubeconfig (world-readable: the services run as uid 1000) for the control plane's admin token. */
export function writeKubeconfig(cp: ControlPlane, path: string): void {
  const ca = readFileSync(cp.caCertPath).toString('base64');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: cp.server, 'certificate-authority-data': ca } }],
      users: [{ name: 'admin', user: { token: cp.token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
      'current-context': 'test',
    }),
    { mode: 0o644 },
  );
}
