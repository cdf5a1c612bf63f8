#!/usr/bin/env node
// Runs every compiled test file (`dist/**/test/**/*.test.js`) with the node:test runner.
// Node 20's `--test` does not expand globs, so the file list is gathered here.
// Usage: node scripts/run-tests.mjs [substring …]  — only files whose path contains one of them.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'services', 'test'];
const filters = process.argv.slice(2);

/** @param {string} dir @param {string[]} out */
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js') && p.includes('/dist/')) out.push(p);
  }
  return out;
}

const files = roots
  .flatMap((r) => walk(join(root, r), []))
  .map((p) => relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found (did the build run?)');
  process.exit(1);
}
const concurrency = process.env.ZR_TEST_CONCURRENCY ?? '2';
const res = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(res.status ?? 1);
