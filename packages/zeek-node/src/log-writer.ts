/**
 * A Zeek node's `Log::write` path: Zeek's write buffering ({@link LogBuffer}) in front of the log
 * PUSH ({@link LogPush}); full buffers and flushes become batches sent with DONTWAIT, as Zeek sends
 * them (a batch that finds the queue full is lost and counted).
 */
import { encodeLogBatch, type LogBatch, type LogBatchHeader, type LogRecord } from '@zeek-relay/wire';
import { LogBuffer, type LogBufferOptions } from './log-buffer.js';
import type { LogPush } from './logs.js';

export class LogWriter {
  readonly #buffer: LogBuffer;
  /** Records written and batches handed to the PUSH. */
  records = 0;
  batches = 0;

  constructor(
    readonly push: LogPush,
    options: LogBufferOptions = {},
    now = Date.now(),
  ) {
    this.#buffer = new LogBuffer(options, now);
  }

  /** `Log::write`: buffers one record; a full buffer goes out as a batch. */
  write(header: LogBatchHeader, record: LogRecord): void {
    this.records++;
    const batch = this.#buffer.write(header, record);
    if (batch) this.#send(batch);
  }

  /** Drives `Log::flush_interval`; call periodically with the current time. */
  tick(now = Date.now()): void {
    for (const b of this.#buffer.flushDue(now)) this.#send(b);
  }

  /** `Log::flush_all()`: every buffered record goes out now. */
  flushAll(): void {
    for (const b of this.#buffer.flushAll()) this.#send(b);
  }

  /** Batches lost at the high-water mark so far. */
  get dropped(): number {
    return this.push.dropped;
  }

  #send(batch: LogBatch): void {
    this.batches++;
    // A send that fails otherwise (socket closed under it) counts as lost too.
    void this.push.sendBatch(encodeLogBatch(batch)).catch(() => void this.push.dropped++);
  }
}
