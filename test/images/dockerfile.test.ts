// Static checks of the four service Dockerfiles (no Docker engine here): everything they COPY exists
// after `npm run build` and is not hidden by .dockerignore, the runtime stage holds exactly the
// workspace packages the service imports, production dependencies only, a pinned LTS Node, a
// non-root user, tini as PID 1 and no package manager.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/k8s/index.js';
import { type Stage, entrypoint, isIgnored, parseDockerfile, readDockerignore } from './dockerfile.js';

const root = repoRoot();
const SERVICES = ['hub', 'gateway', 'log-sink', 'operator'] as const;
const ignore = readDockerignore(join(root, '.dockerignore'));

interface Pkg {
  name: string;
  dependencies?: Record<string, string>;
}
const readPkg = (dir: string): Pkg =>
  JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Pkg;

/** Workspace directories (root package.json globs of the form `dir/*`) that have a package.json. */
const workspaces: string[] = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
).workspaces.flatMap((glob) => {
  const base = glob.replace(/\/\*$/, '');
  return readdirSync(join(root, base))
    .map((d) => `${base}/${d}`)
    .filter((d) => existsSync(join(root, d, 'package.json')));
});
const dirOf = new Map(workspaces.map((d) => [readPkg(d).name, d]));

/** The service and every workspace package it imports, transitively. */
function workspaceClosure(dir: string): string[] {
  const out = new Set<string>([dir]);
  const queue = [dir];
  while (queue.length > 0) {
    const deps = Object.keys(readPkg(queue.shift() ?? '').dependencies ?? {});
    for (const dep of deps) {
      const d = dirOf.get(dep);
      if (d && !out.has(d)) {
        out.add(d);
        queue.push(d);
      }
    }
  }
  return [...out].sort();
}

const stageNamed = (stages: readonly Stage[], name: string): Stage => {
  const s = stages.find((st) => st.name === name);
  assert.ok(s, `no stage "${name}"`);
  return s;
};
const runs = (stage: Stage): string =>
  stage.instructions
    .filter((i) => i.keyword === 'RUN')
    .map((i) => i.args)
    .join('\n');

for (const svc of SERVICES) {
  const dir = `services/${svc}`;
  const file = join(root, dir, 'Dockerfile');
  describe(`${dir}/Dockerfile`, () => {
    const df = parseDockerfile(file);
    const final = df.stages.at(-1) as Stage;
    const pkg = readPkg(dir);

    it('is multi-stage from one pinned Node LTS slim image', () => {
      const image = df.args.get('NODE_IMAGE') ?? '';
      assert.match(image, /^node:(\d+)\.\d+\.\d+-[a-z]+-slim$/, 'exact version, slim variant');
      const major = Number(/^node:(\d+)/.exec(image)?.[1]);
      assert.ok(major >= 24 && major % 2 === 0, `Node ${major} is not a current LTS line`);
      assert.deepEqual(
        df.stages.map((s) => s.image),
        ['${NODE_IMAGE}', '${NODE_IMAGE}', '${NODE_IMAGE}'],
      );
      assert.deepEqual(
        df.stages.map((s) => s.name),
        ['build', 'deps', undefined],
      );
    });

    it('copies only paths that exist in the build context and are not in .dockerignore', () => {
      for (const stage of df.stages) {
        for (const copy of stage.copies.filter((c) => c.from === undefined)) {
          for (const src of copy.sources) {
            assert.ok(existsSync(join(root, src)), `line ${copy.line}: ${src} does not exist`);
            assert.equal(
              isIgnored(ignore, src),
              false,
              `line ${copy.line}: ${src} is excluded by .dockerignore`,
            );
          }
        }
      }
    });

    it('gives npm ci every workspace package.json and the lockfile (build and deps stages)', () => {
      for (const name of ['build', 'deps']) {
        const sources = stageNamed(df.stages, name).copies.flatMap((c) => c.sources);
        for (const ws of workspaces)
          assert.ok(sources.includes(`${ws}/package.json`), `${name} stage lacks ${ws}/package.json`);
        assert.ok(sources.includes('package-lock.json'));
      }
      assert.match(runs(stageNamed(df.stages, 'build')), new RegExp(`npm ci .*-w ${pkg.name}\\b`));
      assert.match(runs(stageNamed(df.stages, 'build')), new RegExp(`tsc -b ${dir}$`, 'm'));
    });

    it('build stage copies the sources of every project tsc -b follows from the service tsconfig', () => {
      const refs = new Set<string>();
      const visit = (d: string): void => {
        if (refs.has(d)) return;
        refs.add(d);
        const tsconfig = JSON.parse(readFileSync(join(root, d, 'tsconfig.json'), 'utf8')) as {
          references?: { path: string }[];
        };
        for (const r of tsconfig.references ?? []) visit(relative(root, resolve(root, d, r.path)));
      };
      visit(dir);
      const copied = stageNamed(df.stages, 'build').copies.flatMap((c) => c.sources);
      for (const d of refs)
        assert.ok(copied.includes(d), `build stage does not COPY ${d} (tsc -b ${dir} needs it)`);
    });

    it('installs production dependencies only, for this service only', () => {
      const deps = stageNamed(df.stages, 'deps');
      assert.equal(deps.workdir, '/app');
      assert.match(runs(deps), new RegExp(`npm ci --omit=dev .*-w ${pkg.name}$`, 'm'));
    });

    it('runtime stage: compiled output of exactly the workspace packages the service imports, all present after the build', () => {
      assert.equal(final.workdir, '/app');
      const fromBuild = final.copies.filter((c) => c.from === 'build');
      const copied = fromBuild.flatMap((c) => c.sources.map((s) => s.replace(/^\/src\//, '')));
      for (const src of copied) assert.ok(existsSync(join(root, src)), `${src} missing after npm run build`);
      const closure = workspaceClosure(dir);
      assert.deepEqual(
        copied.filter((s) => s.endsWith('/dist/src')).sort(),
        closure.map((d) => `${d}/dist/src`),
      );
      for (const d of closure)
        assert.ok(copied.includes(`${d}/package.json`), `${d}/package.json not copied`);
      const fromDeps = final.copies
        .filter((c) => c.from === 'deps')
        .map((c) => `${c.sources.join(' ')} -> ${c.dest}`);
      assert.deepEqual(fromDeps.sort(), [
        '/app/node_modules -> node_modules',
        '/usr/bin/tini-static -> /usr/bin/tini',
      ]);
    });

    it('runtime stage: non-root, no package manager, tini as PID 1 running the built entrypoint', () => {
      const user = final.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args ?? '';
      assert.match(user, /^[1-9]\d*:[1-9]\d*$/, 'numeric non-root uid:gid (runAsNonRoot can verify it)');
      assert.doesNotMatch(
        runs(final),
        /(^|&&|;|\|)\s*(npm|npx|apt-get|apt|yarn|corepack)\s/m,
        'no installs in the runtime stage',
      );
      assert.match(runs(final), /rm -rf .*\/usr\/local\/lib\/node_modules\/npm/);
      const ep = entrypoint(final);
      assert.deepEqual(ep, ['/usr/bin/tini', '--', 'node', `${dir}/dist/src/main.js`]);
      assert.ok(existsSync(join(root, dir, 'dist', 'src', 'main.js')), `${dir}/dist/src/main.js not built`);
      const env = final.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => i.args.split(/\s+/));
      assert.ok(env.includes('NODE_ENV=production'));
    });
  });
}

describe('all service images', () => {
  it('use the same Node image', () => {
    const images = new Set(
      SERVICES.map((s) => parseDockerfile(join(root, 'services', s, 'Dockerfile')).args.get('NODE_IMAGE')),
    );
    assert.equal(images.size, 1, [...images].join(', '));
  });

  it('.dockerignore keeps host build output and dependencies out of the context', () => {
    for (const p of [
      'node_modules',
      'services/hub/node_modules/x',
      'packages/wire/dist/src/index.js',
      '.git/HEAD',
      'x.tsbuildinfo',
    ]) {
      assert.equal(isIgnored(ignore, p), true, `${p} should be ignored`);
    }
    for (const p of ['package.json', 'packages/wire/src/index.ts', 'services/gateway/src/main.ts']) {
      assert.equal(isIgnored(ignore, p), false, `${p} should be kept`);
    }
  });
});

describe('production dependencies', () => {
  /** Bare module specifiers (`pkg`, `@scope/pkg/sub`) imported by the compiled files under `dir`. */
  function bareImports(dir: string): Set<string> {
    const out = new Set<string>();
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.js')) {
          const text = readFileSync(p, 'utf8');
          for (const m of text.matchAll(
            /(?:^|[\s;])(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm,
          )) {
            const spec = m[1] ?? m[2] ?? m[3] ?? '';
            if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('/')) continue;
            const parts = spec.split('/');
            out.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? spec));
          }
        }
      }
    };
    walk(dir);
    return out;
  }

  for (const svc of SERVICES) {
    it(`everything services/${svc} loads at run time is a declared production dependency`, () => {
      const own = bareImports(join(root, 'services', svc, 'dist', 'src'));
      assert.ok(own.has('@zeek-relay/runtime'), `import scan found ${[...own].join(', ') || 'nothing'}`);
      for (const ws of workspaceClosure(`services/${svc}`)) {
        const pkg = readPkg(ws);
        const declared = new Set(Object.keys(pkg.dependencies ?? {}));
        for (const name of bareImports(join(root, ws, 'dist', 'src'))) {
          assert.ok(
            declared.has(name),
            `${ws} imports ${name} but lists it only outside "dependencies" (missing from the image)`,
          );
        }
      }
    });
  }
});
