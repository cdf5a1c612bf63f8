// scripts/stale-dist.mjs and run-tests.mjs on a small made-up repository: compiled files whose
// source is gone are pruned before the runner collects test files, so a deleted test that would
// fail no longer runs, while every file with a source stays.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { repoRoot } from '../helpers/k8s/index.js';

interface StaleDist {
  pruneStaleDist(root: string, tops: readonly string[]): string[];
}

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, content = ''): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), content);
}

const PASSING = "import { it } from 'node:test';\nit('passes', () => {});\n";
const FAILING =
  "import { it } from 'node:test';\nit('fails', () => { throw new Error('stale test ran'); });\n";

/**
 * packages/p: src/a.ts and test/live.test.ts with their output, plus the output of a deleted
 * src/gone.ts and a deleted, failing test/old.test.ts; test/ (its own project) with a deleted test.
 */
function repo(): void {
  dir = mkdtempSync(join(tmpdir(), 'zr-stale-dist-'));
  write('package.json', '{"type":"module"}');
  write('packages/p/tsconfig.json', '{}');
  write('packages/p/src/a.ts', 'export const a = 1;\n');
  for (const f of ['a.js', 'a.js.map', 'a.d.ts', 'a.d.ts.map', 'gone.js', 'gone.js.map', 'gone.d.ts'])
    write(`packages/p/dist/src/${f}`, f.endsWith('.js') ? 'export {};\n' : '');
  write('packages/p/test/live.test.ts', PASSING);
  write('packages/p/dist/test/live.test.js', PASSING);
  write('packages/p/dist/test/old.test.js', FAILING);
  write('packages/p/dist/tsconfig.tsbuildinfo', '{}');
  mkdirSync(join(dir, 'services'));
  write('test/tsconfig.json', '{}');
  write('test/dist/k8s/removed.test.js', FAILING);
}

describe('stale dist output', () => {
  it('pruneStaleDist deletes exactly the emitted files without a source', async () => {
    repo();
    const url = pathToFileURL(join(repoRoot(), 'scripts', 'stale-dist.mjs')).href;
    const { pruneStaleDist } = (await import(url)) as StaleDist;
    const pruned = pruneStaleDist(dir, ['packages', 'services', 'test'])
      .map((f) => f.slice(dir.length + 1))
      .sort();
    assert.deepEqual(pruned, [
      'packages/p/dist/src/gone.d.ts',
      'packages/p/dist/src/gone.js',
      'packages/p/dist/src/gone.js.map',
      'packages/p/dist/test/old.test.js',
      'test/dist/k8s/removed.test.js',
    ]);
    for (const kept of [
      'src/a.js',
      'src/a.js.map',
      'src/a.d.ts',
      'src/a.d.ts.map',
      'test/live.test.js',
      'tsconfig.tsbuildinfo',
    ])
      assert.ok(existsSync(join(dir, 'packages/p/dist', kept)), kept);
  });

  it('run-tests.mjs prunes first and so never runs a deleted test', () => {
    repo();
    mkdirSync(join(dir, 'scripts'));
    for (const f of ['run-tests.mjs', 'stale-dist.mjs', 'test-guard.mjs'])
      copyFileSync(join(repoRoot(), 'scripts', f), join(dir, 'scripts', f));
    // Without the outer runner's NODE_TEST_CONTEXT, which would make the inner `node --test` skip.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const r = spawnSync(process.execPath, [join(dir, 'scripts', 'run-tests.mjs')], {
      encoding: 'utf8',
      env: { ...env, ZR_CACHE_DIR: join(dir, 'cache') },
    });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, out);
    assert.match(out, /pruned packages\/p\/dist\/test\/old\.test\.js/);
    assert.match(out, /run-tests: 1 files in \d+ s; tests 1, pass 1, fail 0/);
    assert.doesNotMatch(out, /stale test ran/);
  });
});
