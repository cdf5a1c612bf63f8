import { EncodeError } from '../errors.js';
import type { BrokerData } from '../value.js';

/**
 * `json`: always valid JSON (our default; see README "JSON output choices").
 * `zeek`: byte-identical to Zeek 8.0.10, including its non-JSON output (`\v`, raw control bytes,
 * raw invalid UTF-8, bare `nan`/`inf`).
 */
export type JsonDialect = 'json' | 'zeek';

export interface JsonFormatOptions {
  readonly dialect?: JsonDialect;
}

/** Renders one value as `{"@data-type":…,"data":…}` text. Throws `EncodeError`. */
export function dataToJson(d: BrokerData, opts: JsonFormatOptions = {}): string {
  void d;
  void opts;
  throw new EncodeError('not implemented');
}
