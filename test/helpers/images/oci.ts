/**
 * OCI image-layout primitives for the test images: reproducible layers from directories (GNU tar,
 * sorted entries, mtime 0, gzip without name/time), content-addressed blobs in a shared store, and
 * image archives (`oci-layout`, `index.json`, `blobs/sha256/…`) that `ctr images import` names by
 * the `io.containerd.image.name` annotation. No registry, daemon, umoci or buildah.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createGzip } from 'node:zlib';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** A content descriptor (digest `sha256:<hex>`). */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** A layer blob plus its uncompressed digest (the config's `diff_id`). */
export interface Layer extends Descriptor {
  readonly diffId: string;
}

/** The `config` member of an OCI image config (the runtime settings a Dockerfile produces). */
export interface RuntimeConfig {
  readonly User: string;
  readonly WorkingDir: string;
  readonly Env: readonly string[];
  readonly Entrypoint: readonly string[];
  readonly Cmd?: readonly string[];
  readonly ExposedPorts?: Readonly<Record<string, Record<string, never>>>;
  readonly Volumes?: Readonly<Record<string, Record<string, never>>>;
  readonly StopSignal: string;
}

/** An OCI image config as written here (no timestamps but the epoch: reproducible). */
export interface ImageConfig {
  readonly architecture: 'amd64';
  readonly os: 'linux';
  readonly created: string;
  readonly config: RuntimeConfig;
  readonly rootfs: { readonly type: 'layers'; readonly diff_ids: readonly string[] };
  readonly history: readonly { readonly created: string; readonly created_by: string }[];
}

const EPOCH = '1970-01-01T00:00:00Z';

/** The content store: `<dir>/blobs/sha256/<hex>`. */
export class BlobStore {
  constructor(readonly dir: string) {}

  path(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  }

  async has(d: Descriptor): Promise<boolean> {
    try {
      return (await stat(this.path(d.digest))).size === d.size;
    } catch {
      return false;
    }
  }

  /** Stores a JSON document (canonical: as JSON.stringify writes it) and returns its descriptor. */
  async putJson(mediaType: string, value: unknown): Promise<Descriptor> {
    const bytes = Buffer.from(JSON.stringify(value));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const desc = { mediaType, digest, size: bytes.length };
    if (!(await this.has(desc))) await atomicWrite(this.path(digest), bytes);
    return desc;
  }

  async readJson<T>(d: Descriptor): Promise<T> {
    return JSON.parse(await readFile(this.path(d.digest), 'utf8')) as T;
  }

  /**
   * Tars `paths` (relative to `cwd`) into a gzip layer blob. `rootOwned` makes every entry
   * 0:0 (what a Dockerfile COPY without --chown produces); otherwise numeric owners are kept.
   */
  async putLayer(cwd: string, paths: readonly string[], rootOwned: boolean): Promise<Layer> {
    const tmp = join(this.dir, 'blobs', `.layer-${process.pid}-${Date.now()}`);
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    // No await between spawn and pipeline: Node discards the output of an exited child nobody reads.
    const args = ['--sort=name', '--format=gnu', '--mtime=@0', '--numeric-owner'];
    if (rootOwned) args.push('--owner=0', '--group=0');
    const tar = spawn('tar', ['-C', cwd, ...args, '-cf', '-', '--', ...paths], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    tar.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number>((resolve, reject) => {
      tar.once('error', reject);
      tar.once('close', (code) => resolve(code ?? 1));
    });
    const diff = createHash('sha256');
    const blob = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        tar.stdout,
        tap((c) => diff.update(c)),
        createGzip({ level: 1 }),
        tap((c) => {
          blob.update(c);
          size += c.length;
        }),
        createWriteStream(tmp),
      );
      const code = await exited;
      if (code !== 0) throw new Error(`tar -C ${cwd} ${paths.join(' ')} failed (exit ${code}): ${err}`);
      const digest = `sha256:${blob.digest('hex')}`;
      await rename(tmp, this.path(digest));
      return { mediaType: MEDIA.layer, digest, size, diffId: `sha256:${diff.digest('hex')}` };
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

function tap(fn: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      fn(chunk);
      cb(null, chunk);
    },
  });
}

/** Writes `path` via a temporary file and rename, so readers never see half a file. */
export async function atomicWrite(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Stores the config and manifest of an image made of `layers` with `runtime` settings. */
export async function putImage(
  store: BlobStore,
  layers: readonly Layer[],
  runtime: RuntimeConfig,
  history: readonly string[],
): Promise<{ manifest: Descriptor; config: Descriptor }> {
  const cfg: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created: EPOCH,
    config: runtime,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: history.map((h) => ({ created: EPOCH, created_by: h })),
  };
  const config = await store.putJson(MEDIA.config, cfg);
  const manifest = await store.putJson(MEDIA.manifest, {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config,
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  });
  return { manifest, config };
}

/**
 * Writes an image archive at `out`: the OCI layout with only these images' blobs and an index
 * whose manifests each carry their full reference (`io.containerd.image.name`) and tag.
 */
export async function writeArchive(
  store: BlobStore,
  images: readonly { readonly manifest: Descriptor; readonly ref: string }[],
  out: string,
): Promise<void> {
  const work = await mkdtemp(join(store.dir, '.archive-'));
  try {
    const blobs = join(work, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    for (const { manifest } of images) {
      const m = await store.readJson<{ config: Descriptor; layers: Descriptor[] }>(manifest);
      for (const d of [manifest, m.config, ...m.layers]) {
        const target = join(blobs, d.digest.replace(/^sha256:/, ''));
        await link(store.path(d.digest), target).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        });
      }
    }
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA.index,
      manifests: images.map(({ manifest, ref }) => ({
        ...manifest,
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: {
          'io.containerd.image.name': ref,
          'org.opencontainers.image.ref.name': ref.slice(ref.lastIndexOf(':') + 1),
        },
      })),
    };
    await writeFile(join(work, 'index.json'), JSON.stringify(index));
    await writeFile(join(work, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const tmp = `${out}.${process.pid}.tmp`;
    await mkdir(join(out, '..'), { recursive: true });
    await run('tar', [
      '-C',
      work,
      '--sort=name',
      '--format=gnu',
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--hard-dereference',
      '-cf',
      tmp,
      'oci-layout',
      'index.json',
      'blobs',
    ]);
    await rename(tmp, out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Runs a command; rejects with its stderr on a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; inheritStderr?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', opts.inheritStderr ? 'inherit' : 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}
