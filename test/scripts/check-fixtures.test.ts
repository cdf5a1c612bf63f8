// scripts/check-fixtures.mjs on real temporary git repositories.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '../helpers/k8s/index.js';

const SCRIPT = join(repoRoot(), 'scripts', 'check-fixtures.mjs');
const VECTOR = '{"vectors":[{"name":"ping","hex":"0e03"}]}\n';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A git repository with `files` (path → text); `tracked` = added to the index; returns its path. */
function repo(files: Record<string, string>, tracked = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-fixtures-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  execFileSync('git', ['init', '-q', dir]);
  if (tracked) execFileSync('git', ['-C', dir, 'add', '-A']);
  return dir;
}

function run(args: string[], cwd: string): { code: number | null; out: string; err: string[] } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr.trim().split('\n').filter(Boolean) };
}

/** A small clean tree: vectors in the home, code and configuration elsewhere. */
const CLEAN = {
  'packages/fixtures/data/README.md': '# Test vectors\n',
  'packages/fixtures/data/zeek-8.0/events.json': VECTOR,
  'packages/fixtures/data/zeek-8.0/captured/cluster.json': '{"entries":[]}\n',
  'packages/fixtures/package.json': '{"name":"@zeek-relay/fixtures"}\n',
  'packages/wire/test/vectors.test.ts': "readJsonFixture('zeek-8.0', 'events.json');\n",
  'packages/wire/package.json': '{"name":"@zeek-relay/wire"}\n',
  'test/tsconfig.json': '{"include":["**/*.ts"]}\n',
  'charts/zeek-relay/templates/tests/pod.yaml': 'kind: Pod\n',
  'services/hub/src/config.json': '{"port":1}\n',
};

describe('check-fixtures', () => {
  it('passes on a clean tree: fixtures only in packages/fixtures/data, no copies', () => {
    const r = run([], repo(CLEAN));
    assert.deepEqual(r.err, []);
    assert.equal(r.code, 0);
    assert.match(r.out, /3 fixture files, all in packages\/fixtures\/data\/, no byte-identical copies/);
  });

  it('fails on a byte-identical twin of a fixture, naming both files', () => {
    const dir = repo({ ...CLEAN, 'packages/fixtures/data/zeek-8.2/events-copy.json': VECTOR });
    const r = run([], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [
      'byte-identical copies (keep one in packages/fixtures/data/, read it from there): ' +
        'packages/fixtures/data/zeek-8.0/events.json, packages/fixtures/data/zeek-8.2/events-copy.json',
    ]);
    assert.match(r.out, /1 problem\(s\)/);
  });

  it("fails on test data outside packages/fixtures/data, and on a copy in a package's test folder", () => {
    const dir = repo({
      ...CLEAN,
      'services/gateway/test/fixtures/captured/events.json': VECTOR,
      'services/log-sink/test/batches.hex': '0e03\n',
    });
    const r = run(['--repo', dir], tmpdir());
    assert.equal(r.code, 1);
    assert.deepEqual(r.err.sort(), [
      'byte-identical copies (keep one in packages/fixtures/data/, read it from there): ' +
        'packages/fixtures/data/zeek-8.0/events.json, services/gateway/test/fixtures/captured/events.json',
      'services/gateway/test/fixtures/captured/events.json: test data outside packages/fixtures/data/ ' +
        '(move it there and read it with @zeek-relay/fixtures: fixturePath, readFixture, readJsonFixture)',
      'services/log-sink/test/batches.hex: test data outside packages/fixtures/data/ ' +
        '(move it there and read it with @zeek-relay/fixtures: fixturePath, readFixture, readJsonFixture)',
    ]);
  });

  it('sees new files git does not track yet (a copy is caught before it is committed)', () => {
    const dir = repo({ ...CLEAN, 'packages/cli/test/fixtures/events.json': VECTOR }, false);
    const r = run([], dir);
    assert.equal(r.code, 1);
    assert.equal(r.err.length, 2);
    assert.ok(r.err.some((l) => l.startsWith('packages/cli/test/fixtures/events.json: test data outside')));
  });

  it('exits 2 on an unknown argument or a directory that is not a git repository', () => {
    const bad = run(['--nope'], tmpdir());
    assert.equal(bad.code, 2);
    assert.match(bad.err[0] ?? '', /^check-fixtures: unknown argument --nope/);
    const plain = mkdtempSync(join(tmpdir(), 'check-fixtures-plain-'));
    dirs.push(plain);
    assert.equal(run(['--repo', plain], tmpdir()).code, 2);
  });
});
