/**
 * The slow path of JSON string reading: escapes (`\uXXXX` with surrogate pairs; lone surrogates
 * and unknown escapes are rejected, as by Zeek), raw non-ASCII validated as UTF-8, raw control
 * characters rejected. Produces the UTF-8 bytes of the string.
 */
import { utf8Sequence } from './json-string.js';
import type { JsonReader } from './reader.js';

export function readEscapedString(r: JsonReader, start: number, p: number): Uint8Array {
  const s = r.s;
  const out: number[] = [];
  for (let i = start; i < p; i++) out.push(s[i] as number);
  for (;;) {
    const c = s[p];
    if (c === undefined) r.fail('unterminated string', start - 1);
    if (c === 0x22) break;
    if (c < 0x20 && !r.zeek) r.fail('raw control character in string', p);
    if (c >= 0x80) {
      let n = utf8Sequence(s, p);
      if (n < 0) {
        if (!r.zeek) r.fail('invalid UTF-8', p);
        n = 1; // Zeek's dialect: raw bytes are copied as they are
      }
      for (let k = 0; k < n; k++) out.push(s[p + k] as number);
      p += n;
      continue;
    }
    if (c !== 0x5c) {
      out.push(c);
      p++;
      continue;
    }
    const e = s[p + 1];
    p += 2;
    switch (e) {
      case 0x22:
      case 0x5c:
      case 0x2f:
        out.push(e);
        break;
      case 0x62:
        out.push(0x08);
        break;
      case 0x66:
        out.push(0x0c);
        break;
      case 0x6e:
        out.push(0x0a);
        break;
      case 0x72:
        out.push(0x0d);
        break;
      case 0x76: // \v, written by Zeek
        if (!r.zeek) r.fail('invalid escape', p - 2);
        out.push(0x0b);
        break;
      case 0x74:
        out.push(0x09);
        break;
      case 0x75: {
        let cp = hex4(r, p);
        p += 4;
        if (cp >= 0xdc00 && cp <= 0xdfff) r.fail('lone low surrogate', p - 6);
        if (cp >= 0xd800 && cp <= 0xdbff) {
          if (s[p] !== 0x5c || s[p + 1] !== 0x75) r.fail('lone high surrogate', p - 6);
          const lo = hex4(r, p + 2);
          if (lo < 0xdc00 || lo > 0xdfff) r.fail('lone high surrogate', p - 6);
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          p += 6;
        }
        pushCodePoint(out, cp);
        break;
      }
      default:
        r.fail('invalid escape', p - 2);
    }
  }
  r.pos = p + 1;
  return Uint8Array.from(out);
}

function hex4(r: JsonReader, p: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = r.s[p + k];
    const d =
      c === undefined
        ? -1
        : c >= 0x30 && c <= 0x39
          ? c - 0x30
          : c >= 0x61 && c <= 0x66
            ? c - 0x57
            : c >= 0x41 && c <= 0x46
              ? c - 0x37
              : -1;
    if (d < 0) r.fail('invalid \\u escape', p - 2);
    v = v * 16 + d;
  }
  return v;
}

function pushCodePoint(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}
