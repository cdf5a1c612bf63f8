/**
 * The JSON writer's record loop specialised per schema (log-text/specialise.ts): keys are
 * constant byte runs (`"name":` and `,"name":`, escaped once, passed in, never in the source);
 * each value is decoded and written inline when it has the header's type and a common shape,
 * else through the generic writers — `writeValue` from the value's start where the value is not
 * taken apart yet — so text and errors are the generic path's.
 */
import { LOG_TYPE_TAGS as T, type LogBatchHeader } from '../log-batch/types.js';
import type { LogReader } from '../log-batch/reader.js';
import { putIpv6 } from '../log-text/addr.js';
import { putInt, putIpv4, putPlain, putUint } from '../log-text/direct.js';
import { writeRapidJsonDouble } from '../log-text/grisu2.js';
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
  STRING_COND,
  TO_OUT,
  VALUE_HEADER_CHECK,
  wordStores,
  wordTable,
  type WordPlace,
  type FastBranch,
  type ListEnd,
  type RecordLoop,
} from '../log-text/specialise.js';
import type { LogTextBuffer } from '../log-text/text-buffer.js';
import { formatJsonTime } from '../log-text/timestamps.js';
import { writeValue, type JsonValueContext } from './payload.js';

const COMMA = Uint8Array.of(0x2c);

/** `null`, `true`, `false` stored as big-endian words (fixed template text). */
const NULL_STORE = 'dv.setInt32(q, 0x6e756c6c); q += 4;';
const TRUE_STORE = 'dv.setInt32(q, 0x74727565); q += 4;';
const FALSE_STORE = 'dv.setInt32(q, 0x66616c73); buf[q + 4] = 101; q += 5;';

/** A double (and epoch time) as rapidjson writes it; NaN and ±inf as `null`. */
const NUMBER: FastBranch = {
  cond: FIXED8,
  body: `d = v.getFloat64(p + 9);
if (d - d === 0) q = writeRapidJsonDouble(buf, q, d); else { ${NULL_STORE} }
p += 17;`,
};

/** A string-like column: printable ASCII without `"` or `\` is copied, else `w`'s escaping. */
function stringBranch(w: 'wString' | 'wOther'): FastBranch {
  return {
    cond: STRING_COND,
    body: `${room('L + 2')}
buf[q] = 34;
x = putPlain(buf, q + 1, b, p + 13, p + 13 + L, 34, 34);
if (x >= 0) { buf[x] = 34; q = x + 1; } else { ${TO_OUT} ${w}(out, b, p + 13, p + 13 + L); ${FROM_OUT} }
p += 13 + L;`,
  };
}

const ADDR: FastBranch[] = [
  {
    cond: 'p + 14 <= n && b[p + 9] === 4',
    body: 'buf[q] = 34; q = putIpv4(dv, q + 1, b, p + 10); buf[q++] = 34; p += 14;',
  },
  {
    cond: 'p + 26 <= n && b[p + 9] === 6',
    body: 'buf[q] = 34; q = putIpv6(buf, q + 1, b, p + 10); buf[q++] = 34; p += 26;',
  },
];

const SUBNET4: FastBranch = {
  cond: 'p + 15 <= n && b[p + 10] === 4',
  body: `buf[q] = 34; q = putIpv4(dv, q + 1, b, p + 11); buf[q++] = 47;
q = putUint(buf, q, (b[p + 9] - 96) >>> 0); buf[q++] = 34; p += 15;`,
};

/** A non-empty set or vector of plain strings (`strList`, after the `[`); `LIST.end` is after it. */
const STRING_LIST: FastBranch = {
  cond: `${FIXED8} && (x = strList(buf, q + 1, b, v, p, n)) >= 0`,
  body: 'buf[q] = 91; q = x; buf[q++] = 93; p = LIST.end;',
};

/** A string element as JSON when printable ASCII without `"` or `\` (every escape policy's text); else −1. */
function jsonElement(buf: Uint8Array, q: number, b: Uint8Array, s: number, e: number): number {
  buf[q] = 34;
  const x = putPlain(buf, q + 1, b, s, e, 34, 34);
  if (x < 0) return -1;
  buf[x] = 34;
  return x + 1;
}

/** Fast branches by type tag. */
function jsonBranches(tag: number, epoch: boolean): FastBranch[] {
  switch (tag) {
    case T.bool:
      return [
        { cond: FIXED8, body: `if (${BOOL_VALUE}) { ${TRUE_STORE} } else { ${FALSE_STORE} } p += 17;` },
      ];
    case T.int:
      return integerBranches('int');
    case T.count:
      return integerBranches('count');
    case T.port:
      return integerBranches('port');
    case T.double:
    case T.interval:
      return [NUMBER];
    case T.time:
      return [
        epoch
          ? NUMBER
          : { cond: FIXED8, body: `${TO_OUT} wTime(out, v.getFloat64(p + 9)); p += 17; ${FROM_OUT}` },
      ];
    case T.string:
      return [stringBranch('wString')];
    case T.enum:
    case T.file:
    case T.func:
      return [stringBranch('wOther')];
    case T.addr:
      return ADDR;
    case T.subnet:
      return [SUBNET4];
    case T.table:
    case T.vector:
      return [{ cond: EMPTY_CONTAINER_COND, body: 'buf[q++] = 91; buf[q++] = 93; p += 17;' }, STRING_LIST];
    default:
      return [];
  }
}

/** Source of one column: its key (`,"name":`, the record's first comma becomes `{` at its end), then the value. */
function jsonColumn(
  i: number,
  tag: number | undefined,
  key: WordPlace,
  includeUnset: boolean,
  epoch: boolean,
): string {
  const stores = wordStores('KW', key);
  const unset = includeUnset ? `${stores} ${NULL_STORE}` : '';
  return `// column ${codeInt(i)}
${VALUE_HEADER_CHECK}
if (b[p + 8] !== 1) { ${unset} p += 9; }
else {
${stores}
if (false) {}
${fastBranches(tag, tag === undefined ? [] : jsonBranches(tag, epoch))}
}`;
}

/** Source of the factory body for these column tags and key places. */
function jsonSource(
  tags: readonly (number | undefined)[],
  keys: readonly WordPlace[],
  includeUnset: boolean,
  epoch: boolean,
): string {
  return `'use strict';
const { KW, RES, LIST, strList, slow, wTime, wString, wOther, writeRapidJsonDouble, putIpv6,
  putInt, putIpv4, putPlain, putUint } = H;
return function jsonRecords(out, r, count, meta0, fixLine) {
  ${LOOP_HEAD}
  for (let k = 0; k < count; k++) {
    ${RECORD_ROOM}
    const line = q;
${tags.map((t, i) => jsonColumn(i, t, keys[i] as WordPlace, includeUnset, epoch)).join('\n')}
    if (q === line) buf[q++] = 123; else buf[line] = 123;
    buf[q++] = 125;
    ${LINE_END}
  }
  out.pos = q;
  r.pos = p;
};`;
}

/**
 * The specialised record loop for `header` with the escaped `keys` (`"name":`), or undefined
 * where code generation is disabled.
 */
export function specialisedJsonLoop(
  header: LogBatchHeader,
  keys: readonly Uint8Array[],
  includeUnset: boolean,
  ctx: JsonValueContext,
): RecordLoop | undefined {
  const tags = columnTags(header);
  const style = ctx.timestamps;
  const kw = wordTable(keys.map((k) => Uint8Array.of(0x2c, ...k)));
  const factory = specialisedFactory(jsonSource(tags, kw.places, includeUnset, style === 'epoch'));
  if (factory === undefined) return undefined;
  const res = kw.places.reduce((sum, k) => sum + k.length + COLUMN_ROOM, COLUMN_ROOM);
  const list: ListEnd = { end: 0 };
  return factory({
    KW: kw.words,
    RES: res,
    LIST: list,
    strList: stringList(res, list, COMMA, jsonElement),
    slow: (out: LogTextBuffer, r: LogReader) => writeValue(out, r, ctx, 0),
    wTime: (out: LogTextBuffer, x: number) => out.latin1(formatJsonTime(x, style)),
    wString: ctx.string,
    wOther: ctx.otherStrings,
    writeRapidJsonDouble,
    putIpv6,
    putInt,
    putIpv4,
    putPlain,
    putUint,
  }) as RecordLoop;
}
