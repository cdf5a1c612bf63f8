import { EncodeError } from '../errors.js';
import { MAX_CONTAINER_DEPTH } from '../log-batch/reader.js';
import type { LogElement, LogNumberProfile, LogValue } from '../log-batch/types.js';
import { formatLogAddr, formatLogSubnet } from '../log-text/addr.js';
import {
  formatAsciiDouble,
  formatAsciiTime,
  modpSplit,
  writeAsciiDouble80,
  writeAsciiDouble82,
  writeFixed6,
} from '../log-text/numbers.js';
import type { LogTextBuffer } from '../log-text/text-buffer.js';
import { utf8Bytes } from '../log-text/text-buffer.js';
import { writeEscaped, type EscapeContext } from './escape.js';

/** Everything a value writer needs; built once per renderer (spec/log-batch.md §5). */
export interface TsvValueContext {
  readonly top: EscapeContext;
  readonly inner: EscapeContext;
  readonly setSep: Uint8Array;
  readonly unset: Uint8Array;
  readonly empty: Uint8Array;
  /** unset/empty markers as written through the escaping ODesc, outside and inside containers. */
  readonly unsetTop: Uint8Array;
  readonly unsetInner: Uint8Array;
  readonly emptyTop: Uint8Array;
  readonly emptyInner: Uint8Array;
  readonly profile: LogNumberProfile;
  /** True when a separator could occur in number/address text, which must then be escaped too. */
  readonly escapeAll: boolean;
}

const THRES_MAX = 2147483647;
const split = new Float64Array(2);

function sameRange(b: Uint8Array, s: number, e: number, m: Uint8Array): boolean {
  if (e - s !== m.length) return false;
  for (let i = 0; i < m.length; i++) if (b[s + i] !== m[i]) return false;
  return true;
}

/**
 * string/enum/file/func `b[s, e)` (zeek src/threading/formatters/Ascii.cc): empty → empty_field;
 * equal to unset_field or empty_field → first byte as `\xNN`; then the ODesc escaping.
 */
export function writeStringRange(
  out: LogTextBuffer,
  b: Uint8Array,
  s: number,
  e: number,
  ctx: TsvValueContext,
  inner: boolean,
): void {
  if (s === e) {
    out.bytes(inner ? ctx.emptyInner : ctx.emptyTop);
    return;
  }
  const esc = inner ? ctx.inner : ctx.top;
  if (sameRange(b, s, e, ctx.unset) || sameRange(b, s, e, ctx.empty)) {
    out.hexEscape(b[s] as number);
    writeEscaped(out, b, s + 1, esc, e);
    return;
  }
  writeEscaped(out, b, s, esc, e);
}

/** Text of numbers and addresses; escaped only if a separator could collide with it. */
export function writeText(out: LogTextBuffer, s: string, ctx: TsvValueContext, inner: boolean): void {
  if (ctx.escapeAll) writeEscaped(out, utf8Bytes(s), 0, inner ? ctx.inner : ctx.top);
  else out.latin1(s);
}

/** time/interval written digit by digit: 8.2+ `%.6f` (non-NaN), 8.0 in modp's common range. */
export function writeTime(out: LogTextBuffer, x: number, ctx: TsvValueContext, inner: boolean): void {
  if (ctx.profile === 'zeek-8.2' && !ctx.escapeAll && x === x) {
    writeFixed6(out, x);
    return;
  }
  if (ctx.escapeAll || ctx.profile !== 'zeek-8.0' || !(x > -THRES_MAX && x < THRES_MAX)) {
    writeText(out, formatAsciiTime(x, ctx.profile), ctx, inner);
    return;
  }
  const neg = x < 0;
  modpSplit(neg ? -x : x, split);
  if (neg) out.byte(0x2d);
  out.uint(split[0] as number);
  out.byte(0x2e);
  const frac = split[1] as number;
  out.digits(frac, frac < 1000000 ? 6 : 7);
}

/** double digit by digit in either profile; through {@link formatAsciiDouble} when it is escaped. */
export function writeDouble(out: LogTextBuffer, x: number, ctx: TsvValueContext, inner: boolean): void {
  if (ctx.escapeAll) writeText(out, formatAsciiDouble(x, ctx.profile), ctx, inner);
  else if (ctx.profile === 'zeek-8.2') writeAsciiDouble82(out, x);
  else writeAsciiDouble80(out, x);
}

/** subnet `<addr>/<len>` ({@link formatLogSubnet}); IPv4 digit by digit. */
export function writeSubnet(
  out: LogTextBuffer,
  b: Uint8Array,
  prefix: number,
  ctx: TsvValueContext,
  inner: boolean,
): void {
  if (b.length === 4 && !ctx.escapeAll) {
    writeAddr(out, b, ctx, inner);
    out.byte(0x2f);
    out.uint((prefix - 96) >>> 0);
  } else writeText(out, formatLogSubnet({ value: b, prefix }), ctx, inner);
}

export function writeAddr(out: LogTextBuffer, b: Uint8Array, ctx: TsvValueContext, inner: boolean): void {
  if (b.length === 4 && !ctx.escapeAll) {
    out.uint(b[0] as number);
    out.byte(0x2e);
    out.uint(b[1] as number);
    out.byte(0x2e);
    out.uint(b[2] as number);
    out.byte(0x2e);
    out.uint(b[3] as number);
    return;
  }
  writeText(out, formatLogAddr(b), ctx, inner);
}

function writeContainer(
  out: LogTextBuffer,
  elems: readonly LogElement[],
  ctx: TsvValueContext,
  depth: number,
): void {
  if (depth >= MAX_CONTAINER_DEPTH)
    throw new EncodeError(`containers nested deeper than ${MAX_CONTAINER_DEPTH}`);
  if (elems.length === 0) {
    out.bytes(ctx.emptyTop);
    return;
  }
  for (let j = 0; j < elems.length; j++) {
    if (j > 0) out.bytes(ctx.setSep);
    const e = elems[j] as LogElement;
    if (e === null || e.type === 'unset') out.bytes(ctx.unsetInner);
    else writeTsvValue(out, e, ctx, true, depth + 1);
  }
}

/** Renders one present value (§5) into `out`; `inner` inside a set or vector. */
export function writeTsvValue(
  out: LogTextBuffer,
  v: LogValue,
  ctx: TsvValueContext,
  inner: boolean,
  depth = 0,
): void {
  switch (v.type) {
    case 'string':
    case 'enum':
    case 'file':
    case 'func':
      writeStringRange(out, v.value, 0, v.value.length, ctx, inner);
      return;
    case 'time':
    case 'interval':
      writeTime(out, v.value, ctx, inner);
      return;
    case 'count':
    case 'int': {
      // Number() of a BigInt below 2^31 is exact, and nothing outside maps inside.
      const x = Number(v.value);
      if (x >= 0 && x <= 0x7fffffff && !ctx.escapeAll) out.uint(x);
      else writeText(out, v.value.toString(), ctx, inner);
      return;
    }
    case 'port':
      if (ctx.escapeAll) writeText(out, String(v.value), ctx, inner);
      else out.uint(v.value);
      return;
    case 'addr':
      writeAddr(out, v.value, ctx, inner);
      return;
    case 'bool':
      writeText(out, v.value ? 'T' : 'F', ctx, inner);
      return;
    case 'double':
      writeDouble(out, v.value, ctx, inner);
      return;
    case 'subnet':
      writeSubnet(out, v.value, v.prefix, ctx, inner);
      return;
    case 'table':
    case 'vector':
      writeContainer(out, v.value, ctx, depth);
      return;
    case 'unset':
      out.bytes(inner ? ctx.unsetInner : ctx.unsetTop);
      return;
    default: {
      const never: never = v;
      throw new EncodeError(`unknown log value ${String((never as { type: unknown }).type)}`);
    }
  }
}

/** Renders one column value, `null` as the unset marker. */
export function writeTsvElement(out: LogTextBuffer, v: LogElement, ctx: TsvValueContext): void {
  if (v === null) out.bytes(ctx.unsetTop);
  else writeTsvValue(out, v, ctx, false);
}
