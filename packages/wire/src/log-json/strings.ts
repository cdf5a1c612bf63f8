import type { OutBuffer } from '../log-text/out-buffer.js';
import { HEX } from '../log-text/out-buffer.js';
import { isCleanUtf8, isJsonKeptControl } from '../log-text/utf8.js';

/** rapidjson's escape for a control byte or `"`/`\` (`\b \t \n \f \r`, else `\u00XX` uppercase). */
function writeJsonEscape(out: OutBuffer, c: number): void {
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
export function writeJsonRaw(out: OutBuffer, b: Uint8Array, start = 0, end = b.length): void {
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
export function writeJsonString(out: OutBuffer, b: Uint8Array, start = 0, end = b.length): void {
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
