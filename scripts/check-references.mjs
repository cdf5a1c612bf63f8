#!/usr/bin/env node
// Checks that each workspace's tsconfig `references` match its @zeek-relay/* dependencies, that
// the root solution file references every workspace, and that no service imports or depends on
// another service (shared pieces live in packages/). Usage: check-references.mjs [repository root]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const rootPkg = readJson(join(root, 'package.json'));
const solution = readJson(join(root, 'tsconfig.json'));
const dirs = [];
for (const pattern of rootPkg.workspaces) {
  const base = join(root, pattern.replace('/*', ''));
  for (const name of readdirSync(base)) {
    if (existsSync(join(base, name, 'package.json'))) dirs.push(join(base, name));
  }
}
const byName = new Map(dirs.map((d) => [readJson(join(d, 'package.json')).name, d]));
const services = new Map([...byName].filter(([, d]) => relative(root, d).startsWith(`services${sep}`)));
const problems = [];

function checkReferences(name, dir, pkg) {
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => byName.has(d));
  const ts = readJson(join(dir, 'tsconfig.json'));
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

/** TypeScript/JavaScript sources of a workspace, without build output and dependencies. */
function sources(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(?:[cm]?ts|[cm]?js)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

/** A service may use packages, never another service: not as a dependency, not by import. */
function checkServiceIsolation(name, dir, pkg) {
  for (const d of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
    if (services.has(d) && d !== name) problems.push(`${name}: a service depends on the service ${d}`);
  }
  for (const file of sources(dir)) {
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const target = spec.startsWith('.') ? resolve(dirname(file), spec) : undefined;
      const other = [...services].find(
        ([n, d]) =>
          n !== name &&
          (target ? target === d || target.startsWith(d + sep) : spec === n || spec.startsWith(`${n}/`)),
      );
      if (other)
        problems.push(
          `${relative(root, file)}: the service ${name} imports the service ${other[0]} ('${spec}')`,
        );
    }
  }
}

const solutionRefs = new Set(solution.references.map((r) => join(root, r.path)));
for (const [name, dir] of byName) {
  if (!solutionRefs.has(dir)) problems.push(`tsconfig.json does not reference ${relative(root, dir)}`);
  const pkg = readJson(join(dir, 'package.json'));
  checkReferences(name, dir, pkg);
  if (services.has(name)) checkServiceIsolation(name, dir, pkg);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`check-references: ${byName.size} workspaces consistent, no service imports another`);
