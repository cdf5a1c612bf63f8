import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import { LOG_PORT_PROTOCOLS } from './types.js';

/**
 * Big-endian cursor over a `zeek-bin-serializer` payload (Zeek's `BinarySerializationFormat`,
 * spec/log-batch.md §3). Every read checks the remaining length first and throws `DecodeError`
 * with the offset where the primitive started; nothing else is ever thrown.
 */
export class LogReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;

  constructor(bytes: Uint8Array, offset: number) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = offset;
  }

  /** Throws `ZR_WIRE_TRUNCATED` unless `n` more bytes are available. */
  need(n: number, what: string): void {
    if (this.bytes.length - this.pos < n) {
      throw new DecodeError(WIRE_ERROR_CODES.TRUNCATED, this.pos, `truncated ${what}`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++] as number;
  }

  /** bool: only 0x01 is true (Zeek's reader). */
  bool(what: string): boolean {
    return this.u8(what) === 1;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** u32 count (fields, records): Zeek reads it as an unsigned 32-bit number. */
  count32(what: string, minBytesEach: number): number {
    const start = this.pos;
    const n = this.u32(what);
    if (n * minBytesEach > this.bytes.length - this.pos) {
      throw new DecodeError(WIRE_ERROR_CODES.TRUNCATED, start, `${what} ${n} exceeds the input`);
    }
    return n;
  }

  /** i64 element count of a set/vector; negative or larger than the input can hold is an error. */
  count64(what: string, minBytesEach: number): number {
    const start = this.pos;
    this.need(8, what);
    const hi = this.view.getInt32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    if (hi < 0) throw new DecodeError(WIRE_ERROR_CODES.INVALID, start, `negative ${what}`);
    const n = hi * 0x1_0000_0000 + lo;
    if (n * minBytesEach > this.bytes.length - this.pos) {
      throw new DecodeError(WIRE_ERROR_CODES.TRUNCATED, start, `${what} ${n} exceeds the input`);
    }
    return n;
  }

  i64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * string length: i32 (Zeek reads it as signed: negative is an error) that must fit the rest of
   * the input. Leaves `pos` at the string's first byte, so renderers can copy the range without a
   * view (the caller advances past it).
   */
  strLength(what: string): number {
    const start = this.pos;
    const len = this.i32(what);
    if (len < 0) throw new DecodeError(WIRE_ERROR_CODES.INVALID, start, `negative ${what} length`);
    if (len > this.bytes.length - this.pos) {
      throw new DecodeError(WIRE_ERROR_CODES.TRUNCATED, start, `${what} length ${len} exceeds the input`);
    }
    return len;
  }

  /** string: {@link strLength} and the bytes, returned as a view into the input (no copy). */
  str(what: string): Uint8Array {
    const len = this.strLength(what);
    const s = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /**
   * port: u64 number (at most 2^53 - 1 here) and i32 protocol index (0–3, LOG_PORT_PROTOCOLS).
   * Returns the number; the protocol index is the i32 at `pos - 4` afterwards.
   */
  portNumber(): number {
    const start = this.pos;
    this.need(12, 'port');
    const hi = this.view.getUint32(start);
    if (hi > 0x1f_ffff) throw new DecodeError(WIRE_ERROR_CODES.INVALID, start, 'port number beyond 2^53 - 1');
    const proto = this.view.getInt32(start + 8);
    if (proto < 0 || proto >= LOG_PORT_PROTOCOLS.length) {
      throw new DecodeError(WIRE_ERROR_CODES.UNKNOWN_TAG, start + 8, `unknown port protocol ${proto}`);
    }
    this.pos = start + 12;
    return hi * 0x1_0000_0000 + this.view.getUint32(start + 4);
  }

  /**
   * addr (also a subnet's address): family byte 4 or 6 (Zeek rejects others), then 4 or 16 bytes
   * in network order. Returns the length and leaves `pos` at the first address byte.
   */
  addrLength(what: string): number {
    const at = this.pos;
    const family = this.u8(`${what} family`);
    const len = family === 4 ? 4 : family === 6 ? 16 : 0;
    if (len === 0) {
      throw new DecodeError(WIRE_ERROR_CODES.INVALID, at, `${what} family ${family} is not 4 or 6`);
    }
    this.need(len, what);
    return len;
  }

  /** The address bytes of {@link addrLength} as a view into the input. */
  addr(what: string): Uint8Array {
    const len = this.addrLength(what);
    const b = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  /** A header string, which must be UTF-8 text. */
  text(what: string): string {
    const start = this.pos;
    const b = this.str(what);
    return bytesToText(b, start, what);
  }
}

/**
 * Deepest container nesting accepted. Zeek logs only sets and vectors of atomic values (depth 1);
 * the limit keeps crafted input from exhausting the stack, which would not be a DecodeError.
 */
export const MAX_CONTAINER_DEPTH = 8;

/** Throws `ZR_WIRE_INVALID` when a container at `depth` (0 = column value) is too deep. */
export function checkContainerDepth(depth: number, offset: number): void {
  if (depth >= MAX_CONTAINER_DEPTH) {
    throw new DecodeError(
      WIRE_ERROR_CODES.INVALID,
      offset,
      `containers nested deeper than ${MAX_CONTAINER_DEPTH}`,
    );
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes header text; plain ASCII (the usual case) avoids TextDecoder. */
function bytesToText(b: Uint8Array, offset: number, what: string): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if ((b[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return b.length < 64 ? String.fromCharCode(...b) : utf8.decode(b);
  try {
    return utf8.decode(b);
  } catch (err) {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, offset, `${what} is not valid UTF-8`, {
      cause: err,
    });
  }
}
