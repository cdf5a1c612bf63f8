/**
 * Writes a byte string as a JSON string token (websocket-v1.md §3.6).
 *
 * Zeek escapes only `"` `\` and \b \f \n \r \t \v and copies every other byte raw. The `json`
 * dialect writes other control bytes (and \v) as `\u00XX` and replaces invalid UTF-8 with U+FFFD
 * (per maximal subpart, WHATWG decoding), so the output is always valid JSON in valid UTF-8.
 */
import type { ByteWriter } from '../byte-writer.js';

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

const HEX = '0123456789abcdef';

/** Bytes that may be copied unchanged in both dialects (printable ASCII except `"` and `\`). */
export function plain(b: number): boolean {
  return b >= 0x20 && b < 0x80 && b !== 0x22 && b !== 0x5c;
}

const cont = (b: number | undefined): boolean => b !== undefined && b >= 0x80 && b <= 0xbf;

/**
 * Length of the valid UTF-8 sequence at `i` (2–4), or the negative length of the maximal invalid
 * subpart to replace with one U+FFFD.
 */
export function utf8Sequence(s: Uint8Array, i: number): number {
  const b = s[i] as number;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) n = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    if (b === 0xe0) lo = 0xa0;
    else if (b === 0xed) hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    if (b === 0xf0) lo = 0x90;
    else if (b === 0xf4) hi = 0x8f;
  } else return -1;
  const b1 = s[i + 1];
  if (b1 === undefined || b1 < lo || b1 > hi) return -1;
  for (let k = 2; k < n; k++) if (!cont(s[i + k])) return -k;
  return n;
}

/** Appends `"…"` for the bytes `s`. */
export function writeJsonString(w: ByteWriter, s: Uint8Array, zeek: boolean): void {
  w.u8(0x22);
  let i = 0;
  const n = s.length;
  while (i < n) {
    let j = i;
    while (j < n && plain(s[j] as number)) j++;
    if (j > i) {
      w.bytes(s.subarray(i, j));
      i = j;
      if (i >= n) break;
    }
    const b = s[i] as number;
    const short = SHORT_ESCAPES[b];
    if (short !== undefined) {
      w.latin1(short);
      i++;
    } else if (zeek) {
      if (b === 0x0b) w.latin1('\\v');
      else w.u8(b);
      i++;
    } else if (b < 0x20) {
      w.latin1(`\\u00${HEX[b >> 4]}${HEX[b & 15]}`);
      i++;
    } else {
      const len = utf8Sequence(s, i);
      if (len > 0) {
        w.bytes(s.subarray(i, i + len));
        i += len;
      } else {
        w.u8(0xef);
        w.u8(0xbf);
        w.u8(0xbd);
        i += -len;
      }
    }
  }
  w.u8(0x22);
}
