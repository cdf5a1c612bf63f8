// `tsc -b` never deletes what it emitted for a source that is gone, so a renamed or deleted test
// keeps running from dist/ and a deleted module keeps shipping. This module finds those orphans:
// an emitted file (`.js`, `.d.ts`, their `.map`s) under a `dist/` directory whose source
// (`<project>/<same path>.ts`, `.tsx`, `.mts` or `.js`) no longer exists. `<project>` is the
// directory that holds `dist/` (every tsconfig here has `rootDir: "."` and `outDir: "dist"`).
// Used by run-tests.mjs before it collects test files; `node scripts/stale-dist.mjs [root]`
// prunes a whole tree.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const EMITTED = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;
const SOURCE_EXTS = ['.ts', '.tsx', '.mts', '.js'];

/**
 * The source a file in `distDir` was compiled from, or undefined when the name is not emitted code.
 * @param {string} project the directory holding `dist/`
 * @param {string} rel the file's path relative to `dist/`
 * @returns {string[] | undefined} candidate source paths (any one existing means "not stale")
 */
export function sourceCandidates(project, rel) {
  const m = EMITTED.exec(rel);
  if (!m) return undefined;
  const stem = rel.slice(0, -m[1].length);
  return SOURCE_EXTS.map((ext) => join(project, stem + ext));
}

/** @param {string} dir @param {string} prefix @param {string[]} out */
function listFiles(dir, prefix, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, join(prefix, name), out);
    else out.push(join(prefix, name));
  }
  return out;
}

/**
 * Emitted files under `project/dist` whose source is gone (absolute paths).
 * @param {string} project
 * @returns {string[]}
 */
export function staleInProject(project) {
  const dist = join(project, 'dist');
  if (!existsSync(dist)) return [];
  return listFiles(dist, '', [])
    .filter((rel) => {
      const candidates = sourceCandidates(project, rel);
      return candidates !== undefined && !candidates.some((c) => existsSync(c));
    })
    .map((rel) => join(dist, rel));
}

/** @param {string} dir @param {string[]} out */
function findProjects(dir, out) {
  if (existsSync(join(dir, 'tsconfig.json')) && existsSync(join(dir, 'dist'))) out.push(dir);
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findProjects(p, out);
  }
  return out;
}

/**
 * Deletes every stale emitted file of every TypeScript project under `root/<top>` for the given
 * top-level directories; returns what it deleted (absolute paths).
 * @param {string} root
 * @param {readonly string[]} tops
 * @returns {string[]}
 */
export function pruneStaleDist(root, tops) {
  const projects = tops
    .filter((t) => existsSync(join(root, t)))
    .flatMap((t) => findProjects(join(root, t), []));
  const stale = projects.flatMap(staleInProject);
  for (const f of stale) rmSync(f, { force: true });
  return stale;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.argv[2] ?? new URL('..', import.meta.url).pathname;
  const gone = pruneStaleDist(root, ['packages', 'services', 'test']);
  for (const f of gone) console.log(`pruned ${f}`);
}
