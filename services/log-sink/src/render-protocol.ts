/** Messages between the sink and its render workers (see render-worker.ts, render-pool.ts). */
import type { LogBatchHeader, SpecialisedStats } from '@zeek-relay/wire';
import type { TextSettings } from './text-options.js';

/** Rendering options a worker needs (the file writers' settings). */
export interface RenderSettings {
  readonly tsv: boolean;
  readonly json: boolean;
  /** stdout lines: the JSON lines with `"_path"` first (stdout-output.ts). */
  readonly stdout: boolean;
  readonly text: TextSettings;
}

/** One batch payload (frame 3) to render. */
export interface RenderJob {
  readonly seq: number;
  /** A copy of the payload in a buffer transferred to the worker (sent back with the result). */
  readonly payload: Uint8Array;
  /** Buffers the writers are done with, for the worker's next rendered text (transferred). */
  readonly spares: readonly ArrayBuffer[];
}

/**
 * A rendered batch, or why it could not be decoded (`code` of the DecodeError). The header
 * travels only with the first result for it and then every `HEADER_RESEND` results of that
 * worker; otherwise `hid` names a header the pool already has (see render-pool.ts).
 */
export type RenderResult = (
  | {
      readonly seq: number;
      readonly ok: true;
      /** Worker-local header id. */
      readonly hid: number;
      /** With `header`: identifies it across workers (same key = same schema and path). */
      readonly key?: string;
      readonly header?: LogBatchHeader;
      readonly records: number;
      /** Payload size (for the received-bytes metric). */
      readonly bytes: number;
      readonly tsv?: Uint8Array;
      readonly json?: Uint8Array;
      readonly stdout?: Uint8Array;
    }
  | { readonly seq: number; readonly ok: false; readonly code: string; readonly message: string }
) & {
  /** The job's payload buffer, back to the pool (transferred). */
  readonly payload?: ArrayBuffer;
  /** Size classes of the buffers the worker took for rendered text since its last result. */
  readonly wants?: readonly number[];
  /** The worker's generated-loop cache counters, when they changed since its last result. */
  readonly loops?: SpecialisedStats;
};

/** A worker re-sends a header at least once every this many of its results. */
export const HEADER_RESEND = 256;

/** Stable identity of a header across threads. */
export function headerKey(h: LogBatchHeader): string {
  return JSON.stringify([
    h.stream,
    h.writer,
    h.filter,
    h.path,
    h.fields.map((f) => [f.name, f.type, f.subtype, f.optional]),
  ]);
}
