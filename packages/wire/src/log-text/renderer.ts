import type { LogRecord } from '../log-batch/types.js';

/**
 * A log file writer's text output for one batch header (one output file). Every method returns
 * a fresh `Uint8Array` owned by the caller; the renderer keeps no reference to it.
 */
export interface LogTextRenderer {
  /**
   * File header, written once when the file is opened (`#separator` … `#types` with `#open` =
   * `openTime`; one line of column names in TSV mode). Empty for JSON or `includeMeta: false`.
   */
  header(openTime: Date): Uint8Array;
  /**
   * All records of a batch, one `\n`-terminated line each, in order.
   * @throws EncodeError when a record's length differs from the header's field count.
   */
  records(records: readonly LogRecord[]): Uint8Array;
  /**
   * Same output as `records(decodeLogBatch(payload).records)` for a payload whose header is
   * this renderer's, reading the records part (starting at `offset`, from
   * `LogBatchDecoder.decodeHeader`) straight from the bytes: no value objects are built.
   * @throws DecodeError exactly where decoding would fail (nothing is returned then).
   */
  recordsFromPayload(payload: Uint8Array, offset: number): Uint8Array;
  /** `#close<sep>YYYY-MM-DD-HH-MM-SS\n` (TSV with meta); empty otherwise. */
  close(closeTime: Date): Uint8Array;
}
