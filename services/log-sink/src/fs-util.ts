/** Small file-system helpers with the durability steps the sink relies on (fsync of data and directory). */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** Writes every byte of `chunks` (loops over short writes); the handle's position advances. */
export async function writeAll(fh: FileHandle, chunks: readonly Uint8Array[]): Promise<number> {
  let list = chunks.filter((c) => c.length > 0);
  let total = 0;
  while (list.length > 0) {
    const batch = list.length > 1024 ? list.slice(0, 1024) : list;
    const { bytesWritten } = await fh.writev(batch as Uint8Array[]);
    total += bytesWritten;
    let left = bytesWritten;
    let i = 0;
    while (i < batch.length && left >= (batch[i] as Uint8Array).length) {
      left -= (batch[i] as Uint8Array).length;
      i++;
    }
    const rest = list.slice(i);
    if (left > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(left);
    list = rest;
  }
  return total;
}

/** fsync of a directory, making renames and unlinks in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** True when the file exists (any type). */
export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Removes a file, ignoring only "does not exist". */
export async function unlinkIfExists(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Compresses `src` into `dst` (`<dst>.tmp` first, fsynced, renamed), then removes `src`. A crash
 * leaves `src` complete and at most a `.tmp` file, which recovery deletes.
 */
export async function gzipFile(src: string, dst: string, level: number): Promise<void> {
  const tmp = `${dst}.tmp`;
  await pipeline(createReadStream(src), createGzip({ level }), createWriteStream(tmp));
  const fh = await open(tmp, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, dst);
  await unlink(src);
}
