/**
 * Crash recovery, run once at start for every file directory (Zeek's "leftover log rotation",
 * LogAscii::enable_leftover_log_rotation, but always on): every live file that still has its
 * `.shadow.<name>` marker was being written when the previous process stopped. Its trailing
 * partial line (a write cut by the crash) is cut off, a TSV file with meta lines gets the
 * `#close` line it is missing (time = the file's last modification, as Zeek takes the close time
 * of leftovers), and the file is rotated to its archive name (open time = shadow file's time).
 * Stale shadows and compression temp files are removed. Afterwards no live file remains, so the
 * new process never appends to or clobbers an old one.
 */
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { formatLogTimestamp } from '@zeek-relay/wire';
import { archiveFile, type Archived } from './archive.js';
import { exists, syncDir, unlinkIfExists } from './fs-util.js';

const SHADOW_PREFIX = '.shadow.';
const NL = 0x0a;

/** What recovery did, for the log. */
export interface RecoveredFile {
  readonly file: string;
  readonly archivedAs: string;
  /** Bytes of a cut-off partial last line that were removed. */
  readonly truncatedBytes: number;
  /** Whether a `#close` line was appended. */
  readonly closed: boolean;
}

/**
 * Finalizes and archives every leftover live file in `dir` (created if missing). Returns what it
 * did; compression (gzipLevel > 0) has finished when the promise resolves.
 */
export async function recoverDirectory(
  dir: string,
  suffix: string,
  gzipLevel: number,
): Promise<RecoveredFile[]> {
  await mkdir(dir, { recursive: true });
  const names = await readdir(dir);
  const done: RecoveredFile[] = [];
  for (const name of names) {
    if (name.endsWith('.gz.tmp') || name.startsWith(`.tmp${SHADOW_PREFIX}`))
      await unlinkIfExists(join(dir, name));
  }
  for (const name of names) {
    if (!name.startsWith(SHADOW_PREFIX)) continue;
    const shadow = join(dir, name);
    const liveName = name.slice(SHADOW_PREFIX.length);
    const ext = `.${suffix}`;
    if ((await exists(join(dir, liveName))) && liveName.endsWith(ext)) {
      const openTime = (await stat(shadow)).mtime;
      const r = await finalizeLeftover(
        dir,
        liveName,
        liveName.slice(0, -ext.length),
        suffix,
        openTime,
        gzipLevel,
      );
      await r.archived.compressed;
      done.push({
        file: liveName,
        archivedAs: r.archived.name,
        truncatedBytes: r.truncatedBytes,
        closed: r.closed,
      });
    }
    await unlink(shadow);
  }
  await syncDir(dir);
  return done;
}

/**
 * Repairs one leftover live file (cut partial last line, add `#close` to TSV with meta lines) and
 * archives it. Also used when a live file appears that the sink did not expect.
 */
export async function finalizeLeftover(
  dir: string,
  liveName: string,
  path: string,
  suffix: string,
  openTime: Date,
  gzipLevel: number,
): Promise<{ archived: Archived; truncatedBytes: number; closed: boolean }> {
  const { truncatedBytes, closed } = await repairLeftover(join(dir, liveName));
  const archived = await archiveFile(dir, liveName, path, suffix, openTime, gzipLevel);
  return { archived, truncatedBytes, closed };
}

/**
 * Makes a file a previous process left complete: its trailing partial line (a write cut by a
 * crash) is cut off and a TSV file with meta lines gets the `#close` line it is missing (time =
 * the file's last modification). Returns the new size too.
 */
export async function repairLeftover(
  file: string,
): Promise<{ truncatedBytes: number; closed: boolean; size: number }> {
  const fh = await open(file, 'r+');
  let truncatedBytes = 0;
  let closed = false;
  try {
    const st = await fh.stat();
    let size = st.size;
    const keep = await lengthUpToLastNewline(fh, size);
    if (keep < size) {
      await fh.truncate(keep);
      truncatedBytes = size - keep;
      size = keep;
    }
    const separator = await tsvSeparator(fh);
    if (separator !== undefined && size > 0 && !(await lastLineStartsWith(fh, size, '#close'))) {
      const line = Buffer.from(`#close${separator}${formatLogTimestamp(st.mtime)}\n`, 'latin1');
      await fh.write(line, 0, line.length, size);
      size += line.length;
      closed = true;
    }
    await fh.sync();
    return { truncatedBytes, closed, size };
  } finally {
    await fh.close();
  }
}

/** Length of the file up to and including its last `\n` (0 when there is none). */
async function lengthUpToLastNewline(fh: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await fh.read(chunk, 0, end - start, start);
    const i = chunk.subarray(0, bytesRead).lastIndexOf(NL);
    if (i !== -1) return start + i + 1;
    end = start;
  }
  return 0;
}

/** The separator of a Zeek TSV file with meta lines (`#separator \x09`), else undefined. */
async function tsvSeparator(fh: FileHandle): Promise<string | undefined> {
  const head = Buffer.alloc(256);
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  const first = head.subarray(0, bytesRead).toString('latin1').split('\n')[0] ?? '';
  if (!first.startsWith('#separator ')) return undefined;
  return first
    .slice('#separator '.length)
    .replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

async function lastLineStartsWith(fh: FileHandle, size: number, prefix: string): Promise<boolean> {
  const chunk = Buffer.allocUnsafe(Math.min(size, 64 * 1024));
  const start = size - chunk.length;
  const { bytesRead } = await fh.read(chunk, 0, chunk.length, start);
  const text = chunk.subarray(0, bytesRead);
  const prev = text.subarray(0, text.length - 1).lastIndexOf(NL);
  return text
    .subarray(prev + 1)
    .toString('latin1')
    .startsWith(prefix);
}
