import { EncodeError } from '../errors.js';
import { ByteWriter } from '../byte-writer.js';
import { MAX_CONTAINER_DEPTH } from './reader.js';
import {
  LOG_PORT_PROTOCOLS,
  LOG_TYPE_TAGS,
  type LogBatch,
  type LogBatchHeader,
  type LogElement,
  type LogField,
  type LogTypeName,
  type LogValue,
} from './types.js';

const textEncoder = new TextEncoder();
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/**
 * Zeek's `BinarySerializationFormat` primitives (log-batch.md §3) on top of the package's growable big-endian
 * ByteWriter: 32-bit signed lengths/tags and length-prefixed strings.
 */
class LogWriter extends ByteWriter {
  constructor() {
    super(1024);
  }
  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, v);
    this.length += 4;
  }
  /** Non-negative integer up to 2^53 − 1 as a 64-bit big-endian number. */
  u64n(v: number): void {
    this.ensure(8);
    this.view.setUint32(this.length, Math.floor(v / 0x1_0000_0000));
    this.view.setUint32(this.length + 4, v >>> 0);
    this.length += 8;
  }
  str(b: Uint8Array): void {
    if (b.length > 0x7fff_ffff) throw new EncodeError('string longer than 2^31 - 1 bytes');
    this.i32(b.length);
    this.bytes(b);
  }
  text(s: string): void {
    this.str(textEncoder.encode(s));
  }
  /** A fresh copy owned by the caller (never a pooled view: batches are large and long-lived). */
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function checkRange(v: bigint, min: bigint, max: bigint, what: string): void {
  if (typeof v !== 'bigint' || v < min || v > max)
    throw new EncodeError(`${what} out of range: ${String(v)}`);
}

function writeAddr(w: LogWriter, b: Uint8Array, what: string): void {
  if (b.length === 4) w.u8(4);
  else if (b.length === 16) w.u8(6);
  else throw new EncodeError(`${what} must have 4 or 16 bytes, not ${b.length}`);
  w.bytes(b);
}

/** Writes one element; `null` gets the tag `nullTag` and subtype 0. */
function writeElement(w: LogWriter, v: LogElement, nullTag: number, elemTag: number, depth = 0): void {
  if (v === null) {
    if (nullTag < 0) throw new EncodeError('unset element without a known type');
    w.i32(nullTag);
    w.i32(0);
    w.u8(0);
    return;
  }
  if (v.type === 'unset') {
    w.i32(v.tag);
    w.i32(v.subtype);
    w.u8(0);
    return;
  }
  w.i32(LOG_TYPE_TAGS[v.type]);
  w.i32(v.subtype ?? 0);
  w.u8(1);
  writeBody(w, v, elemTag, depth);
}

function writeBody(
  w: LogWriter,
  v: Exclude<LogValue, { type: 'unset' }>,
  elemTag: number,
  depth: number,
): void {
  switch (v.type) {
    case 'bool':
      w.i64(v.value ? 1n : 0n);
      return;
    case 'int':
      checkRange(v.value, I64_MIN, I64_MAX, 'int');
      w.i64(v.value);
      return;
    case 'count':
      checkRange(v.value, 0n, U64_MAX, 'count');
      w.u64(v.value);
      return;
    case 'double':
    case 'time':
    case 'interval':
      w.f64(v.value);
      return;
    case 'string':
    case 'enum':
    case 'func':
    case 'file':
      w.str(v.value);
      return;
    case 'port': {
      if (!Number.isSafeInteger(v.value) || v.value < 0) {
        throw new EncodeError(`port number out of range: ${v.value}`);
      }
      const proto = LOG_PORT_PROTOCOLS.indexOf(v.protocol);
      if (proto < 0) throw new EncodeError(`unknown port protocol ${String(v.protocol)}`);
      w.u64n(v.value);
      w.i32(proto);
      return;
    }
    case 'addr':
      writeAddr(w, v.value, 'addr');
      return;
    case 'subnet':
      if (!Number.isInteger(v.prefix) || v.prefix < 0 || v.prefix > 255) {
        throw new EncodeError(`subnet prefix out of range: ${v.prefix}`);
      }
      w.u8(v.prefix);
      writeAddr(w, v.value, 'subnet');
      return;
    case 'table':
    case 'vector':
      if (depth >= MAX_CONTAINER_DEPTH)
        throw new EncodeError(`containers nested deeper than ${MAX_CONTAINER_DEPTH}`);
      w.u64n(v.value.length);
      for (const e of v.value) writeElement(w, e, elemTag, -1, depth + 1);
      return;
    default: {
      const never: never = v;
      throw new EncodeError(`unknown log value type ${String((never as { type: unknown }).type)}`);
    }
  }
}

function writeHeader(w: LogWriter, h: LogBatchHeader): void {
  w.text(h.stream);
  w.text(h.writer);
  w.text(h.filter);
  w.text(h.path);
  w.i32(h.fields.length);
  for (const f of h.fields) {
    if (f.secondaryName === undefined) w.u8(0);
    else {
      w.u8(1);
      w.text(f.secondaryName);
    }
    w.text(f.name);
    w.i32(tagOf(f.type));
    w.i32(tagOf(f.subtype));
    w.u8(f.optional ? 1 : 0);
  }
}

function tagOf(name: LogTypeName): number {
  const tag = LOG_TYPE_TAGS[name];
  if (tag === undefined) throw new EncodeError(`unknown Zeek type ${String(name)}`);
  return tag;
}

/**
 * Encodes a batch (log-batch.md §3): header, u32 record count, record-major values. A `null` element is
 * written as unset with the column's type (container elements: the column's subtype), subtype 0,
 * which is what Zeek sends. Inverse of `decodeLogBatch` for everything Zeek produces.
 * @throws EncodeError for records whose length differs from the field count and for values the
 * format cannot carry.
 */
export function encodeLogBatch(batch: LogBatch): Uint8Array {
  const w = new LogWriter();
  const fields = batch.header.fields;
  writeHeader(w, batch.header);
  w.i32(batch.records.length);
  const tags = fields.map((f) => tagOf(f.type));
  const elemTags = fields.map((f) => tagOf(f.subtype));
  for (const rec of batch.records) {
    if (rec.length !== fields.length) {
      throw new EncodeError(`record has ${rec.length} values, header has ${fields.length} fields`);
    }
    for (let i = 0; i < rec.length; i++) {
      writeElement(w, rec[i] as LogElement, tags[i] as number, elemTags[i] as number);
    }
  }
  return w.result();
}

/**
 * Encodes one value (log-batch.md §3.2). `field` gives the tags used for `null` (the value itself and
 * container elements); without it, `null` cannot be encoded.
 * @throws EncodeError
 */
export function encodeLogValue(value: LogElement, field?: Pick<LogField, 'type' | 'subtype'>): Uint8Array {
  const w = new LogWriter();
  writeElement(w, value, field ? tagOf(field.type) : -1, field ? tagOf(field.subtype) : -1);
  return w.result();
}

/** Encodes just the header part (used to key caches). */
export function encodeLogBatchHeader(header: LogBatchHeader): Uint8Array {
  const w = new LogWriter();
  writeHeader(w, header);
  return w.result();
}
