/**
 * zeekscript (PyPI; Zeek's own script parser package, tree-sitter grammar `tree-sitter-zeek`) in a
 * venv under `~/.cache/zeek-relay/python/`, so the generated Zeek scripts are judged by a parser
 * that is not ours. Created on first use by `pythonVenv` (needs python3 and PyPI, as CI has),
 * reused afterwards.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pythonVenv, pythonVenvDir } from '@zeek-relay/fixtures';

const run = promisify(execFile);

/** Pinned: the parser and the grammar it was released with. */
export const ZEEKSCRIPT_PACKAGES = ['zeekscript==1.3.6', 'tree-sitter==0.25.2', 'tree-sitter-zeek==0.2.15'];

/** A parse-tree node as `dump-tree.py` prints it. */
export interface ZeekNode {
  readonly type: string;
  readonly text?: string;
  readonly children?: readonly ZeekNode[];
}

/** One parsed file: `ok` false when the grammar rejected part of it (`error` says where). */
export interface ParsedScript {
  readonly ok: boolean;
  readonly error: string | null;
  readonly tree: ZeekNode;
}

/** `python3` when the machine has one (the tests skip with a clear reason otherwise). */
export async function hasPython(): Promise<boolean> {
  try {
    await run('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
}

async function venvPython(): Promise<string> {
  const name = `zeekscript-${ZEEKSCRIPT_PACKAGES.join('_').replace(/[^a-z0-9._-]/gi, '')}`;
  return pythonVenv(pythonVenvDir(name), ZEEKSCRIPT_PACKAGES);
}

/** Parses the files with zeekscript; one result per path. */
export async function parseZeekScripts(paths: readonly string[]): Promise<Record<string, ParsedScript>> {
  const python = await venvPython();
  const here = dirname(fileURLToPath(import.meta.url));
  // The .py file stays in the source tree (tsc does not copy it to dist).
  const script = join(here, '..', '..', '..', 'test', 'zeek-scripts', 'dump-tree.py');
  const { stdout } = await run(python, [script, ...paths], { timeout: 120_000, maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as Record<string, ParsedScript>;
}

/** Depth-first list of every node of `type` under `node`. */
export function findAll(node: ZeekNode, type: string): ZeekNode[] {
  const out: ZeekNode[] = [];
  const walk = (n: ZeekNode): void => {
    if (n.type === type) out.push(n);
    for (const c of n.children ?? []) walk(c);
  };
  walk(node);
  return out;
}

/** The source text under a node (leaf texts joined; spacing is not significant here). */
export function textOf(node: ZeekNode): string {
  return node.text ?? (node.children ?? []).map(textOf).join('');
}
