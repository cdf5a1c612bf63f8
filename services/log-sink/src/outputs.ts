/**
 * The writer interface every output implements. `write` renders synchronously (in batch order)
 * and queues; `flush` waits until what was queued reached its destination (disk, stdout buffer,
 * collector); `close` flushes and releases everything. Outputs never throw from `write` for a
 * decoded batch; I/O failures are retried (files) or counted (stdout, otlp).
 */
import type { LogBatch, LogBatchHeader } from '@zeek-relay/wire';

export interface SinkOutput {
  /** `tsv`, `json`, `stdout` or `otlp`: the `zeek_relay.sink.output` attribute. */
  readonly kind: string;
  /** Called once before the first write (crash recovery, connections). */
  start(): Promise<void>;
  write(batch: LogBatch): void;
  /** Text writers (files, stdout): queue lines already rendered for this header (batch-renderer.ts). */
  writeRendered?(header: LogBatchHeader, lines: Uint8Array): void;
  /** Time-based rotation of every open file (files only; others ignore it). */
  rotateAll(reason: string): void;
  /** Periodic fsync (files only). */
  sync(): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
