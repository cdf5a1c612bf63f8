/**
 * broker-bin-v1 decoder. Accepts and rejects what Broker's reader does (broker-bin-v1.md §4):
 * rejects empty input, unknown tags, truncation, trailing bytes, port protocol > 3, duplicate set
 * elements / table keys, varbytes longer than 5 bytes or above 2^32 − 1; accepts over-long
 * varbytes, any non-zero boolean, unsorted sets/tables and any subnet length byte.
 * Byte fields of the result are views into the input (no copies).
 */
import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import type { BrokerData } from '../value.js';
import { sortedUnique } from './order.js';
import { readReal } from './real.js';
import { MAX_DEPTH, PORT_PROTOCOLS } from './tags.js';

/** Read position over a payload (shared with the one-pass renderer, transcode/bin-to-json.ts). */
export interface Cursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
}

function truncated(at: number, what: string): never {
  throw new DecodeError(WIRE_ERROR_CODES.TRUNCATED, at, `truncated ${what}`);
}

/** Claims `n` bytes at the cursor and returns their offset; DecodeError (truncated) if short. */
export function need(c: Cursor, n: number, what: string): number {
  const at = c.pos;
  if (at + n > c.bytes.length) truncated(at, what);
  c.pos = at + n;
  return at;
}

/** Reads an unsigned LEB128 varbyte: at most 5 bytes, value below 2^32 (§2.1). */
export function readVarbyte(c: Cursor, what: string): number {
  const start = c.pos;
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    const b = c.bytes[c.pos];
    if (b === undefined) truncated(start, `${what} length`);
    c.pos++;
    if (i === 4 && b > 0x0f) {
      throw new DecodeError(WIRE_ERROR_CODES.INVALID, start, `${what} length exceeds 32 bits`);
    }
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
    shift += 7;
  }
  throw new DecodeError(WIRE_ERROR_CODES.INVALID, start, `${what} length longer than 5 bytes`);
}

function readSized(c: Cursor, what: string): Uint8Array {
  const len = readVarbyte(c, what);
  const at = need(c, len, what);
  return c.bytes.subarray(at, at + len);
}

/** A container's element count, rejected early when the rest cannot hold that many. */
export function readCount(c: Cursor, perItem: number, what: string): number {
  const start = c.pos;
  const n = readVarbyte(c, what);
  // Every element needs at least one byte: reject impossible counts before allocating.
  if (n * perItem > c.bytes.length - c.pos) truncated(start, `${what} (${n} elements)`);
  return n;
}

/** Reads one value at `depth` (containers at MAX_DEPTH are rejected). */
export function read(c: Cursor, depth: number): BrokerData {
  const tagAt = c.pos;
  const tag = c.bytes[tagAt];
  if (tag === undefined) truncated(tagAt, 'value (missing tag)');
  c.pos++;
  switch (tag) {
    case 0x00:
      return { type: 'none' };
    case 0x01:
      return { type: 'boolean', value: c.bytes[need(c, 1, 'boolean')] !== 0 };
    case 0x02:
      return { type: 'count', value: c.view.getBigUint64(need(c, 8, 'count')) };
    case 0x03:
      return { type: 'integer', value: c.view.getBigInt64(need(c, 8, 'integer')) };
    case 0x04:
      return { type: 'real', value: readReal(c.view, need(c, 8, 'real')) };
    case 0x05:
      return { type: 'string', value: readSized(c, 'string') };
    case 0x06: {
      const at = need(c, 16, 'address');
      return { type: 'address', value: c.bytes.subarray(at, at + 16) };
    }
    case 0x07: {
      const at = need(c, 17, 'subnet');
      return { type: 'subnet', address: c.bytes.subarray(at, at + 16), length: c.bytes[at + 16] as number };
    }
    case 0x08: {
      const at = need(c, 3, 'port');
      const proto = c.bytes[at + 2] as number;
      const protocol = PORT_PROTOCOLS[proto];
      if (protocol === undefined) {
        throw new DecodeError(WIRE_ERROR_CODES.INVALID, at + 2, `port protocol ${proto} is not 0..3`);
      }
      return { type: 'port', value: c.view.getUint16(at), protocol };
    }
    case 0x09:
      return { type: 'timestamp', value: c.view.getBigInt64(need(c, 8, 'timestamp')) };
    case 0x0a:
      return { type: 'timespan', value: c.view.getBigInt64(need(c, 8, 'timespan')) };
    case 0x0b:
      return { type: 'enum_value', value: readSized(c, 'enum_value') };
    case 0x0c:
    case 0x0e: {
      if (depth >= MAX_DEPTH)
        throw new DecodeError(WIRE_ERROR_CODES.INVALID, tagAt, 'value nested too deeply');
      const n = readCount(c, 1, tag === 0x0c ? 'set' : 'vector');
      const items = new Array<BrokerData>(n);
      for (let i = 0; i < n; i++) items[i] = read(c, depth + 1);
      if (tag === 0x0e) return { type: 'vector', value: items };
      if (sortedUnique(items, (x) => x) === undefined) {
        throw new DecodeError(WIRE_ERROR_CODES.INVALID, tagAt, 'duplicate set element');
      }
      return { type: 'set', value: items };
    }
    case 0x0d: {
      if (depth >= MAX_DEPTH)
        throw new DecodeError(WIRE_ERROR_CODES.INVALID, tagAt, 'value nested too deeply');
      const n = readCount(c, 2, 'table');
      const entries = new Array<readonly [BrokerData, BrokerData]>(n);
      for (let i = 0; i < n; i++) {
        const k = read(c, depth + 1);
        entries[i] = [k, read(c, depth + 1)];
      }
      if (sortedUnique(entries, (e) => e[0]) === undefined) {
        throw new DecodeError(WIRE_ERROR_CODES.INVALID, tagAt, 'duplicate table key');
      }
      return { type: 'table', value: entries };
    }
    default:
      throw new DecodeError(
        WIRE_ERROR_CODES.UNKNOWN_TAG,
        tagAt,
        `unknown tag 0x${tag.toString(16).padStart(2, '0')}`,
      );
  }
}

function cursor(bytes: Uint8Array, offset: number): Cursor {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), pos: offset };
}

/**
 * Decodes one value starting at `offset`; `next` is the offset just after it. Throws only
 * `DecodeError` (offset = position of the problem).
 */
export function readBrokerData(bytes: Uint8Array, offset: number): { value: BrokerData; next: number } {
  const c = cursor(bytes, offset);
  const value = read(c, 0);
  return { value, next: c.pos };
}

/**
 * Decodes a complete payload: exactly one value and no trailing bytes (Broker's `do_parse`).
 * Throws only `DecodeError`.
 */
export function decodeBrokerData(bytes: Uint8Array): BrokerData {
  if (bytes.length === 0) throw new DecodeError(WIRE_ERROR_CODES.TRUNCATED, 0, 'empty payload');
  const c = cursor(bytes, 0);
  const value = read(c, 0);
  if (c.pos !== bytes.length) {
    throw new DecodeError(
      WIRE_ERROR_CODES.TRAILING_BYTES,
      c.pos,
      `${bytes.length - c.pos} bytes after the value`,
    );
  }
  return value;
}
