/**
 * Moving a finished file to its rotated name (the last step of a rotation, of shutdown with
 * rotation on, and of crash recovery), then optionally compressing it in the background.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, gzipFile, syncDir } from './fs-util.js';
import { rotatedFileName } from './rotation.js';

/** Result of {@link archiveFile}. */
export interface Archived {
  /** Final file name (in `dir`), `.gz` included when compressing. */
  readonly name: string;
  /** Settles when compression finished (undefined without gzip). Never rejects unhandled: await it. */
  readonly compressed?: Promise<void>;
}

/**
 * Renames `dir/liveName` to `<path>.<openTime>.<suffix>` (first free `-<n>` variant, checking the
 * `.gz` name too), fsyncs the directory, and with `gzipLevel` > 0 starts compressing it.
 */
export async function archiveFile(
  dir: string,
  liveName: string,
  path: string,
  suffix: string,
  openTime: Date,
  gzipLevel: number,
): Promise<Archived> {
  let n = 0;
  let plain = rotatedFileName(path, openTime, suffix, false, n);
  while ((await exists(join(dir, plain))) || (await exists(join(dir, `${plain}.gz`)))) {
    n += 1;
    plain = rotatedFileName(path, openTime, suffix, false, n);
  }
  await rename(join(dir, liveName), join(dir, plain));
  await syncDir(dir);
  if (gzipLevel <= 0) return { name: plain };
  const gz = `${plain}.gz`;
  return {
    name: gz,
    compressed: gzipFile(join(dir, plain), join(dir, gz), gzipLevel).then(() => syncDir(dir)),
  };
}
