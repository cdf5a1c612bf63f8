/**
 * Reads a packed OCI image archive the way an importer does (index.json → manifest → config and
 * layers), for the tests of the images built by test/helpers/images.
 */
import { spawnSync } from 'node:child_process';
import type { ImageConfig } from '../helpers/images/index.js';

export interface ArchiveDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Record<string, string>;
}

export interface ReadArchive {
  readonly index: { manifests: ArchiveDescriptor[] };
  readonly manifest: { config: ArchiveDescriptor; layers: ArchiveDescriptor[] };
  readonly config: ImageConfig;
  /** Member names of the archive. */
  readonly members: string[];
}

const blobPath = (digest: string): string => `blobs/sha256/${digest.replace(/^sha256:/, '')}`;

/** One member of a tar archive, as bytes. */
export function member(archive: string, name: string): Buffer {
  const r = spawnSync('tar', ['-xOf', archive, name], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tar -xOf ${archive} ${name}: ${r.stderr.toString()}`);
  return r.stdout;
}

export function readArchive(archive: string): ReadArchive {
  const list = spawnSync('tar', ['-tf', archive], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`tar -tf ${archive}: ${list.stderr}`);
  const json = <T>(name: string): T => JSON.parse(member(archive, name).toString('utf8')) as T;
  const index = json<ReadArchive['index']>('index.json');
  const m = index.manifests[0];
  if (!m) throw new Error(`${archive}: index.json lists no manifest`);
  const manifest = json<ReadArchive['manifest']>(blobPath(m.digest));
  return {
    index,
    manifest,
    config: json<ImageConfig>(blobPath(manifest.config.digest)),
    members: list.stdout.trim().split('\n'),
  };
}

/** Paths in a layer blob of the archive (leading `./` dropped). */
export function layerPaths(archive: string, layer: ArchiveDescriptor): string[] {
  const r = spawnSync(
    'sh',
    ['-c', 'tar -xOf "$1" "$2" | tar -tzf -', 'sh', archive, blobPath(layer.digest)],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  if (r.status !== 0) throw new Error(`listing ${layer.digest}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
}
