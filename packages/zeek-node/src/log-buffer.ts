/**
 * Zeek's log write buffering (log-batch.md §2.1, zeromq-wire.md §6.3) for one node: one buffer
 * per writer frontend (stream, filter, path); a buffer becomes a batch when it holds
 * `writeBufferSize` records (Log::write_buffer_size, default 1000), when the flush interval
 * elapses (Log::flush_interval, default 1 s; the caller drives the clock via `flushDue`), or on
 * `flushAll` (Log::flush_all / termination). Empty buffers never produce a batch. Pure: no timers.
 */
import type { LogBatch, LogBatchHeader, LogRecord } from '@zeek-relay/wire';

/** Buffering knobs, Zeek's defaults when omitted. */
export interface LogBufferOptions {
  /** Log::write_buffer_size. Default 1000. 1 behaves like `Log::set_buf(id, F)`. */
  readonly writeBufferSize?: number;
  /** Log::flush_interval in ms. Default 1000; 0 disables the periodic flush (Zeek 9.0 semantics). */
  readonly flushIntervalMs?: number;
}

interface Pending {
  readonly header: LogBatchHeader;
  records: LogRecord[];
}

/** Per-node set of write buffers. */
export class LogBuffer {
  readonly #buffers = new Map<LogBatchHeader, Pending>();
  readonly #size: number;
  readonly #interval: number;
  #lastFlush: number;

  constructor(options: LogBufferOptions = {}, now = 0) {
    this.#size = Math.max(1, options.writeBufferSize ?? 1000);
    this.#interval = options.flushIntervalMs ?? 1000;
    this.#lastFlush = now;
  }

  /** Buffers one record; returns the batch it completed, if the buffer reached `writeBufferSize`. */
  write(header: LogBatchHeader, record: LogRecord): LogBatch | undefined {
    let p = this.#buffers.get(header);
    if (p === undefined) {
      p = { header, records: [] };
      this.#buffers.set(header, p);
    }
    p.records.push(record);
    if (p.records.length < this.#size) return undefined;
    return this.#take(p);
  }

  /** The periodic flush timer: every buffer becomes a batch when `flushIntervalMs` has passed since the last one. */
  flushDue(now: number): LogBatch[] {
    if (this.#interval <= 0 || now - this.#lastFlush < this.#interval) return [];
    this.#lastFlush = now;
    return this.flushAll();
  }

  /** Every non-empty buffer as a batch, in first-write order. */
  flushAll(): LogBatch[] {
    const out: LogBatch[] = [];
    for (const p of this.#buffers.values()) if (p.records.length > 0) out.push(this.#take(p));
    return out;
  }

  #take(p: Pending): LogBatch {
    const records = p.records;
    p.records = [];
    return { header: p.header, records };
  }
}
