import { HEX, LogTextBuffer } from '../log-text/text-buffer.js';
import type { JsonStringEscape } from '../log-text/profile.js';
import { isCleanUtf8, isJsonKeptControl, sequenceLength } from '../log-text/utf8.js';
import { escapeContext, writeEscaped } from '../log-tsv/escape.js';

/** rapidjson's escape for a control byte or `"`/`\` (`\b \t \n \f \r`, else `\u00XX` uppercase). */
function writeJsonEscape(out: LogTextBuffer, c: number): void {
  out.byte(0x5c);
  switch (c) {
    case 0x22:
      out.byte(0x22);
      return;
    case 0x5c:
      out.byte(0x5c);
      return;
    case 0x08:
      out.byte(0x62);
      return;
    case 0x09:
      out.byte(0x74);
      return;
    case 0x0a:
      out.byte(0x6e);
      return;
    case 0x0c:
      out.byte(0x66);
      return;
    case 0x0d:
      out.byte(0x72);
      return;
    default:
      out.latin1('u00');
      out.byte(UPPER_HEX[c >> 4] as number);
      out.byte(UPPER_HEX[c & 15] as number);
  }
}

const UPPER_HEX = new Uint8Array([...'0123456789ABCDEF'].map((ch) => ch.charCodeAt(0)));

/** Writes raw bytes as the body of a JSON string (rapidjson `Writer::String`, no validation). */
export function writeJsonRaw(out: LogTextBuffer, b: Uint8Array, start = 0, end = b.length): void {
  let s = start;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c < 0x20 || c === 0x22 || c === 0x5c) {
      if (i > s) out.range(b, s, i);
      writeJsonEscape(out, c);
      s = i + 1;
    }
  }
  if (s < end) out.range(b, s, end);
}

/**
 * A string/enum/file/func value in the JSON writer (spec/log-batch.md §6.3): the bytes go
 * through `util::json_escape_utf8` (HEX policy; \b \f \n \r \t kept), then rapidjson escaping.
 * Net effect for a bad byte 0x82: the file shows `\\x82`.
 */
export function writeJsonString(out: LogTextBuffer, b: Uint8Array, start = 0, end = b.length): void {
  out.byte(0x22);
  if (isCleanUtf8(b, start, end, true)) writeJsonRaw(out, b, start, end);
  else {
    for (let i = start; i < end; i++) {
      const c = b[i] as number;
      if ((c >= 0x20 && c <= 0x7e) || isJsonKeptControl(c)) {
        if (c === 0x22 || c === 0x5c || c < 0x20) writeJsonEscape(out, c);
        else out.byte(c);
      } else {
        // `\xNN` from the sanitizer, whose backslash rapidjson escapes again.
        out.byte(0x5c);
        out.byte(0x5c);
        out.byte(0x78);
        out.byte(HEX[c >> 4] as number);
        out.byte(HEX[c & 15] as number);
      }
    }
  }
  out.byte(0x22);
}

/** Zeek 8.1 (`util::ESCAPE_NONE`): the raw bytes through rapidjson's escaping only. */
export function writeJsonStringUnescaped(out: LogTextBuffer, b: Uint8Array, start = 0, end = b.length): void {
  out.byte(0x22);
  writeJsonRaw(out, b, start, end);
  out.byte(0x22);
}

const PUA_PREFIX = new Uint8Array([...'\\udb80\\udc'].map((ch) => ch.charCodeAt(0)));

/**
 * Zeek 9.0 `STRING_ESCAPE_POLICY_PUA` (`util::escape_string_for_json`): `"` `\` and \b \f \n \r
 * \t get JSON escapes, printable ASCII and allowed UTF-8 sequences stay, every other byte
 * becomes `\udb80\udcNN` (lowercase hex), one byte at a time.
 */
export function writeJsonStringPua(out: LogTextBuffer, b: Uint8Array, start = 0, end = b.length): void {
  out.byte(0x22);
  let i = start;
  while (i < end) {
    const c = b[i] as number;
    if (c === 0x22 || c === 0x5c || isJsonKeptControl(c)) {
      writeJsonEscape(out, c);
      i++;
    } else if (c >= 0x20 && c < 0x7f) {
      out.byte(c);
      i++;
    } else {
      const n = sequenceLength(b, i, end, c);
      if (n === 0) {
        out.bytes(PUA_PREFIX);
        out.byte(HEX[c >> 4] as number);
        out.byte(HEX[c & 15] as number);
        i++;
      } else {
        out.range(b, i, i + n);
        i += n;
      }
    }
  }
  out.byte(0x22);
}

const tsvContext = escapeContext([], true);
const tsvScratch = new LogTextBuffer(256);

/**
 * Zeek 9.0 `STRING_ESCAPE_POLICY_TSV`: the string as the ASCII writer escapes it (no separators:
 * `\\` for a backslash, `\xNN` for bytes the UTF-8 sanitizer rejects), then rapidjson's escaping.
 */
export function writeJsonStringTsv(out: LogTextBuffer, b: Uint8Array, start = 0, end = b.length): void {
  tsvScratch.pos = 0;
  writeEscaped(tsvScratch, b, start, tsvContext, end);
  out.byte(0x22);
  writeJsonRaw(out, tsvScratch.buf, 0, tsvScratch.pos);
  out.byte(0x22);
}

/** A string-like value's writer: `(out, bytes, start, end)`. */
export type JsonStringWriter = (out: LogTextBuffer, b: Uint8Array, start: number, end: number) => void;

/** The writer of an escape mode (`hex` is {@link writeJsonString}). */
export function jsonStringWriter(escape: JsonStringEscape): JsonStringWriter {
  switch (escape) {
    case 'hex':
      return writeJsonString;
    case 'none':
      return writeJsonStringUnescaped;
    case 'pua':
      return writeJsonStringPua;
    case 'tsv':
      return writeJsonStringTsv;
    default: {
      const never: never = escape;
      throw new TypeError(`unknown JSON string escape ${String(never)}`);
    }
  }
}
