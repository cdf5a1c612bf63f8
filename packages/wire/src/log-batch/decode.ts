import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import { checkContainerDepth, LogReader } from './reader.js';
import {
  LOG_PORT_PROTOCOLS,
  LOG_TYPE_NAMES,
  LOG_TYPE_TAGS,
  type LogBatch,
  type LogBatchHeader,
  type LogElement,
  type LogField,
  type LogPortProtocol,
  type LogRecord,
  type LogTypeName,
  type LogValue,
} from './types.js';

/** Smallest encoded value: i32 type, i32 subtype, bool present. */
const MIN_VALUE_BYTES = 9;
/** Smallest field descriptor: bool, empty string, i32, i32, bool. */
const MIN_FIELD_BYTES = 14;
/** No column tag: unset values are kept as explicit `LogUnset`. */
const NO_TAG = -1;
/** Records of zero fields take no bytes; cap their count so a crafted header cannot exhaust memory. */
const MAX_EMPTY_RECORDS = 1 << 20;

/**
 * Value (spec/log-batch.md §3.2, `threading::Value::Read`):
 *
 * | bytes | meaning |
 * |---|---|
 * | i32 | type tag |
 * | i32 | subtype (ignored by Zeek, kept here when ≠ 0) |
 * | bool | present; only 01 is true, nothing follows otherwise |
 * | … | body by type |
 *
 * `nullTag` is the tag an unset value must carry to decode as `null` (the column type);
 * `elemTag` the same for container elements (the column subtype).
 */
export function readLogValue(r: LogReader, nullTag: number, elemTag: number, depth = 0): LogElement {
  const start = r.pos;
  r.need(MIN_VALUE_BYTES, 'value header');
  const view = r.view;
  const tag = view.getInt32(start);
  const sub = view.getInt32(start + 4);
  const present = r.bytes[start + 8] === 1;
  r.pos = start + MIN_VALUE_BYTES;
  if (!present) {
    return tag === nullTag && sub === 0 ? null : { type: 'unset', tag, subtype: sub };
  }
  const v = readBody(r, tag, elemTag, start, depth);
  return sub === 0 ? v : { ...v, subtype: sub };
}

function readBody(r: LogReader, tag: number, elemTag: number, start: number, depth: number): LogValue {
  switch (tag) {
    case LOG_TYPE_TAGS.bool:
      return { type: 'bool', value: r.i64('bool') !== 0n };
    case LOG_TYPE_TAGS.int:
      return { type: 'int', value: r.i64('int') };
    case LOG_TYPE_TAGS.count:
      return { type: 'count', value: r.u64('count') };
    case LOG_TYPE_TAGS.double:
      return { type: 'double', value: r.f64('double') };
    case LOG_TYPE_TAGS.time:
      return { type: 'time', value: r.f64('time') };
    case LOG_TYPE_TAGS.interval:
      return { type: 'interval', value: r.f64('interval') };
    case LOG_TYPE_TAGS.string:
      return { type: 'string', value: r.str('string') };
    case LOG_TYPE_TAGS.enum:
      return { type: 'enum', value: r.str('enum') };
    case LOG_TYPE_TAGS.func:
      return { type: 'func', value: r.str('func') };
    case LOG_TYPE_TAGS.file:
      return { type: 'file', value: r.str('file') };
    case LOG_TYPE_TAGS.port:
      return readPort(r);
    case LOG_TYPE_TAGS.addr:
      return { type: 'addr', value: r.addr('addr') };
    case LOG_TYPE_TAGS.subnet: {
      const prefix = r.u8('subnet prefix');
      return { type: 'subnet', value: r.addr('subnet'), prefix };
    }
    case LOG_TYPE_TAGS.table:
    case LOG_TYPE_TAGS.vector: {
      checkContainerDepth(depth, start);
      const what = tag === LOG_TYPE_TAGS.table ? 'set' : 'vector';
      const n = r.count64(`${what} size`, MIN_VALUE_BYTES);
      const elems = new Array<LogElement>(n);
      for (let i = 0; i < n; i++) elems[i] = readLogValue(r, elemTag, NO_TAG, depth + 1);
      return { type: tag === LOG_TYPE_TAGS.table ? 'table' : 'vector', value: elems };
    }
    default:
      throw new DecodeError(WIRE_ERROR_CODES.UNKNOWN_TAG, start, `type tag ${tag} is not a loggable type`);
  }
}

function readPort(r: LogReader): LogValue {
  const value = r.portNumber();
  const protocol = LOG_PORT_PROTOCOLS[r.view.getInt32(r.pos - 4)] as LogPortProtocol;
  return { type: 'port', value, protocol };
}

function typeName(r: LogReader, at: number, what: string): LogTypeName {
  const tag = r.i32(what);
  const name = LOG_TYPE_NAMES[tag];
  if (name === undefined) {
    throw new DecodeError(WIRE_ERROR_CODES.UNKNOWN_TAG, at, `${what} tag ${tag} is not a Zeek type`);
  }
  return name;
}

/** Field descriptor (§3.1, `threading::Field::Read`). */
function readField(r: LogReader): LogField {
  const hasSecondary = r.bool('field secondary-name flag');
  const secondaryName = hasSecondary ? r.text('field secondary name') : undefined;
  const name = r.text('field name');
  const type = typeName(r, r.pos, 'field type');
  const subtype = typeName(r, r.pos, 'field subtype');
  const optional = r.bool('field optional flag');
  return secondaryName === undefined
    ? { name, type, subtype, optional }
    : { name, type, subtype, optional, secondaryName };
}

/** Header: stream, writer, filter, path, u32 field count, fields (§3). */
export function readLogBatchHeader(r: LogReader): LogBatchHeader {
  const stream = r.text('stream name');
  const writer = r.text('writer name');
  const filter = r.text('filter name');
  const path = r.text('path');
  const n = r.count32('field count', MIN_FIELD_BYTES);
  const fields = new Array<LogField>(n);
  for (let i = 0; i < n; i++) fields[i] = readField(r);
  return { stream, writer, filter, path, fields };
}

/**
 * Reads the u32 record count and rejects counts the remaining input cannot hold (each value
 * takes ≥ 9 bytes; records of zero fields are capped) before anything is allocated.
 */
export function checkRecordCount(r: LogReader, nf: number): number {
  const count = r.count32('record count', 0);
  if (nf === 0 && count > MAX_EMPTY_RECORDS) {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, r.pos - 4, `${count} records without fields`);
  }
  if (count * nf * MIN_VALUE_BYTES > r.bytes.length - r.pos) {
    throw new DecodeError(WIRE_ERROR_CODES.TRUNCATED, r.pos - 4, `record count ${count} exceeds the input`);
  }
  return count;
}

/** u32 record count, then record-major values (§3). */
export function readLogRecords(r: LogReader, header: LogBatchHeader): LogRecord[] {
  const fields = header.fields;
  const nf = fields.length;
  const count = checkRecordCount(r, nf);
  const tags = new Int32Array(nf);
  const elemTags = new Int32Array(nf);
  for (let i = 0; i < nf; i++) {
    const f = fields[i] as LogField;
    tags[i] = LOG_TYPE_TAGS[f.type];
    elemTags[i] = LOG_TYPE_TAGS[f.subtype];
  }
  const records = new Array<LogRecord>(count);
  for (let k = 0; k < count; k++) {
    const rec = new Array<LogElement>(nf);
    for (let i = 0; i < nf; i++) rec[i] = readLogValue(r, tags[i] as number, elemTags[i] as number);
    records[k] = rec;
  }
  return records;
}

/**
 * Decodes one batch starting at `offset`; `next` is where it ended. Zeek ignores bytes after the
 * last value, so callers decide what to do with `next < bytes.length`.
 * @throws DecodeError only.
 */
export function decodeLogBatchAt(bytes: Uint8Array, offset: number): { value: LogBatch; next: number } {
  const r = new LogReader(bytes, offset);
  const header = readLogBatchHeader(r);
  const records = readLogRecords(r, header);
  return { value: { header, records }, next: r.pos };
}

/**
 * Decodes only the header of a batch payload; `next` is where the records begin (for the
 * renderers' `recordsFromPayload`).
 * @throws DecodeError only.
 */
export function decodeLogBatchHeader(bytes: Uint8Array): { header: LogBatchHeader; next: number } {
  const r = new LogReader(bytes, 0);
  const header = readLogBatchHeader(r);
  return { header, next: r.pos };
}

/**
 * Decodes a batch payload (ZeroMQ frame 3). Trailing bytes are ignored, as a Zeek logger does.
 * Byte strings and addresses in the result are views into `bytes`.
 * @throws DecodeError only.
 */
export function decodeLogBatch(bytes: Uint8Array): LogBatch {
  return decodeLogBatchAt(bytes, 0).value;
}

/**
 * Decodes one value (§3.2) at `offset`. With `field`, an unset value carrying the field's type
 * (and container elements carrying its subtype) decode as `null`; without, unset values are
 * explicit `LogUnset`.
 * @throws DecodeError only.
 */
export function decodeLogValue(
  bytes: Uint8Array,
  offset: number,
  field?: Pick<LogField, 'type' | 'subtype'>,
): { value: LogElement; next: number } {
  const r = new LogReader(bytes, offset);
  const value = field
    ? readLogValue(r, LOG_TYPE_TAGS[field.type], LOG_TYPE_TAGS[field.subtype])
    : readLogValue(r, NO_TAG, NO_TAG);
  return { value, next: r.pos };
}
