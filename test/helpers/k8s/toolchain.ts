import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the Kubernetes test binaries live (built by `scripts/k8s/toolchain.sh`). */
export interface Toolchain {
  readonly binDir: string;
  /** kwok's stock Stage manifests (node-initialize, heartbeat, pod-ready, …). */
  readonly stagesDir: string;
  bin(
    name:
      | 'etcd'
      | 'kube-apiserver'
      | 'kube-controller-manager'
      | 'kube-scheduler'
      | 'kubectl'
      | 'kwok'
      | 'helm'
      | 'kubelet'
      | 'kube-proxy'
      | 'coredns'
      | 'metrics-server',
  ): string;
}

/** The repository root, found by walking up from this file to `scripts/k8s/toolchain.sh`. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'k8s', 'toolchain.sh'))) return dir;
    const up = dirname(dir);
    if (up === dir)
      throw new Error('Could not find scripts/k8s/toolchain.sh above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

function runScript(args: string[], inheritProgress: boolean): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot(), 'scripts', 'k8s', 'toolchain.sh'), ...args], {
      stdio: ['ignore', 'pipe', inheritProgress ? 'inherit' : 'ignore'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

let cached: Promise<Toolchain> | undefined;

/**
 * Returns the cached toolchain, building it first when missing (a cold build takes tens of minutes
 * on two cores; progress is written to stderr). `only` builds just one component (e.g. `helm`).
 * The build itself is serialised across processes by the script's flock.
 */
export function ensureToolchain(only?: 'helm' | 'etcd' | 'kwok' | 'kube'): Promise<Toolchain> {
  if (only) return make(['--only', only]);
  cached ??= make([]);
  return cached;
}

let cachedNode: Promise<Toolchain> | undefined;

/** The whole toolchain plus the real node's kubelet, kube-proxy, CoreDNS and metrics-server (`--node`). */
export function ensureNodeToolchain(): Promise<Toolchain> {
  cachedNode ??= make(['--node']);
  return cachedNode;
}

/** toolchain.sh's exit code when no Go toolchain is on PATH. */
const NO_GO = 3;

/**
 * The path of skaffold's published configuration schema `skaffold/<version>` (e.g. `v4beta14`), taken
 * from skaffold's own Go module by `toolchain.sh --only skaffold-schema` on first use (a 45 MB module
 * download; only the schema is kept, in the toolchain cache). `undefined` when no Go toolchain is
 * installed; throws when the step fails or pins a different schema version.
 */
export async function skaffoldSchema(version: string): Promise<string | undefined> {
  const args = ['--only', 'skaffold-schema'];
  let res = await runScript(['--print', ...args], false);
  if (res.code !== 0) res = await runScript(args, true);
  if (res.code === NO_GO) return undefined;
  if (res.code !== 0)
    throw new Error(`scripts/k8s/toolchain.sh --only skaffold-schema failed with exit code ${res.code}`);
  const binDir = res.out.trim().split('\n').pop() ?? '';
  const file = join(dirname(binDir), 'skaffold-schema', `${version}.json`);
  if (!existsSync(file))
    throw new Error(`${file} missing: toolchain.sh pins another skaffold schema version`);
  return file;
}

async function make(extra: string[]): Promise<Toolchain> {
  let res = await runScript(['--print', ...extra], false);
  if (res.code !== 0) {
    process.stderr.write('Kubernetes test toolchain missing: building it (scripts/k8s/toolchain.sh)…\n');
    res = await runScript(extra, true);
    if (res.code !== 0) throw new Error(`scripts/k8s/toolchain.sh failed with exit code ${res.code}`);
  }
  const binDir = res.out.trim().split('\n').pop() ?? '';
  return { binDir, stagesDir: join(dirname(binDir), 'kwok-stages'), bin: (name) => join(binDir, name) };
}
