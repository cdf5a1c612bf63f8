/**
 * Record loops specialised per schema (the log writers' fast path): for a batch header's column
 * types the TSV and JSON renderers generate one function that decodes a record's values from the
 * payload and writes their text in one pass, without per-value type dispatch.
 *
 * What reaches generated source: only fixed template text chosen from tables in this package,
 * column indices and type-tag numbers (integers, checked here). Nothing from the network does:
 * field names, separators and markers are passed to the generated factory as byte arrays (`H`),
 * and a column whose type has no template is rendered by the generic writer. Compiled factories
 * are cached by that source text in a bounded LRU (a node sending ever new schemas only evicts).
 * Where code generation from strings is disabled (`--disallow-code-generation-from-strings`), the
 * renderers fall back to the generic path.
 */

import type { LogReader } from '../log-batch/reader.js';
import { LOG_TYPE_TAGS, type LogBatchHeader } from '../log-batch/types.js';
import { putBytes, wordRun } from './direct.js';
import type { LogTextBuffer } from './text-buffer.js';

/**
 * A generated loop: renders `count` records from `r.pos` (count already checked) and leaves
 * `r.pos` after them; `fixLine(start)` applies the meta-prefix rule to a line (`meta0` < 0: every line).
 */
export type RecordLoop = (
  out: LogTextBuffer,
  r: LogReader,
  count: number,
  meta0: number,
  fixLine: (start: number) => void,
) => void;

/** The type tag of each column (undefined for a name without one: that column goes generic). */
export function columnTags(header: LogBatchHeader): (number | undefined)[] {
  return header.fields.map((f) => (Object.hasOwn(LOG_TYPE_TAGS, f.type) ? LOG_TYPE_TAGS[f.type] : undefined));
}

/** A compiled factory: takes the renderer's constants and helpers, returns its record loop. */
export type SpecialisedFactory = (helpers: Record<string, unknown>) => unknown;

/** Most factories kept; each is one small function per distinct column-type sequence and mode. */
export const SPECIALISED_CACHE_SIZE = 64;

/** Counters of the factory cache (process-wide). */
export interface SpecialisedStats {
  /** Factories compiled (cache misses). */
  compiled: number;
  /** Renderers that reused a cached factory. */
  hits: number;
  /** Factories dropped to stay within {@link SPECIALISED_CACHE_SIZE}. */
  evicted: number;
  /** Compilations refused (code generation disabled): those renderers use the generic path. */
  failed: number;
}

const stats: SpecialisedStats = { compiled: 0, hits: 0, evicted: 0, failed: 0 };
const cache = new Map<string, SpecialisedFactory>();

/** A snapshot of the cache counters and its current size. */
export function specialisedStats(): SpecialisedStats & { size: number } {
  return { ...stats, size: cache.size };
}

/** Throws unless `n` is a small non-negative integer (what column code may interpolate). */
export function codeInt(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffff) throw new TypeError(`not a code integer: ${n}`);
  return String(n);
}

/**
 * The record loop of a renderer, made at its first payload: a renderer that only writes header
 * lines (the log sink's file writer keeps one per file for them) compiles none. `undefined` when
 * the generic path is asked for (`make` not called) or code generation is unavailable.
 */
export function loopOnFirstUse(
  specialise: boolean | undefined,
  make: () => RecordLoop | undefined,
): () => RecordLoop | undefined {
  let made = specialise === false;
  let loop: RecordLoop | undefined;
  return () => {
    if (!made) {
      made = true;
      loop = make();
    }
    return loop;
  };
}

/**
 * The factory for generated `body` (a function body over the parameter `H`), from the cache or
 * compiled; undefined where code generation is not allowed.
 */
export function specialisedFactory(body: string): SpecialisedFactory | undefined {
  const hit = cache.get(body);
  if (hit !== undefined) {
    cache.delete(body);
    cache.set(body, hit);
    stats.hits++;
    return hit;
  }
  let factory: SpecialisedFactory;
  try {
    factory = new Function('H', body) as SpecialisedFactory;
  } catch {
    stats.failed++;
    return undefined;
  }
  stats.compiled++;
  cache.set(body, factory);
  if (cache.size > SPECIALISED_CACHE_SIZE) {
    const oldest = cache.keys().next().value as string;
    cache.delete(oldest);
    stats.evicted++;
  }
  return factory;
}

/**
 * The loops keep the output position in `q` and the buffer in `buf`, and keep room for `RES`
 * bytes (every fixed-width value of a record) from each record's start on. Code that writes through
 * the `LogTextBuffer` hands `q` over first ({@link TO_OUT}) and takes it back after ({@link FROM_OUT}).
 */
export const TO_OUT = 'out.pos = q;';
/** Takes the position back from `out` and restores the room. */
export const FROM_OUT =
  'q = out.pos; buf = out.buf; if (q + RES > buf.length) { out.ensure(RES); buf = out.buf; } dv = out.view;';
/** Room for `RES` plus `extra` more bytes (before a variable-length value). */
export function room(extra: string): string {
  return `if (q + RES + ${extra} > buf.length) { out.pos = q; out.ensure(RES + ${extra}); buf = out.buf; dv = out.view; }`;
}
/** The generic writer for the value at `p` (from its header; advances `p`). */
export const SLOW = `${TO_OUT} r.pos = p; slow(out, r); p = r.pos; ${FROM_OUT}`;
/** The value-header check every column starts with: fewer than 9 bytes left → the generic error. */
export const VALUE_HEADER_CHECK = `if (p + 9 > n) { ${TO_OUT} r.pos = p; slow(out, r); }`;

/** One fast branch of a column: extra condition after the tag check, and its body (advances p). */
export interface FastBranch {
  readonly cond: string;
  readonly body: string;
}

/** `else if` chain of a column's fast branches for `tag`, then the generic writer. */
export function fastBranches(tag: number | undefined, branches: readonly FastBranch[]): string {
  const t = tag === undefined ? '' : codeInt(tag);
  const fast = branches.map((f) => `else if (v.getInt32(p) === ${t} && ${f.cond}) { ${f.body} }`);
  return `${fast.join('\n')}\nelse { ${SLOW} }`;
}

/** Where a constant run lies in a loop's word array, and its length in bytes. */
export interface WordPlace {
  readonly at: number;
  readonly words: number;
  readonly length: number;
}

/** Constant runs (keys, separators, markers) as big-endian words in one array, and where each lies. */
export function wordTable(runs: readonly Uint8Array[]): { words: Int32Array; places: WordPlace[] } {
  const w = runs.map(wordRun);
  const words = new Int32Array(w.reduce((n, r) => n + r.words.length, 0));
  const places: WordPlace[] = [];
  let at = 0;
  for (const r of w) {
    words.set(r.words, at);
    places.push({ at, words: r.words.length, length: r.length });
    at += r.words.length;
  }
  return { words, places };
}

/**
 * Source storing a constant run (a JSON key, a TSV separator or marker) word by word from
 * `array` at `place` — an array the factory receives, named by our template — then advancing
 * `q` by its `length`; up to 3 bytes past its end are overwritten (inside the reserved room).
 * Only integers from the run's size reach the source, never its bytes.
 */
export function wordStores(array: 'KW' | 'CW', place: WordPlace): string {
  const stores = Array.from(
    { length: place.words },
    (_, j) => `dv.setInt32(q + ${codeInt(4 * j)}, ${array}[${codeInt(place.at + j)}]);`,
  );
  return `${stores.join(' ')} q += ${codeInt(place.length)};`;
}

/** The loop's head: locals over the payload and the output. */
export const LOOP_HEAD = `const b = r.bytes, v = r.view, n = b.length;
  let p = r.pos, x = 0, d = 0, L = 0, q = out.pos, buf = out.buf, dv = out.view;`;
/** A record's start: room for its fixed-width text (`RES` covers a whole record's). */
export const RECORD_ROOM =
  'if (q + RES > buf.length) { out.pos = q; out.ensure(RES); buf = out.buf; dv = out.view; }';
/** The end of a line: newline, then the meta-prefix check (which may move bytes in `out`). */
export const LINE_END = `buf[q++] = 10;
    if (buf[line] === meta0 || meta0 < 0) { ${TO_OUT} fixLine(line); ${FROM_OUT} }`;

/** Fixed 8-byte body. */
export const FIXED8 = 'p + 17 <= n';
/** Condition and length of a string body at `p + 9`: sets `L`. */
export const STRING_COND = 'p + 13 <= n && (L = v.getInt32(p + 9)) >= 0 && L <= n - p - 13';
/** A port body: number below 2^53, protocol 0–3 (what `LogReader.portNumber` accepts). */
export const PORT_COND =
  'p + 21 <= n && v.getUint32(p + 9) <= 0x1fffff && (x = v.getInt32(p + 17)) >= 0 && x < 4';
/** A bool body's truth (valid after an 8-byte check). */
export const BOOL_VALUE = 'v.getInt32(p + 9) !== 0 || v.getInt32(p + 13) !== 0';

/** int/count/port fast branches (values below 2^53 in magnitude; larger ones go generic). */
export function integerBranches(tag: 'int' | 'count' | 'port'): FastBranch[] {
  switch (tag) {
    case 'int':
      return [
        {
          cond: `${FIXED8} && (x = v.getInt32(p + 9)) >= -2097152 && x < 2097152`,
          body: 'q = putInt(buf, q, x * 4294967296 + v.getUint32(p + 13)); p += 17;',
        },
      ];
    case 'count':
      return [
        {
          cond: `${FIXED8} && (x = v.getUint32(p + 9)) < 2097152`,
          body: 'q = putUint(buf, q, x * 4294967296 + v.getUint32(p + 13)); p += 17;',
        },
      ];
    case 'port':
      return [
        {
          cond: PORT_COND,
          body: 'q = putUint(buf, q, v.getUint32(p + 9) * 4294967296 + v.getUint32(p + 13)); p += 21;',
        },
      ];
  }
}

/** An empty set or vector: its i64 element count is 0. */
export const EMPTY_CONTAINER_COND = `${FIXED8} && v.getInt32(p + 9) === 0 && v.getInt32(p + 13) === 0`;

/** Room per column for its fixed-width text (the longest: an IPv4 subnet, a JSON double). */
export const COLUMN_ROOM = 64;

/** Where the last successful {@link stringList} walk ended in the payload. */
export interface ListEnd {
  end: number;
}

/** Element tags the writers render as strings inside sets and vectors (a byte per tag 0–255). */
const STRING_TAGS = new Uint8Array(256);
for (const t of [LOG_TYPE_TAGS.string, LOG_TYPE_TAGS.enum, LOG_TYPE_TAGS.file, LOG_TYPE_TAGS.func])
  STRING_TAGS[t] = 1;

/**
 * A walker over a set or vector (value header at `p`, present, its 8-byte count after it) of 1
 * to 2^32 − 1 present string-like elements: writes each through `element` (`b[s, e)` at `q`, or
 * −1) with `sep` between them at `q`, keeping `res` bytes of room after; returns the end and sets
 * `at.end`. Returns −1 for anything else (bytes written past `q` do not count): the generic writer
 * then renders the value from its start, with its text and errors.
 */
export function stringList(
  res: number,
  at: ListEnd,
  sep: Uint8Array,
  element: (buf: Uint8Array, q: number, b: Uint8Array, s: number, e: number) => number,
) {
  return (buf: Uint8Array, q: number, b: Uint8Array, v: DataView, p: number, n: number): number => {
    const count = v.getUint32(p + 13);
    if (v.getInt32(p + 9) !== 0 || count === 0) return -1;
    let e = p + 17;
    for (let j = 0; j < count; j++) {
      if (j > 0) q = putBytes(buf, q, sep);
      if (e + 13 > n || b[e + 8] !== 1) return -1;
      const tag = v.getUint32(e);
      if (tag > 255 || STRING_TAGS[tag] !== 1) return -1;
      const len = v.getInt32(e + 9);
      const s = e + 13;
      if (len < 0 || len > n - s || q + len + sep.length + 8 + res > buf.length) return -1;
      q = element(buf, q, b, s, s + len);
      if (q < 0) return -1;
      e = s + len;
    }
    at.end = e;
    return q;
  };
}
