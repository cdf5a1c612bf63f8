import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import { checkRecordCount } from '../log-batch/decode.js';
import { checkContainerDepth, type LogReader } from '../log-batch/reader.js';
import { LOG_TYPE_TAGS as T } from '../log-batch/types.js';
import { formatLogSubnet, formatV6At } from '../log-text/addr.js';
import { writeJsonNumber } from '../log-text/numbers.js';
import type { OutBuffer } from '../log-text/out-buffer.js';
import { formatJsonTime, type JsonTimestampStyle } from '../log-text/timestamps.js';
import { writeJsonString } from './strings.js';

function writeAddrAt(out: OutBuffer, b: Uint8Array, at: number, len: number): void {
  if (len === 4) {
    out.uint(b[at] as number);
    out.byte(0x2e);
    out.uint(b[at + 1] as number);
    out.byte(0x2e);
    out.uint(b[at + 2] as number);
    out.byte(0x2e);
    out.uint(b[at + 3] as number);
  } else out.latin1(formatV6At(b, at));
}

/**
 * Streams one present value's body as JSON (zeek src/threading/formatters/JSON.cc `BuildJSON`);
 * the header (9 bytes) has been read. Reads and checks as `readLogValue` does.
 */
function writeBody(
  out: OutBuffer,
  r: LogReader,
  tag: number,
  start: number,
  ts: JsonTimestampStyle,
  depth: number,
): void {
  const view = r.view;
  const p = r.pos;
  switch (tag) {
    case T.bool:
      r.need(8, 'bool');
      out.latin1(view.getInt32(p) !== 0 || view.getInt32(p + 4) !== 0 ? 'true' : 'false');
      r.pos = p + 8;
      return;
    case T.int:
      r.need(8, 'int');
      if (view.getInt32(p) === 0) out.uint(view.getUint32(p + 4));
      else out.latin1(view.getBigInt64(p).toString());
      r.pos = p + 8;
      return;
    case T.count:
      r.need(8, 'count');
      if (view.getUint32(p) === 0) out.uint(view.getUint32(p + 4));
      else out.latin1(view.getBigUint64(p).toString());
      r.pos = p + 8;
      return;
    case T.double:
    case T.interval:
      writeJsonNumber(out, r.f64(tag === T.double ? 'double' : 'interval'));
      return;
    case T.time: {
      const t = r.f64('time');
      if (ts === 'epoch') writeJsonNumber(out, t);
      else out.latin1(formatJsonTime(t, ts));
      return;
    }
    case T.string:
    case T.enum:
    case T.func:
    case T.file: {
      const len = r.strLength(
        tag === T.string ? 'string' : tag === T.enum ? 'enum' : tag === T.func ? 'func' : 'file',
      );
      writeJsonString(out, r.bytes, r.pos, r.pos + len);
      r.pos += len;
      return;
    }
    case T.port:
      out.uint(r.portNumber());
      return;
    case T.addr: {
      const len = r.addrLength('addr');
      out.byte(0x22);
      writeAddrAt(out, r.bytes, r.pos, len);
      out.byte(0x22);
      r.pos += len;
      return;
    }
    case T.subnet: {
      const prefix = r.u8('subnet prefix');
      out.byte(0x22);
      out.latin1(formatLogSubnet({ value: r.addr('subnet'), prefix }));
      out.byte(0x22);
      return;
    }
    case T.table:
    case T.vector: {
      checkContainerDepth(depth, start);
      const n = r.count64(tag === T.table ? 'set size' : 'vector size', 9);
      out.byte(0x5b);
      for (let j = 0; j < n; j++) {
        if (j > 0) out.byte(0x2c);
        writeValue(out, r, ts, depth + 1);
      }
      out.byte(0x5d);
      return;
    }
    default:
      throw new DecodeError(WIRE_ERROR_CODES.UNKNOWN_TAG, start, `type tag ${tag} is not a loggable type`);
  }
}

/** A container element: unset → `null`. */
function writeValue(out: OutBuffer, r: LogReader, ts: JsonTimestampStyle, depth: number): void {
  const start = r.pos;
  r.need(9, 'value header');
  const tag = r.view.getInt32(start);
  const present = r.bytes[start + 8] === 1;
  r.pos = start + 9;
  if (present) writeBody(out, r, tag, start, ts, depth);
  else out.latin1('null');
}

/**
 * Renders the records part of a payload (u32 count, values) as JSON lines; `keys[i]` is the
 * escaped `"name":` of column i.
 * @throws DecodeError exactly where `decodeLogBatch` would.
 */
export function renderJsonPayload(
  out: OutBuffer,
  r: LogReader,
  keys: readonly Uint8Array[],
  includeUnset: boolean,
  ts: JsonTimestampStyle,
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
      writeValue(out, r, ts, 0);
    }
    out.byte(0x7d);
    out.byte(0x0a);
    if (meta0 < 0 || out.buf[line] === meta0) fixLine(line);
  }
}
