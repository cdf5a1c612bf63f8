/**
 * Broker JSON v1 value reader entry points. Differences from Zeek, all deliberate: `\/` decodes to
 * `/` (Zeek: `?`); reals are correctly rounded (Zeek's parser is not); Zeek's non-JSON inputs
 * (`\v`, bare `nan`, raw control characters) are rejected; `"NaN"`, `"Infinity"`, `"-Infinity"`
 * are accepted for reals (our `json` dialect writes them).
 */
import type { BrokerData } from '../value.js';
import { readValue } from './read-data.js';
import { JsonReader } from './reader.js';

/** Zeek's context text for every value decoding failure. */
export const DECODE_FAILED = 'failed to decode JSON object';

const utf8 = new TextEncoder();

/**
 * `json` (default): strict RFC 8259. `zeek`: also Zeek's own non-JSON output (raw control bytes,
 * raw invalid UTF-8, `\v`, bare `nan`/`inf`/`-inf`), for reading what Zeek writes — its
 * `broker-json-v1` cluster serializer, or WebSocket frames recorded from Zeek.
 */
export interface JsonParseOptions {
  readonly dialect?: 'json' | 'zeek';
}

/** UTF-8 bytes of the input (strings are encoded; lone surrogates become U+FFFD and then fail). */
export function inputBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? utf8.encode(input) : input;
}

/**
 * Parses one value `{"@data-type":…,"data":…}` from JSON text or UTF-8 bytes (see
 * {@link JsonParseOptions} for the dialects). Throws only
 * `DecodeError` (`reason` = `failed to decode JSON object`, offset = byte position, detail in
 * `cause`). Byte fields of the result may be views into a `Uint8Array` input.
 */
export function jsonToData(input: string | Uint8Array, opts: JsonParseOptions = {}): BrokerData {
  const r = new JsonReader(inputBytes(input), DECODE_FAILED, opts.dialect === 'zeek');
  const v = readValue(r, 0);
  r.end();
  return v;
}
