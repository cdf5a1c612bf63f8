/**
 * The TSV writer's record loop specialised per schema (log-text/specialise.ts): per column, the
 * value is decoded and written inline when it has the header's type and a common shape; anything
 * else (other tags, containers, IPv6 subnets, NaN, strings that need escaping, bad input) goes
 * through the generic writers — from the value's start where the value is not taken apart yet —
 * so text and errors are the generic path's.
 */
import { LOG_TYPE_TAGS as T, type LogBatchHeader } from '../log-batch/types.js';
import type { LogReader } from '../log-batch/reader.js';
import { putIpv6 } from '../log-text/addr.js';
import { putFixed6, putInt, putIpv4, putPlain, putUint } from '../log-text/direct.js';
import { putDouble82, writeAsciiDouble80, writeAsciiDouble82 } from '../log-text/numbers.js';
import {
  BOOL_VALUE,
  codeInt,
  columnTags,
  COLUMN_ROOM,
  EMPTY_CONTAINER_COND,
  FIXED8,
  FROM_OUT,
  fastBranches,
  integerBranches,
  LINE_END,
  LOOP_HEAD,
  RECORD_ROOM,
  room,
  specialisedFactory,
  stringList,
  type ListEnd,
  STRING_COND,
  TO_OUT,
  VALUE_HEADER_CHECK,
  wordStores,
  wordTable,
  type WordPlace,
  type FastBranch,
  type RecordLoop,
} from '../log-text/specialise.js';
import type { LogTextBuffer } from '../log-text/text-buffer.js';
import type { EscapeContext } from './escape.js';
import { writePayloadValue } from './payload.js';
import { writeStringRange, writeTime, type TsvValueContext } from './values.js';

/** %.6f below 2^53 in magnitude (8.2+); NaN and larger values go generic. */
const TIME82: FastBranch = {
  cond: `${FIXED8} && (d = v.getFloat64(p + 9)) === d && d < 9007199254740992 && d > -9007199254740992`,
  body: 'q = putFixed6(buf, q, d); p += 17;',
};
/** An 8.2+ double other than 0, NaN or beyond 2^53 in magnitude, written directly. */
const DOUBLE82: FastBranch = {
  cond: `${FIXED8} && (d = v.getFloat64(p + 9)) !== 0 && d < 9007199254740992 && d > -9007199254740992`,
  body: 'q = putDouble82(buf, q, d); p += 17;',
};
/** A double through the generic writer of the number (8.0/8.1, and 8.2's rare values). */
const DOUBLE: FastBranch = {
  cond: FIXED8,
  body: `${TO_OUT} wDouble(out, v.getFloat64(p + 9)); p += 17; ${FROM_OUT}`,
};
/** 8.0/8.1 time (modp) through the generic writer of the number. */
const TIME80: FastBranch = {
  cond: FIXED8,
  body: `${TO_OUT} wTime(out, v.getFloat64(p + 9)); p += 17; ${FROM_OUT}`,
};

const STRING: FastBranch = {
  cond: STRING_COND,
  body: `${room('L')}
x = plain(buf, q, b, p + 13, p + 13 + L);
if (x >= 0) q = x; else { ${TO_OUT} wString(out, b, p + 13, p + 13 + L); ${FROM_OUT} }
p += 13 + L;`,
};

/** Fast branches by type tag (ASCII writer, values not escaped: `escapeAll` is false). */
function tsvBranches(tag: number, shape: TsvShape): FastBranch[] {
  switch (tag) {
    case T.bool:
      return [{ cond: FIXED8, body: `buf[q++] = ${BOOL_VALUE} ? 84 : 70; p += 17;` }];
    case T.int:
      return integerBranches('int');
    case T.count:
      return integerBranches('count');
    case T.port:
      return integerBranches('port');
    case T.double:
      return shape.v82 ? [DOUBLE82, DOUBLE] : [DOUBLE];
    case T.time:
    case T.interval:
      return [shape.v82 ? TIME82 : TIME80];
    case T.string:
    case T.enum:
    case T.file:
    case T.func:
      return [STRING];
    case T.addr:
      return [
        { cond: 'p + 14 <= n && b[p + 9] === 4', body: 'q = putIpv4(dv, q, b, p + 10); p += 14;' },
        {
          cond: 'p + 26 <= n && b[p + 9] === 6',
          body: 'q = putIpv6(buf, q, b, p + 10); p += 26;',
        },
      ];
    case T.subnet:
      return [
        {
          cond: 'p + 15 <= n && b[p + 10] === 4',
          body: 'q = putIpv4(dv, q, b, p + 11); buf[q++] = 47; q = putUint(buf, q, (b[p + 9] - 96) >>> 0); p += 15;',
        },
      ];
    case T.table:
    case T.vector:
      return [{ cond: EMPTY_CONTAINER_COND, body: `${constStore(shape.empty)} p += 17;` }, STRING_LIST];
    default:
      return [];
  }
}

/** A non-empty set or vector of plain strings (`strList`); `LIST.end` is after it. */
const STRING_LIST: FastBranch = {
  cond: `${FIXED8} && (x = strList(buf, q, b, v, p, n)) >= 0`,
  body: 'q = x; p = LIST.end;',
};

/** A separator or marker: where it lies in the loop's word array `CW`, or its one-byte name. */
interface ConstPlace extends WordPlace {
  /** One byte long: stored directly from the factory's `byteName` constant. */
  readonly oneByte: boolean;
  readonly byteName: 'SEP0' | 'UNSET0' | 'EMPTY0';
}

/** What the loop's source depends on besides the column types (integers and flags only). */
interface TsvShape {
  /** Zeek 8.2+ number formatting. */
  readonly v82: boolean;
  readonly sep: ConstPlace;
  readonly unset: ConstPlace;
  readonly empty: ConstPlace;
}

/** Source writing a constant: its byte (a named constant) when one byte long, else its words. */
function constStore(c: ConstPlace): string {
  return c.oneByte ? `buf[q++] = ${c.byteName};` : wordStores('CW', c);
}

const BYTE_NAMES = ['SEP0', 'UNSET0', 'EMPTY0'] as const;

/** The separator, unset and empty markers (in that order) in one word array, and where each lies. */
function constWords(runs: readonly Uint8Array[]): { words: Int32Array; places: ConstPlace[] } {
  const { words, places } = wordTable(runs);
  return {
    words,
    places: places.map((w, i) => ({
      ...w,
      oneByte: runs[i]?.length === 1,
      byteName: BYTE_NAMES[i] as ConstPlace['byteName'],
    })),
  };
}

/** Source of one column (`i` > 0 starts with the separator). */
function tsvColumn(i: number, tag: number | undefined, shape: TsvShape): string {
  return `// column ${codeInt(i)}
${i === 0 ? '' : constStore(shape.sep)}
${VALUE_HEADER_CHECK}
if (b[p + 8] !== 1) { ${constStore(shape.unset)} p += 9; }
${fastBranches(tag, tag === undefined ? [] : tsvBranches(tag, shape))}`;
}

/** Source of the factory body for these column tags. */
function tsvSource(tags: readonly (number | undefined)[], shape: TsvShape): string {
  return `'use strict';
const { CW, SEP0, UNSET0, EMPTY0, RES, LIST, strList, slow, plain, wDouble, wTime, wString, putIpv6,
  putDouble82, putFixed6, putInt, putIpv4, putUint } = H;
return function tsvRecords(out, r, count, meta0, fixLine) {
  ${LOOP_HEAD}
  for (let k = 0; k < count; k++) {
    ${RECORD_ROOM}
    const line = q;
${tags.map((t, i) => tsvColumn(i, t, shape)).join('\n')}
    ${LINE_END}
  }
  out.pos = q;
  r.pos = p;
};`;
}

function sameRange(b: Uint8Array, s: number, e: number, m: Uint8Array): boolean {
  if (e - s !== m.length) return false;
  for (let i = 0; i < m.length; i++) if (b[s + i] !== m[i]) return false;
  return true;
}

/**
 * Copies a string that needs no escaping under `esc` (`ctx.top`, or `ctx.inner` for an element
 * of a set or vector) and is not empty or a marker; else −1.
 */
function plainString(ctx: TsvValueContext, esc: EscapeContext) {
  const { first0, first1 } = esc;
  return (buf: Uint8Array, q: number, b: Uint8Array, s: number, e: number): number =>
    s === e || sameRange(b, s, e, ctx.unset) || sameRange(b, s, e, ctx.empty)
      ? -1
      : putPlain(buf, q, b, s, e, first0, first1);
}

/**
 * The specialised record loop for `header` in `ctx` with separator `sep`, or undefined where the
 * generic path must be used (values that need escaping, code generation disabled).
 */
export function specialisedTsvLoop(
  header: LogBatchHeader,
  ctx: TsvValueContext,
  sep: Uint8Array,
): RecordLoop | undefined {
  if (ctx.escapeAll) return undefined;
  const v82 = ctx.profile === 'zeek-8.2';
  const tags = columnTags(header);
  const cw = constWords([sep, ctx.unsetTop, ctx.emptyTop]);
  const [sepAt, unsetAt, emptyAt] = cw.places as [ConstPlace, ConstPlace, ConstPlace];
  const shape = { v82, sep: sepAt, unset: unsetAt, empty: emptyAt };
  const factory = specialisedFactory(tsvSource(tags, shape));
  if (factory === undefined) return undefined;
  const nf = tags.length;
  const res = nf * (COLUMN_ROOM + sep.length + ctx.unsetTop.length + ctx.emptyTop.length) + COLUMN_ROOM;
  const list: ListEnd = { end: 0 };
  return factory({
    CW: cw.words,
    SEP0: sep[0] ?? 0,
    UNSET0: ctx.unsetTop[0] ?? 0,
    EMPTY0: ctx.emptyTop[0] ?? 0,
    RES: res,
    LIST: list,
    strList: stringList(res, list, ctx.setSep, plainString(ctx, ctx.inner)),
    slow: (out: LogTextBuffer, r: LogReader) => writePayloadValue(out, r, ctx, false, 0),
    plain: plainString(ctx, ctx.top),
    wDouble: v82 ? writeAsciiDouble82 : writeAsciiDouble80,
    wTime: (out: LogTextBuffer, x: number) => writeTime(out, x, ctx, false),
    wString: (out: LogTextBuffer, b: Uint8Array, s: number, e: number) =>
      writeStringRange(out, b, s, e, ctx, false),
    putIpv6,
    putDouble82,
    putFixed6,
    putInt,
    putIpv4,
    putUint,
  }) as RecordLoop;
}
