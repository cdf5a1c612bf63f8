import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import { checkRecordCount } from '../log-batch/decode.js';
import { checkContainerDepth, type LogReader } from '../log-batch/reader.js';
import { LOG_TYPE_TAGS as T } from '../log-batch/types.js';
import { formatLogSubnet, writeV6At } from '../log-text/addr.js';
import { writeJsonNumber } from '../log-text/numbers.js';
import type { LogTextBuffer } from '../log-text/text-buffer.js';
import { formatJsonTime, type JsonTimestampStyle } from '../log-text/timestamps.js';
import type { JsonStringWriter } from './strings.js';

/** What a value's JSON depends on besides its bytes. */
export interface JsonValueContext {
  readonly timestamps: JsonTimestampStyle;
  /** Writer of `string` columns (the escape policy). */
  readonly string: JsonStringWriter;
  /** Writer of enum, file and func columns. */
  readonly otherStrings: JsonStringWriter;
}

/**
 * Streams one present value's body as JSON (zeek src/threading/formatters/JSON.cc `BuildJSON`);
 * the 9-byte value header has been read. Reads and checks as `readLogValue` does.
 */
type BodyWriter = (
  out: LogTextBuffer,
  r: LogReader,
  ctx: JsonValueContext,
  start: number,
  depth: number,
) => void;

function writeBool(out: LogTextBuffer, r: LogReader): void {
  r.need(8, 'bool');
  const p = r.pos;
  out.latin1(r.view.getInt32(p) !== 0 || r.view.getInt32(p + 4) !== 0 ? 'true' : 'false');
  r.pos = p + 8;
}

function writeInt(out: LogTextBuffer, r: LogReader): void {
  r.need(8, 'int');
  const p = r.pos;
  out.int64(r.view, p, true);
  r.pos = p + 8;
}

function writeCount(out: LogTextBuffer, r: LogReader): void {
  r.need(8, 'count');
  const p = r.pos;
  out.int64(r.view, p, false);
  r.pos = p + 8;
}

function writeTime(out: LogTextBuffer, r: LogReader, ctx: JsonValueContext): void {
  const t = r.f64('time');
  if (ctx.timestamps === 'epoch') writeJsonNumber(out, t);
  else out.latin1(formatJsonTime(t, ctx.timestamps));
}

function stringBody(what: string, ofString: boolean): BodyWriter {
  return (out, r, ctx) => {
    const len = r.strLength(what);
    (ofString ? ctx.string : ctx.otherStrings)(out, r.bytes, r.pos, r.pos + len);
    r.pos += len;
  };
}

function writeAddr(out: LogTextBuffer, r: LogReader): void {
  const len = r.addrLength('addr');
  const b = r.bytes;
  const at = r.pos;
  out.byte(0x22);
  if (len === 4) out.ipv4(b, at);
  else writeV6At(out, b, at);
  out.byte(0x22);
  r.pos += len;
}

function writeSubnet(out: LogTextBuffer, r: LogReader): void {
  const prefix = r.u8('subnet prefix');
  const len = r.addrLength('subnet');
  const at = r.pos;
  r.pos += len;
  out.byte(0x22);
  if (len === 4) {
    // formatLogSubnet's IPv4 text digit by digit: the wire length − 96 as an unsigned 32-bit number.
    out.ipv4(r.bytes, at);
    out.byte(0x2f);
    out.uint((prefix - 96) >>> 0);
  } else out.latin1(formatLogSubnet({ value: r.bytes.subarray(at, at + len), prefix }));
  out.byte(0x22);
}

function containerBody(what: string): BodyWriter {
  return (out, r, ctx, start, depth) => {
    checkContainerDepth(depth, start);
    const n = r.count64(what, 9);
    out.byte(0x5b);
    for (let j = 0; j < n; j++) {
      if (j > 0) out.byte(0x2c);
      writeValue(out, r, ctx, depth + 1);
    }
    out.byte(0x5d);
  };
}

/** Body writers by type tag; a tag without one is not loggable. */
const BODY: (BodyWriter | undefined)[] = [];
BODY[T.bool] = writeBool;
BODY[T.int] = writeInt;
BODY[T.count] = writeCount;
BODY[T.double] = (out, r) => writeJsonNumber(out, r.f64('double'));
BODY[T.interval] = (out, r) => writeJsonNumber(out, r.f64('interval'));
BODY[T.time] = writeTime;
BODY[T.string] = stringBody('string', true);
BODY[T.enum] = stringBody('enum', false);
BODY[T.func] = stringBody('func', false);
BODY[T.file] = stringBody('file', false);
BODY[T.port] = (out, r) => out.uint(r.portNumber());
BODY[T.addr] = writeAddr;
BODY[T.subnet] = writeSubnet;
BODY[T.table] = containerBody('set size');
BODY[T.vector] = containerBody('vector size');

/** One value with its header; unset → `null` (container elements, included unset columns). */
export function writeValue(out: LogTextBuffer, r: LogReader, ctx: JsonValueContext, depth: number): void {
  const start = r.pos;
  r.need(9, 'value header');
  const tag = r.view.getInt32(start);
  const present = r.bytes[start + 8] === 1;
  r.pos = start + 9;
  if (!present) {
    out.latin1('null');
    return;
  }
  const body = tag >= 0 ? BODY[tag] : undefined;
  if (body === undefined)
    throw new DecodeError(WIRE_ERROR_CODES.UNKNOWN_TAG, start, `type tag ${tag} is not a loggable type`);
  body(out, r, ctx, start, depth);
}

/**
 * Renders the records part of a payload (u32 count, values) as JSON lines; `keys[i]` is the
 * escaped `"name":` of column i.
 * @throws DecodeError exactly where `decodeLogBatch` would.
 */
export function renderJsonPayload(
  out: LogTextBuffer,
  r: LogReader,
  keys: readonly Uint8Array[],
  includeUnset: boolean,
  ctx: JsonValueContext,
  meta0: number,
  fixLine: (start: number) => void,
): void {
  const nf = keys.length;
  const count = checkRecordCount(r, nf);
  for (let k = 0; k < count; k++) {
    const line = out.pos;
    out.byte(0x7b);
    let first = true;
    for (let i = 0; i < nf; i++) {
      const start = r.pos;
      r.need(9, 'value header');
      const present = r.bytes[start + 8] === 1;
      if (!present && !includeUnset) {
        r.pos = start + 9;
        continue;
      }
      if (!first) out.byte(0x2c);
      first = false;
      out.bytes(keys[i] as Uint8Array);
      writeValue(out, r, ctx, 0);
    }
    out.byte(0x7d);
    out.byte(0x0a);
    if (meta0 < 0 || out.buf[line] === meta0) fixLine(line);
  }
}
