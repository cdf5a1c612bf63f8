import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ensureToolchain, repoRoot } from '../helpers/k8s/index.js';

const execFileP = promisify(execFile);

/** The chart under test and its ci/ value variants. */
export const CHART_DIR = join(repoRoot(), 'charts', 'zeek-relay');
export const CI_VARIANTS: readonly string[] = readdirSync(join(CHART_DIR, 'ci'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** A rendered Kubernetes object, loosely typed: tests read fields with {@link at}. */
export interface K8sDoc {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** Result of a helm command: exit code plus both streams (helm reports value errors on stderr). */
export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let toolchain: ReturnType<typeof ensureToolchain> | undefined;

/** Runs the pinned helm (scripts/k8s/toolchain.sh, built on first use) and never throws on exit codes. */
export async function helm(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<HelmResult> {
  toolchain ??= ensureToolchain('helm');
  const tc = await toolchain;
  try {
    const { stdout, stderr } = await execFileP(tc.bin('helm'), args, {
      maxBuffer: 64 << 20,
      env: { ...process.env, HELM_CACHE_HOME: join(tc.binDir, '..', 'helm-cache'), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(err),
    };
  }
}

/** Parses a multi-document YAML stream; fails on any YAML error, drops empty documents. */
export function parseDocs(text: string): K8sDoc[] {
  const docs = parseAllDocuments(text);
  const out: K8sDoc[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`Invalid YAML from helm: ${doc.errors[0]?.message ?? ''}`);
    const value = doc.toJS() as K8sDoc | null;
    if (value !== null) out.push(value);
  }
  return out;
}

/** `helm template` of the chart with the given flags; throws with helm's message on failure. */
export async function render(
  flags: readonly string[] = [],
  release = 'zr',
  namespace = 'zeek',
): Promise<K8sDoc[]> {
  const res = await helm(['template', release, CHART_DIR, '--namespace', namespace, ...flags]);
  if (res.code !== 0) throw new Error(`helm template failed: ${res.stderr}`);
  return parseDocs(res.stdout);
}

/** `--values` flag for a ci/ variant. */
export function variantFlags(variant: string): string[] {
  return ['--values', join(CHART_DIR, 'ci', variant)];
}

/** The one object of `kind` (and `name`, if given); throws listing what exists otherwise. */
export function find(docs: readonly K8sDoc[], kind: string, name?: string): K8sDoc {
  const hits = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (hits.length !== 1) {
    const have = docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ');
    throw new Error(`Expected one ${kind}${name ? `/${name}` : ''}, found ${hits.length} among: ${have}`);
  }
  return hits[0] as K8sDoc;
}

/** Value at a dotted path (`spec.template.spec.containers.0.image`), undefined when absent. */
export function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
