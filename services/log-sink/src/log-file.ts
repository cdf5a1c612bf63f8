/**
 * One live log file of one path (e.g. `conn.log`): a strict FIFO of writes, rotations, syncs and
 * the final close, processed one at a time so a file never holds a partial line written out of
 * order. Opened lazily at the first write (header first, `#open` = wall clock); with rotation on,
 * after `.shadow.<name>` marks it live for crash recovery, with rotation off appended to what a
 * previous run left (see `LogFileContext.rotating`). Write errors are retried forever (bytes stay
 * queued, the write budget stays used, so intake stops reading): a record is written exactly once.
 */
import { open, writeFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogTextRenderer } from '@zeek-relay/wire';
import { archiveFile } from './archive.js';
import type { WriteBudget } from './backpressure.js';
import { finalizeLeftover, repairLeftover } from './recovery.js';
import { syncDir, unlinkIfExists, writeAll } from './fs-util.js';
import { liveFileName, shadowFileName } from './rotation.js';

/** Callbacks and settings shared by the files of one writer. */
export interface LogFileContext {
  readonly dir: string;
  readonly suffix: string;
  readonly gzipLevel: number;
  readonly maxBytes: number;
  readonly budget: WriteBudget;
  readonly now: () => Date;
  readonly written: (path: string, bytes: number, seconds: number) => void;
  readonly rotated: (path: string, reason: string, archivedAs: string) => void;
  readonly failed: (path: string, err: unknown) => void;
  /** The file system refused this path for good: its queued bytes were dropped (count, log once). */
  readonly rejected: (path: string, err: unknown, droppedBatches: number) => void;
  /** A batch for a rejected path was dropped on arrival. */
  readonly dropped: (path: string) => void;
  /** Background compressions; the writer awaits them on close. */
  readonly track: (p: Promise<void>) => void;
  /** First retry delay of a transient failure; doubled per attempt up to {@link MAX_RETRY_DELAY_MS}. */
  readonly retryDelayMs: number;
  /**
   * Rotation is on (by time or size): a live file is marked by `.shadow.<name>` for crash
   * recovery and archived at the end. Off (Zeek: no shadow files without a rotation interval):
   * no marker, and a `<path>.log` left by a previous run is kept and appended to.
   */
  readonly rotating: boolean;
  /** Lines appended here were written and are not read again (their buffer may be reused). */
  readonly recycle?: (bytes: Uint8Array) => void;
}

/**
 * Errors that retrying cannot cure, for this path only: the name (ENAMETOOLONG, EINVAL), the
 * permissions (EACCES, EPERM, EROFS) or what is at the name (EISDIR, ENOTDIR, ELOOP). Everything
 * else (ENOSPC, EDQUOT, EIO, EMFILE, …) is retried: the disk may recover.
 */
const PERMANENT_ERRORS = new Set([
  'ENAMETOOLONG',
  'EINVAL',
  'EACCES',
  'EPERM',
  'EROFS',
  'EISDIR',
  'ENOTDIR',
  'ELOOP',
]);

/** The longest wait between two attempts of a transiently failing operation. */
export const MAX_RETRY_DELAY_MS = 5000;

class PathRejected extends Error {
  constructor(cause: unknown) {
    super('path rejected', { cause });
  }
}

type Item =
  | { readonly kind: 'data'; readonly bytes: Uint8Array }
  | { readonly kind: 'rotate'; readonly reason: string; readonly renderer?: LogTextRenderer }
  | { readonly kind: 'sync' }
  | { readonly kind: 'close'; readonly rotate: boolean };

/** A live file; see the module comment for ordering and failure behaviour. */
export class LogFile {
  private readonly items: Item[] = [];
  private fh: FileHandle | undefined;
  private openTime = new Date(0);
  private size = 0;
  private dirty = false;
  private pumping: Promise<void> | undefined;
  private readonly liveName: string;

  /** Renderer of the file being written (switched when a queued schema rotation is processed). */
  private renderer: LogTextRenderer;
  /** Renderer of the most recent schema queued (what new batches are rendered with). */
  private latest: LogTextRenderer;

  constructor(
    readonly path: string,
    renderer: LogTextRenderer,
    private readonly ctx: LogFileContext,
  ) {
    this.renderer = renderer;
    this.latest = renderer;
    this.liveName = liveFileName(path, ctx.suffix);
  }

  /** The renderer new batches must be rendered with (the latest schema queued). */
  get currentRenderer(): LogTextRenderer {
    return this.latest;
  }

  /** The file system refused this path for good; everything for it is dropped from now on. */
  rejected = false;

  /** The run being written (its budget is released once written, or when the path is rejected). */
  private inFlight: { bytes: number; batches: number } | undefined;

  /** Queues rendered lines (complete lines only). */
  append(bytes: Uint8Array): void {
    if (this.rejected) {
      this.ctx.dropped(this.path);
      return;
    }
    if (bytes.length === 0) return;
    this.ctx.budget.add(bytes.length);
    this.push({ kind: 'data', bytes });
  }

  /** Queues a rotation; with `renderer`, later writes use it (new header after a schema change). */
  rotate(reason: string, renderer?: LogTextRenderer): void {
    if (renderer) this.latest = renderer;
    this.push(renderer ? { kind: 'rotate', reason, renderer } : { kind: 'rotate', reason });
  }

  /** Queues an fsync (only done if something was written since the last one). */
  sync(): void {
    if (this.dirty || this.items.length > 0) this.push({ kind: 'sync' });
  }

  /** Queues the final close (`#close`, fsync, close; archived when `rotate`) and waits for everything queued. */
  async close(rotate: boolean): Promise<void> {
    this.push({ kind: 'close', rotate });
    await this.idle();
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private push(item: Item): void {
    this.items.push(item);
    if (this.pumping === undefined) this.startPump();
  }

  /** One pump at a time; a push that raced with the pump's end restarts it. */
  private startPump(): void {
    this.pumping = this.pump()
      .catch((err: unknown) => {
        if (err instanceof PathRejected) this.reject(err.cause);
        else this.ctx.failed(this.path, err);
      })
      .finally(() => {
        this.pumping = undefined;
        if (this.items.length > 0) this.startPump();
      });
  }

  private async pump(): Promise<void> {
    for (;;) {
      const item = this.items[0];
      if (item === undefined) return;
      if (item.kind === 'data') {
        await this.retrying(() => this.ensureOpen());
        // Coalesce queued batches into one writev, but never past the size limit (rotation
        // happens between batches, so each file ends on a batch boundary).
        const room = this.ctx.maxBytes > 0 ? this.ctx.maxBytes - this.size : Infinity;
        const run: Uint8Array[] = [];
        let bytes = 0;
        while (run.length < 1024 && this.items[0]?.kind === 'data' && (run.length === 0 || bytes < room)) {
          const d = this.items.shift() as { bytes: Uint8Array };
          run.push(d.bytes);
          bytes += d.bytes.length;
        }
        const t0 = performance.now();
        this.inFlight = { bytes, batches: run.length };
        await this.retrying(() => this.writeTracked(run));
        this.inFlight = undefined;
        this.ctx.written(this.path, bytes, (performance.now() - t0) / 1000);
        this.ctx.budget.release(bytes, run.length);
        if (this.ctx.recycle) for (const b of run) this.ctx.recycle(b);
        if (this.ctx.maxBytes > 0 && this.size >= this.ctx.maxBytes)
          await this.retrying(() => this.finish(true, 'size'));
        continue;
      }
      this.items.shift();
      if (item.kind === 'rotate') {
        if (this.fh) await this.retrying(() => this.finish(true, item.reason));
        if (item.renderer) this.renderer = item.renderer;
      } else if (item.kind === 'sync') {
        // In the background: writes keep flowing while the disk catches up; finish() awaits it.
        if (this.fh && this.dirty && this.syncing === undefined) {
          const fh = this.fh;
          this.dirty = false;
          this.syncing = fh
            .sync()
            .catch((err: unknown) => {
              this.dirty = true;
              this.ctx.failed(this.path, err);
            })
            .finally(() => (this.syncing = undefined));
        }
      } else if (this.fh) {
        await this.retrying(() => this.finish(item.rotate, 'shutdown'));
      }
    }
  }

  /**
   * Runs `op` until it succeeds, reporting each failure; the queue waits meanwhile (backoff up to
   * {@link MAX_RETRY_DELAY_MS}). A permanent error rejects the path instead.
   */
  private async retrying<T>(op: () => Promise<T>): Promise<T> {
    let delay = this.ctx.retryDelayMs;
    for (;;) {
      try {
        return await op();
      } catch (err) {
        if (PERMANENT_ERRORS.has((err as NodeJS.ErrnoException).code ?? '')) throw new PathRejected(err);
        this.ctx.failed(this.path, err);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
      }
    }
  }

  /** Drops everything queued for this path (releasing its write budget) and every later batch. */
  private reject(cause: unknown): void {
    this.rejected = true;
    let batches = 0;
    let bytes = 0;
    for (const item of this.items.splice(0)) {
      if (item.kind !== 'data') continue;
      batches += 1;
      bytes += item.bytes.length;
    }
    if (this.inFlight) {
      batches += this.inFlight.batches;
      bytes += this.inFlight.bytes;
      this.inFlight = undefined;
    }
    this.pendingWrite = undefined;
    this.ctx.budget.release(bytes, batches);
    const fh = this.fh;
    this.fh = undefined;
    void fh?.close().catch(() => undefined);
    this.ctx.rejected(this.path, cause, batches);
  }

  /** Chunks of the current run not yet written; progress survives a failed write (no duplicates). */
  private pendingWrite: Uint8Array[] | undefined;

  private async writeTracked(run: Uint8Array[]): Promise<void> {
    this.pendingWrite ??= run;
    const fh = this.fh as FileHandle;
    for (;;) {
      const list: Uint8Array[] = this.pendingWrite ?? [];
      if (list.length === 0) break;
      const { bytesWritten } = await fh.writev(list.length > 1024 ? list.slice(0, 1024) : list);
      this.size += bytesWritten;
      this.dirty = true;
      let left = bytesWritten;
      let i = 0;
      while (i < list.length && left >= (list[i] as Uint8Array).length)
        left -= (list[i++] as Uint8Array).length;
      const rest: Uint8Array[] = list.slice(i);
      if (left > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(left);
      this.pendingWrite = rest;
    }
    this.pendingWrite = undefined;
  }

  private async ensureOpen(): Promise<void> {
    if (this.fh) return;
    const { dir } = this.ctx;
    const live = join(dir, this.liveName);
    const { fh, size } = this.ctx.rotating ? await this.openMarked(live) : await this.openAppending(live);
    await syncDir(dir);
    this.openTime = this.ctx.now();
    const header = this.renderer.header(this.openTime);
    await writeAll(fh, [header]);
    this.fh = fh;
    this.size = size + header.length;
    this.dirty = true;
  }

  /** Rotation on: shadow marker first, then a new file (an unexpected one is archived, never clobbered). */
  private async openMarked(live: string): Promise<{ fh: FileHandle; size: number }> {
    const { dir } = this.ctx;
    const shadow = join(dir, shadowFileName(this.liveName));
    const tmpShadow = join(dir, `.tmp${shadowFileName(this.liveName)}`);
    await writeFile(tmpShadow, `.${this.ctx.suffix}\n\n`);
    await rename(tmpShadow, shadow);
    try {
      return { fh: await open(live, 'wx'), size: 0 };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const r = await finalizeLeftover(
        dir,
        this.liveName,
        this.path,
        this.ctx.suffix,
        this.ctx.now(),
        this.ctx.gzipLevel,
      );
      if (r.archived.compressed) this.ctx.track(r.archived.compressed);
      return { fh: await open(live, 'wx'), size: 0 };
    }
  }

  /**
   * Rotation off: keep what a previous run wrote (made complete: no partial last line, `#close`
   * present) and append this run's header and records after it. Zeek itself truncates the file
   * here (O_TRUNC); the sink keeps it so that a restart never loses logs.
   */
  private async openAppending(live: string): Promise<{ fh: FileHandle; size: number }> {
    let size = 0;
    try {
      size = (await repairLeftover(live)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return { fh: await open(live, 'a'), size };
  }

  /** `#close`, fsync, close; then archive (rotate) or leave the live file for the next start. */
  private async finish(rotate: boolean, reason: string): Promise<void> {
    if (this.syncing) await this.syncing;
    if (this.fh) {
      const fh = this.fh;
      this.closeLine ??= this.renderer.close(this.ctx.now());
      if (this.closeLine.length > 0) await this.writeTracked([this.closeLine]);
      this.closeLine = new Uint8Array(0);
      await fh.sync();
      this.fh = undefined;
      this.closeLine = undefined;
      this.dirty = false;
      await fh.close();
    }
    const { dir } = this.ctx;
    if (rotate) {
      const archived = await archiveFile(
        dir,
        this.liveName,
        this.path,
        this.ctx.suffix,
        this.openTime,
        this.ctx.gzipLevel,
      );
      if (archived.compressed) this.ctx.track(archived.compressed);
      await unlinkIfExists(join(dir, shadowFileName(this.liveName)));
      this.ctx.rotated(this.path, reason, archived.name);
    }
  }

  /** The periodic fsync in flight, if any. */
  private syncing: Promise<void> | undefined;

  /** The `#close` line while it is being written (kept across retries, then emptied). */
  private closeLine: Uint8Array | undefined;
}
