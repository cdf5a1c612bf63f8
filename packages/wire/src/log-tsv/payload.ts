import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import { checkRecordCount } from '../log-batch/decode.js';
import { checkContainerDepth, type LogReader } from '../log-batch/reader.js';
import { LOG_TYPE_TAGS as T } from '../log-batch/types.js';
import { formatLogSubnet, formatV6At } from '../log-text/addr.js';
import { formatAsciiDouble } from '../log-text/numbers.js';
import type { OutBuffer } from '../log-text/out-buffer.js';
import { writeAddr, writeStringRange, writeText, writeTime, type TsvValueContext } from './values.js';

/**
 * Streams one value from the payload straight into TSV text: the same reads and checks, in the
 * same order, as `readLogValue` (so the same inputs fail with the same DecodeError), but without
 * building value objects, BigInts or subarrays for the common cases.
 */
function writePayloadValue(
  out: OutBuffer,
  r: LogReader,
  ctx: TsvValueContext,
  inner: boolean,
  depth: number,
): void {
  const start = r.pos;
  r.need(9, 'value header');
  const view = r.view;
  const tag = view.getInt32(start);
  if (r.bytes[start + 8] !== 1) {
    r.pos = start + 9;
    out.bytes(inner ? ctx.unsetInner : ctx.unsetTop);
    return;
  }
  const p = start + 9;
  r.pos = p;
  switch (tag) {
    case T.bool:
      r.need(8, 'bool');
      writeText(out, view.getInt32(p) !== 0 || view.getInt32(p + 4) !== 0 ? 'T' : 'F', ctx, inner);
      r.pos = p + 8;
      return;
    case T.int: {
      r.need(8, 'int');
      const hi = view.getInt32(p);
      const lo = view.getUint32(p + 4);
      if (hi === 0 && !ctx.escapeAll) out.uint(lo);
      else writeText(out, view.getBigInt64(p).toString(), ctx, inner);
      r.pos = p + 8;
      return;
    }
    case T.count: {
      r.need(8, 'count');
      const hi = view.getUint32(p);
      if (hi === 0 && !ctx.escapeAll) out.uint(view.getUint32(p + 4));
      else writeText(out, view.getBigUint64(p).toString(), ctx, inner);
      r.pos = p + 8;
      return;
    }
    case T.double:
      writeText(out, formatAsciiDouble(r.f64('double'), ctx.profile), ctx, inner);
      return;
    case T.time:
      writeTime(out, r.f64('time'), ctx, inner);
      return;
    case T.interval:
      writeTime(out, r.f64('interval'), ctx, inner);
      return;
    case T.string:
    case T.enum:
    case T.func:
    case T.file: {
      const len = r.strLength(
        tag === T.string ? 'string' : tag === T.enum ? 'enum' : tag === T.func ? 'func' : 'file',
      );
      writeStringRange(out, r.bytes, r.pos, r.pos + len, ctx, inner);
      r.pos += len;
      return;
    }
    case T.port: {
      const port = r.portNumber();
      if (ctx.escapeAll) writeText(out, String(port), ctx, inner);
      else out.uint(port);
      return;
    }
    case T.addr: {
      const family = r.u8('addr family');
      if (family === 4 && !ctx.escapeAll) {
        r.need(4, 'addr');
        const b = r.bytes;
        out.uint(b[p + 1] as number);
        out.byte(0x2e);
        out.uint(b[p + 2] as number);
        out.byte(0x2e);
        out.uint(b[p + 3] as number);
        out.byte(0x2e);
        out.uint(b[p + 4] as number);
        r.pos = p + 5;
        return;
      }
      if (family === 6) {
        r.need(16, 'addr');
        writeText(out, formatV6At(r.bytes, p + 1), ctx, inner);
        r.pos = p + 17;
        return;
      }
      r.pos = p;
      writeAddr(out, r.addr('addr'), ctx, inner);
      return;
    }
    case T.subnet: {
      const prefix = r.u8('subnet prefix');
      writeText(out, formatLogSubnet({ value: r.addr('subnet'), prefix }), ctx, inner);
      return;
    }
    case T.table:
    case T.vector: {
      checkContainerDepth(depth, start);
      const n = r.count64(tag === T.table ? 'set size' : 'vector size', 9);
      if (n === 0) {
        out.bytes(ctx.emptyTop);
        return;
      }
      for (let j = 0; j < n; j++) {
        if (j > 0) out.bytes(ctx.setSep);
        writePayloadValue(out, r, ctx, true, depth + 1);
      }
      return;
    }
    default:
      throw new DecodeError(WIRE_ERROR_CODES.UNKNOWN_TAG, start, `type tag ${tag} is not a loggable type`);
  }
}

/** Line-start handling shared with the value renderer (Ascii::DoWrite's meta-prefix check). */
export type LineFixer = (start: number) => void;

/**
 * Renders the records part of a batch payload (u32 count, then values) at `r.pos` as TSV
 * lines. `nf` is the header's field count.
 * @throws DecodeError exactly where `decodeLogBatch` would.
 */
export function renderTsvPayload(
  out: OutBuffer,
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
