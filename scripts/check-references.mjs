#!/usr/bin/env node
// Checks that each workspace's tsconfig `references` match its @zeek-relay/* dependencies,
// and that the root solution file references every workspace.
import { readFileSync, existsSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const solution = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
const dirs = [];
for (const pattern of rootPkg.workspaces) {
  const base = join(root, pattern.replace('/*', ''));
  for (const name of (await import('node:fs')).readdirSync(base)) {
    if (existsSync(join(base, name, 'package.json'))) dirs.push(join(base, name));
  }
}
const byName = new Map(dirs.map((d) => [JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name, d]));
const problems = [];
const solutionRefs = new Set(solution.references.map((r) => join(root, r.path)));
for (const [name, dir] of byName) {
  if (!solutionRefs.has(dir)) problems.push(`tsconfig.json does not reference ${relative(root, dir)}`);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => byName.has(d));
  const ts = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
  const refs = new Set((ts.references ?? []).map((r) => join(dir, r.path)));
  for (const d of deps) {
    if (!refs.has(byName.get(d)))
      problems.push(`${name}: depends on ${d} but tsconfig.json does not reference it`);
  }
  for (const r of refs) {
    const hit = [...byName].find(([, d]) => d === r);
    if (!hit) problems.push(`${name}: references ${relative(root, r)}, which is not a workspace`);
    else if (!deps.includes(hit[0])) problems.push(`${name}: references ${hit[0]} but does not depend on it`);
  }
}
void dirname;
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`check-references: ${byName.size} workspaces consistent`);
