// scripts/check-protocol-refs.mjs on real temporary git repositories.
// The section sign is written as \u00a7 so this file holds no reference the checker would scan.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '../helpers/k8s/index.js';

const S = '\u00a7';
const SCRIPT = join(repoRoot(), 'scripts', 'check-protocol-refs.mjs');
const DOC = [
  '# Wire',
  '',
  '## 1. Intro',
  '',
  '### 1.3 Three',
  '### 1.7 Seven',
  '## 5.',
  '### 5.1 One',
  '### 5.2 Two',
  '',
].join('\n');

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A git repository with `files` (path → text), all added to the index; returns its path. */
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-refs-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  execFileSync('git', ['init', '-q', dir]);
  execFileSync('git', ['-C', dir, 'add', '-A']);
  return dir;
}

function run(args: string[], cwd: string): { code: number | null; out: string; err: string[] } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr.trim().split('\n').filter(Boolean) };
}

describe('check-protocol-refs', () => {
  it('resolves named, bare and in-document references', () => {
    const dir = repo({
      'docs/protocol/wire.md': `${DOC}See ${S}5.1 and other.md ${S}2.\n`,
      'docs/protocol/other.md': '## 2. Two\n',
      'src/a.ts': `// wire.md ${S}1.3 and (other.md ${S}2, wire.md ${S}5)\n// later a bare ${S}5.2\n`,
      'README.md': `Spec: \`docs/protocol/wire.md\` ${S}1\n`,
      'notes.txt': `wire.md ${S}99 (not a scanned extension)\n`,
    });
    const r = run([], dir);
    assert.deepEqual(r.err, []);
    assert.equal(r.code, 0);
    assert.equal(r.out.trim(), 'check-protocol-refs: 7 references to 2 documents resolve');
  });

  it('reports a missing heading with file and line', () => {
    const dir = repo({
      'docs/protocol/wire.md': DOC,
      'src/a.ts': `// intro\n// wire.md ${S}1.4 is gone, ${S}1.3 is there\n`,
    });
    const r = run([], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [`src/a.ts:2: ${S}1.4 has no heading in docs/protocol/wire.md`]);
    assert.match(r.out, /1 of 2 references do not resolve/);
  });

  it('reports references that name no document, or a document that does not exist', () => {
    const dir = repo({
      'docs/protocol/wire.md': DOC,
      'src/b.ts': `// bare ${S}1 before any name\n// missing.md ${S}3\n`,
    });
    const r = run([], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [
      `src/b.ts:1: ${S}1 names no document`,
      `src/b.ts:2: ${S}3 has no heading in docs/protocol/missing.md (no such document)`,
    ]);
  });

  it('checks both ends of ranges and every item of lists', () => {
    const dir = repo({
      'docs/protocol/wire.md': DOC,
      'a.md': `wire.md ${S}1.3\u2013${S}1.7, ${S}5.1/${S}5.2 and ${S}5.1/5.2\n`,
      'b.sh': `# wire.md ${S}1.3\u20131.8 and ${S}1\u20135\n`,
    });
    const r = run([], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [`b.sh:1: ${S}1.8 has no heading in docs/protocol/wire.md`]);
    assert.match(r.out, /1 of 10 references do not resolve/);
  });

  it('skips fixtures, takes --repo and --docs, and ignores headings inside code fences', () => {
    const dir = repo({
      'packages/fixtures/data/x.md': `wire.md ${S}42\n`,
      'src/c.ts': `// wire.md ${S}1.3, ${S}4\n`,
    });
    const docs = mkdtempSync(join(tmpdir(), 'check-refs-docs-'));
    dirs.push(docs);
    writeFileSync(join(docs, 'wire.md'), `${DOC}\n\`\`\`\n## 4. not a heading\n\`\`\`\n`);
    const r = run(['--repo', dir, '--docs', docs], tmpdir());
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, [`src/c.ts:1: ${S}4 has no heading in docs/protocol/wire.md`]);
  });

  it('exits 2 on an unknown option', () => {
    const r = run(['--nope'], tmpdir());
    assert.equal(r.code, 2);
  });
});
