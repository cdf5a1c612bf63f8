import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import { checkRecordCount } from '../log-batch/decode.js';
import { checkContainerDepth, type LogReader } from '../log-batch/reader.js';
import { LOG_TYPE_TAGS as T } from '../log-batch/types.js';
import { formatV6At, writeV6At } from '../log-text/addr.js';
import type { LogTextBuffer } from '../log-text/text-buffer.js';
import {
  writeAddr,
  writeDouble,
  writeStringRange,
  writeSubnet,
  writeText,
  writeTime,
  type TsvValueContext,
} from './values.js';

/**
 * Streams one present value's body into TSV text (the 9-byte header has been read, `r.pos` is
 * after it): the same reads and checks, in the same order, as `readLogValue` (so the same inputs
 * fail with the same DecodeError), without value objects, BigInts or subarrays for the common
 * cases. `inner`: inside a set or vector; `start`: the value header's offset.
 */
type BodyWriter = (
  out: LogTextBuffer,
  r: LogReader,
  ctx: TsvValueContext,
  inner: boolean,
  start: number,
  depth: number,
) => void;

function writeBool(out: LogTextBuffer, r: LogReader, ctx: TsvValueContext, inner: boolean): void {
  const p = r.pos;
  r.need(8, 'bool');
  writeText(out, r.view.getInt32(p) !== 0 || r.view.getInt32(p + 4) !== 0 ? 'T' : 'F', ctx, inner);
  r.pos = p + 8;
}

/** int and count: below 2^53 in magnitude through doubles, others through BigInt. */
function integerBody(signed: boolean): BodyWriter {
  const what = signed ? 'int' : 'count';
  return (out, r, ctx, inner) => {
    const p = r.pos;
    r.need(8, what);
    if (!ctx.escapeAll) out.int64(r.view, p, signed);
    else writeText(out, (signed ? r.view.getBigInt64(p) : r.view.getBigUint64(p)).toString(), ctx, inner);
    r.pos = p + 8;
  };
}

function stringBody(what: string): BodyWriter {
  return (out, r, ctx, inner) => {
    const len = r.strLength(what);
    writeStringRange(out, r.bytes, r.pos, r.pos + len, ctx, inner);
    r.pos += len;
  };
}

function writePort(out: LogTextBuffer, r: LogReader, ctx: TsvValueContext, inner: boolean): void {
  const port = r.portNumber();
  if (ctx.escapeAll) writeText(out, String(port), ctx, inner);
  else out.uint(port);
}

function writeAddrBody(out: LogTextBuffer, r: LogReader, ctx: TsvValueContext, inner: boolean): void {
  const p = r.pos;
  const family = r.u8('addr family');
  if (family === 4 && !ctx.escapeAll) {
    r.need(4, 'addr');
    out.ipv4(r.bytes, p + 1);
    r.pos = p + 5;
    return;
  }
  if (family === 6) {
    r.need(16, 'addr');
    if (ctx.escapeAll) writeText(out, formatV6At(r.bytes, p + 1), ctx, inner);
    else writeV6At(out, r.bytes, p + 1);
    r.pos = p + 17;
    return;
  }
  r.pos = p;
  writeAddr(out, r.addr('addr'), ctx, inner);
}

function writeSubnetBody(out: LogTextBuffer, r: LogReader, ctx: TsvValueContext, inner: boolean): void {
  const prefix = r.u8('subnet prefix');
  writeSubnet(out, r.addr('subnet'), prefix, ctx, inner);
}

function containerBody(what: string): BodyWriter {
  return (out, r, ctx, _inner, start, depth) => {
    checkContainerDepth(depth, start);
    const n = r.count64(what, 9);
    if (n === 0) {
      out.bytes(ctx.emptyTop);
      return;
    }
    for (let j = 0; j < n; j++) {
      if (j > 0) out.bytes(ctx.setSep);
      writePayloadValue(out, r, ctx, true, depth + 1);
    }
  };
}

/** Body writers by type tag; a tag without one is not loggable. */
const BODY: (BodyWriter | undefined)[] = [];
BODY[T.bool] = writeBool;
BODY[T.int] = integerBody(true);
BODY[T.count] = integerBody(false);
BODY[T.double] = (out, r, ctx, inner) => writeDouble(out, r.f64('double'), ctx, inner);
BODY[T.time] = (out, r, ctx, inner) => writeTime(out, r.f64('time'), ctx, inner);
BODY[T.interval] = (out, r, ctx, inner) => writeTime(out, r.f64('interval'), ctx, inner);
BODY[T.string] = stringBody('string');
BODY[T.enum] = stringBody('enum');
BODY[T.func] = stringBody('func');
BODY[T.file] = stringBody('file');
BODY[T.port] = writePort;
BODY[T.addr] = writeAddrBody;
BODY[T.subnet] = writeSubnetBody;
BODY[T.table] = containerBody('set size');
BODY[T.vector] = containerBody('vector size');

/** One value (header and body) from the payload into TSV text; unset → the unset marker. */
export function writePayloadValue(
  out: LogTextBuffer,
  r: LogReader,
  ctx: TsvValueContext,
  inner: boolean,
  depth: number,
): void {
  const start = r.pos;
  r.need(9, 'value header');
  const tag = r.view.getInt32(start);
  if (r.bytes[start + 8] !== 1) {
    r.pos = start + 9;
    out.bytes(inner ? ctx.unsetInner : ctx.unsetTop);
    return;
  }
  r.pos = start + 9;
  const body = tag >= 0 ? BODY[tag] : undefined;
  if (body === undefined)
    throw new DecodeError(WIRE_ERROR_CODES.UNKNOWN_TAG, start, `type tag ${tag} is not a loggable type`);
  body(out, r, ctx, inner, start, depth);
}

/** Line-start handling shared with the value renderer (Ascii::DoWrite's meta-prefix check). */
export type LineFixer = (start: number) => void;

/**
 * Renders the records part of a batch payload (u32 count, then values) at `r.pos` as TSV
 * lines. `nf` is the header's field count.
 * @throws DecodeError exactly where `decodeLogBatch` would.
 */
export function renderTsvPayload(
  out: LogTextBuffer,
  r: LogReader,
  nf: number,
  ctx: TsvValueContext,
  sep: Uint8Array,
  meta0: number,
  fixLine: LineFixer,
): void {
  const count = checkRecordCount(r, nf);
  for (let k = 0; k < count; k++) {
    const start = out.pos;
    for (let i = 0; i < nf; i++) {
      if (i > 0) out.bytes(sep);
      writePayloadValue(out, r, ctx, false, 0);
    }
    out.byte(0x0a);
    if (out.buf[start] === meta0 || meta0 < 0) fixLine(start);
  }
}
