/**
 * A strict JSON (RFC 8259) reader specialised for Broker JSON v1, working on UTF-8 bytes and
 * producing `BrokerData` directly in one pass.
 *
 * Why not a library: numbers must stay lossless (64-bit counts, `1` vs `1.0`), which rules out
 * `JSON.parse`; lossless-json does that but measured ~56k messages/s for a typical event, far
 * below the gateway's 200k/s goal (see README). This reader keeps lossless-json as its test
 * reference (differential property tests) and runs several times faster because it builds no
 * intermediate tree.
 *
 * Grammar is RFC 8259 (no comments, no trailing commas, no NaN literals, no raw control
 * characters, valid UTF-8 only, no lone surrogate escapes). Keys may come in any order; unknown
 * keys are validated and ignored; for a repeated key the last one wins.
 */
import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import { utf8Sequence } from './json-string.js';
import { readEscapedString } from './reader-string.js';

/** Deepest nesting accepted (guards the call stack). */
export const MAX_DEPTH = 512;

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder();

/**
 * Cursor over JSON bytes. Every failure throws `DecodeError` with the `reason` given at
 * construction (Zeek's context text) and the detail as `cause`.
 */
export class JsonReader {
  pos = 0;
  /** The input bytes (replaced only by {@link reset}). */
  s: Uint8Array;
  /**
   * Bytes that may still be scanned twice: a `data` member met before its `@data-type` is
   * skipped and re-read later, so nesting that pattern costs depth × size. Bounding the extra
   * work at 64× the input keeps hostile input linear (see read-data.ts).
   */
  rescanBudget: number;
  /**
   * @param zeek accept Zeek's own non-JSON output too: raw control bytes and raw invalid UTF-8
   *   inside strings, the `\v` escape, and bare `nan`/`inf`/`-inf` reals (read-data.ts).
   */
  constructor(
    input: Uint8Array,
    private readonly reason: string,
    public zeek = false,
  ) {
    this.s = plainBytes(input);
    this.rescanBudget = 64 * input.length + 4096;
  }

  /**
   * Starts over on new input, as a fresh reader would (same `reason`): lets a hot path keep one
   * reader instead of allocating one per message. Only for synchronous, non-reentrant use.
   */
  reset(input: Uint8Array, zeek: boolean): void {
    this.s = plainBytes(input);
    this.zeek = zeek;
    this.pos = 0;
    this.rescanBudget = 64 * input.length + 4096;
  }

  fail(detail: string, at = this.pos): never {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, at, this.reason, { cause: new Error(detail) });
  }

  ws(): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      const c = s[p];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  /** Next non-whitespace byte (not consumed). */
  peek(): number | undefined {
    this.ws();
    return this.s[this.pos];
  }

  expect(c: number): void {
    if (this.peek() !== c) this.fail(`expected '${String.fromCharCode(c)}'`);
    this.pos++;
  }

  /** After a member/element: true if another follows (`,`), false at `close`. */
  more(close: number): boolean {
    const c = this.peek();
    if (c === 0x2c) {
      this.pos++;
      return true;
    }
    if (c === close) {
      this.pos++;
      return false;
    }
    return this.fail(`expected ',' or '${String.fromCharCode(close)}'`);
  }

  end(): void {
    this.ws();
    if (this.pos !== this.s.length) this.fail('trailing characters');
  }

  /** Reads a string token and returns its UTF-8 bytes (a view when no escapes are present). */
  stringBytes(): Uint8Array {
    if (this.peek() !== 0x22) this.fail('expected a string');
    const s = this.s;
    const start = ++this.pos;
    let p = start;
    for (;;) {
      const c = s[p];
      if (c === undefined) this.fail('unterminated string', start - 1);
      if (c === 0x22) {
        this.pos = p + 1;
        return s.subarray(start, p);
      }
      if (c === 0x5c || c < 0x20 || c >= 0x80) break;
      p++;
    }
    return readEscapedString(this, start, p);
  }

  /** A string token as JS text. */
  string(): string {
    return bytesToText(this.stringBytes());
  }

  /** Scans a number token; returns [start, end, isInteger]. */
  number(): [number, number, boolean] {
    this.ws();
    const s = this.s;
    const start = this.pos;
    let p = start;
    let integer = true;
    if (s[p] === 0x2d) p++;
    if (s[p] === 0x30) p++;
    else if (isDigit(s[p])) while (isDigit(s[p])) p++;
    else this.fail('invalid number', start);
    if (s[p] === 0x2e) {
      integer = false;
      p++;
      if (!isDigit(s[p])) this.fail('invalid number', start);
      while (isDigit(s[p])) p++;
    }
    if (s[p] === 0x65 || s[p] === 0x45) {
      integer = false;
      p++;
      if (s[p] === 0x2b || s[p] === 0x2d) p++;
      if (!isDigit(s[p])) this.fail('invalid number', start);
      while (isDigit(s[p])) p++;
    }
    this.pos = p;
    return [start, p, integer];
  }

  literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.s[this.pos + i] !== word.charCodeAt(i)) this.fail('invalid literal');
    }
    this.pos += word.length;
  }

  /** Validates and skips any JSON value. */
  skip(depth: number): void {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    const c = this.peek();
    if (c === 0x22) this.stringBytes();
    else if (c === 0x7b) {
      this.pos++;
      if (this.peek() === 0x7d) {
        this.pos++;
        return;
      }
      do {
        this.stringBytes();
        this.expect(0x3a);
        this.skip(depth + 1);
      } while (this.more(0x7d));
    } else if (c === 0x5b) {
      this.pos++;
      if (this.peek() === 0x5d) {
        this.pos++;
        return;
      }
      do this.skip(depth + 1);
      while (this.more(0x5d));
    } else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else this.number();
  }

  /**
   * Reads a string token and returns the index of the matching name in `names` (compared in
   * place, without allocating), or -1 for any other string.
   */
  match(names: readonly Uint8Array[]): number {
    if (this.peek() !== 0x22) this.fail('expected a string');
    const s = this.s;
    const start = this.pos + 1;
    let p = start;
    while (p < s.length && s[p] !== 0x22 && s[p] !== 0x5c) p++;
    if (s[p] !== 0x22) return indexOfBytes(names, this.stringBytes());
    this.pos = p + 1;
    const len = p - start;
    outer: for (let i = 0; i < names.length; i++) {
      const n = names[i] as Uint8Array;
      if (n.length !== len) continue;
      for (let k = 0; k < len; k++) if (n[k] !== s[start + k]) continue outer;
      return i;
    }
    // Not a known name: validate the token like any string.
    for (let k = start; k < p; k++) {
      const c = s[k] as number;
      if (c < 0x20) this.fail('raw control character in string', k);
      if (c >= 0x80) {
        const n = utf8Sequence(s, k);
        if (n < 0) this.fail('invalid UTF-8', k);
        k += n - 1;
      }
    }
    return -1;
  }

  /** Bigint of an integer literal between `start` and `end`. */
  bigint(start: number, end: number): bigint {
    if (end - start <= 15) {
      let neg = false;
      let p = start;
      if (this.s[p] === 0x2d) {
        neg = true;
        p++;
      }
      let v = 0;
      for (; p < end; p++) v = v * 10 + ((this.s[p] as number) - 0x30);
      return BigInt(neg ? -v : v);
    }
    return BigInt(latin1.decode(this.s.subarray(start, end)));
  }

  text(start: number, end: number): string {
    return bytesToText(this.s.subarray(start, end));
  }
}

/** A plain Uint8Array view: Buffer#subarray (node:buffer) is several times slower. */
function plainBytes(input: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(input) === Uint8Array.prototype
    ? input
    : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
}

function indexOfBytes(names: readonly Uint8Array[], b: Uint8Array): number {
  outer: for (let i = 0; i < names.length; i++) {
    const n = names[i] as Uint8Array;
    if (n.length !== b.length) continue;
    for (let k = 0; k < b.length; k++) if (n[k] !== b[k]) continue outer;
    return i;
  }
  return -1;
}

/** ASCII names as bytes, for {@link JsonReader.match}. */
export function names(...list: string[]): Uint8Array[] {
  return list.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));
}

/** Short ASCII is built directly (TextDecoder has a high fixed cost per call). */
function bytesToText(b: Uint8Array): string {
  if (b.length > 64) return utf8.decode(b);
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c >= 0x80) return utf8.decode(b);
    out += String.fromCharCode(c);
  }
  return out;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}
