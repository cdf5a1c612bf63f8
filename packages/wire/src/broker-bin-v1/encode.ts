/**
 * broker-bin-v1 encoder (broker-bin-v1.md §2–3). Writes sets and tables in Broker order (§3.6) so
 * the bytes equal Zeek's; duplicates, out-of-range numbers and malformed fields fail with
 * `EncodeError` instead of producing bytes Zeek would reject or misread.
 */
import { withScratch, type ByteWriter } from '../byte-writer.js';
import { EncodeError } from '../errors.js';
import type {
  AddressData,
  BrokerData,
  PortData,
  RealData,
  SetData,
  SubnetData,
  TableData,
} from '../value.js';
import { sortedUnique } from './order.js';
import { writeReal } from './real.js';
import { DATA_TAGS, MAX_DEPTH, PROTOCOL_BYTES } from './tags.js';

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/**
 * Writes a string value body (varbyte length + UTF-8 bytes) straight from JS text; ASCII is
 * copied without an intermediate array.
 */
export function writeTextBody(w: ByteWriter, text: string): void {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      writeBytes(w, utf8.encode(text));
      return;
    }
  }
  writeVarbyte(w, text.length);
  w.latin1(text);
}

const utf8 = new TextEncoder();

/** Writes an unsigned LEB128 varbyte (minimal form); `n` must be below 2^32. */
export function writeVarbyte(w: ByteWriter, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new EncodeError(`length ${n} does not fit 32 bits`);
  while (n >= 0x80) {
    w.u8((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  w.u8(n);
}

function writeI64(w: ByteWriter, v: bigint, what: string): void {
  if (typeof v !== 'bigint' || v < I64_MIN || v > I64_MAX)
    throw new EncodeError(`${what} ${String(v)} out of int64 range`);
  w.i64(v);
}

function writeBytes(w: ByteWriter, b: Uint8Array): void {
  if (!(b instanceof Uint8Array)) throw new EncodeError('string/enum value is not a Uint8Array');
  writeVarbyte(w, b.length);
  w.bytes(b);
}

function writeRealBody(w: ByteWriter, d: RealData): void {
  if (typeof d.value !== 'number') throw new EncodeError('real is not a number');
  w.ensure(8);
  w.f64(0);
  writeReal(w.dataView, w.length - 8, d.value);
}

function writeAddress(w: ByteWriter, d: AddressData): void {
  if (d.value.length !== 16) throw new EncodeError(`address has ${d.value.length} bytes, not 16`);
  w.bytes(d.value);
}

function writeSubnet(w: ByteWriter, d: SubnetData): void {
  if (d.address.length !== 16) throw new EncodeError(`subnet address has ${d.address.length} bytes, not 16`);
  if (!Number.isInteger(d.length) || d.length < 0 || d.length > 255) {
    throw new EncodeError(`subnet length ${d.length} does not fit a byte`);
  }
  w.bytes(d.address);
  w.u8(d.length);
}

function writePort(w: ByteWriter, d: PortData): void {
  const proto = PROTOCOL_BYTES[d.protocol];
  if (!Number.isInteger(d.value) || d.value < 0 || d.value > 0xffff || proto === undefined) {
    throw new EncodeError(`invalid port ${d.value}/${String(d.protocol)}`);
  }
  w.u16(d.value);
  w.u8(proto);
}

/** A set's elements in Broker order (§3.6); duplicates fail. */
function writeSet(w: ByteWriter, d: SetData, depth: number): void {
  const items = sortedUnique(d.value, (x) => x);
  if (items === undefined) throw new EncodeError('set has duplicate elements');
  writeVarbyte(w, items.length);
  for (const x of items) write(w, x, depth + 1);
}

/** A table's entries in key order (§3.6); duplicate keys fail. */
function writeTable(w: ByteWriter, d: TableData, depth: number): void {
  const entries = sortedUnique(d.value, (e) => e[0]);
  if (entries === undefined) throw new EncodeError('table has duplicate keys');
  writeVarbyte(w, entries.length);
  for (const [k, v] of entries) {
    write(w, k, depth + 1);
    write(w, v, depth + 1);
  }
}

function write(w: ByteWriter, d: BrokerData, depth: number): void {
  if (depth > MAX_DEPTH) throw new EncodeError('value nested too deeply');
  w.u8(DATA_TAGS[d.type]);
  switch (d.type) {
    case 'none':
      return;
    case 'boolean':
      w.u8(d.value ? 1 : 0);
      return;
    case 'count':
      if (typeof d.value !== 'bigint' || d.value < 0n || d.value > U64_MAX) {
        throw new EncodeError(`count ${String(d.value)} out of uint64 range`);
      }
      w.u64(d.value);
      return;
    case 'integer':
    case 'timestamp':
    case 'timespan':
      return writeI64(w, d.value, d.type);
    case 'real':
      return writeRealBody(w, d);
    case 'string':
    case 'enum_value':
      return writeBytes(w, d.value);
    case 'address':
      return writeAddress(w, d);
    case 'subnet':
      return writeSubnet(w, d);
    case 'port':
      return writePort(w, d);
    case 'set':
      return writeSet(w, d, depth);
    case 'table':
      return writeTable(w, d, depth);
    case 'vector':
      // Inline (not a helper): events are vectors of vectors, and this is the encoder's hot path.
      writeVarbyte(w, d.value.length);
      for (const x of d.value) write(w, x, depth + 1);
      return;
    default: {
      const never: never = d;
      throw new EncodeError(`unknown data type '${String((never as { type?: unknown }).type)}'`);
    }
  }
}

/** Appends one value to `w` (for callers assembling larger messages). Throws `EncodeError`. */
export function writeBrokerData(w: ByteWriter, d: BrokerData): void {
  write(w, d, 0);
}

/**
 * Encodes one value as a complete broker-bin-v1 payload (a fresh `Uint8Array`).
 * Throws `EncodeError` for values Broker cannot carry (see module doc).
 */
export function encodeBrokerData(d: BrokerData): Uint8Array {
  return withScratch((w) => write(w, d, 0));
}
