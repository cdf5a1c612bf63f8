// scripts/check-references.mjs on small made-up repositories: a service that imports or depends
// on another service fails the check; importing a package passes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { repoRoot } from '../helpers/k8s/index.js';

const script = join(repoRoot(), 'scripts', 'check-references.mjs');
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, content: unknown): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
}

/** Two services (`a`, `b`) and a package (`p`); `a` depends on `deps` and has `source` as src/main.ts. */
function repo(deps: Record<string, string>, source: string): void {
  dir = mkdtempSync(join(tmpdir(), 'zr-check-references-'));
  write('package.json', { workspaces: ['packages/*', 'services/*'] });
  const ws = { p: 'packages/p', a: 'services/a', b: 'services/b' };
  write('tsconfig.json', { references: Object.values(ws).map((path) => ({ path })) });
  for (const [name, path] of Object.entries(ws)) {
    const own = name === 'a' ? deps : {};
    write(`${path}/package.json`, { name: `@x/${name}`, dependencies: own });
    const refs = Object.keys(own).map((d) => ({ path: `../../${d === '@x/p' ? ws.p : ws.b}` }));
    write(`${path}/tsconfig.json`, { references: refs });
  }
  write('services/a/src/main.ts', source);
  write('services/b/src/index.ts', 'export const b = 1;\n');
}

function check(): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('check-references: services never import services', () => {
  it('passes when a service imports a package', () => {
    repo({ '@x/p': '0.1.0' }, "import { p } from '@x/p';\n");
    const r = check();
    assert.equal(r.status, 0, r.out);
  });

  it('fails on a dependency on another service, and on its import', () => {
    repo({ '@x/b': '0.1.0' }, "import { b } from '@x/b';\nexport const x = b;\n");
    const r = check();
    assert.equal(r.status, 1);
    assert.match(r.out, /@x\/a: a service depends on the service @x\/b/);
    assert.match(
      r.out,
      /services\/a\/src\/main\.ts: the service @x\/a imports the service @x\/b \('@x\/b'\)/,
    );
  });

  it('fails on a relative import into another service, and on a dynamic import', () => {
    repo({}, "export { b } from '../../b/src/index.js';\nexport const l = () => import('@x/b/dist');\n");
    const r = check();
    assert.equal(r.status, 1);
    assert.match(r.out, /imports the service @x\/b \('\.\.\/\.\.\/b\/src\/index\.js'\)/);
    assert.match(r.out, /imports the service @x\/b \('@x\/b\/dist'\)/);
  });
});
