/**
 * Zeek's UTF-8 sanitizer (`util::json_escape_utf8`, spec/log-batch.md §5.1 and §6.3): a run of
 * bytes is "clean" when every byte is printable ASCII (0x20–0x7E; in JSON mode also \b \f \n \r
 * \t) or belongs to a well-formed UTF-8 sequence (Unicode table 3-7) whose code point is not a
 * control character (U+0000–U+001F, U+007F–U+009F), private use (U+E000–U+F8FF) or
 * U+FFF0–U+FFFF. A clean run is written raw; otherwise every byte that is not printable ASCII
 * (or, in JSON mode, one of the five kept controls) becomes `\xNN`.
 */

/** True for \b \f \n \r \t, the controls the JSON writer keeps (escape_printable_controls). */
export function isJsonKeptControl(c: number): boolean {
  return c === 0x08 || c === 0x0c || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Whether `b[start, end)` passes the sanitizer unchanged. */
export function isCleanUtf8(b: Uint8Array, start: number, end: number, json: boolean): boolean {
  let i = start;
  while (i < end) {
    const c = b[i] as number;
    if (c >= 0x20 && c <= 0x7e) {
      i++;
      continue;
    }
    if (c < 0x80) {
      if (json && isJsonKeptControl(c)) {
        i++;
        continue;
      }
      return false;
    }
    const n = sequenceLength(b, i, end, c);
    if (n === 0) return false;
    i += n;
  }
  return true;
}

function cont(b: Uint8Array, i: number): boolean {
  return ((b[i] as number) & 0xc0) === 0x80;
}

/** Length of the allowed UTF-8 sequence starting with lead byte `c` at `i`, or 0 if bad. */
export function sequenceLength(b: Uint8Array, i: number, end: number, c: number): number {
  if (c < 0xc2) return 0; // continuation byte or overlong lead
  if (c < 0xe0) {
    if (i + 2 > end || !cont(b, i + 1)) return 0;
    // U+0080–U+009F are C1 control characters: C2 80 … C2 9F
    return c === 0xc2 && (b[i + 1] as number) < 0xa0 ? 0 : 2;
  }
  if (c < 0xf0) {
    if (i + 3 > end) return 0;
    const c1 = b[i + 1] as number;
    if (c === 0xe0 ? c1 < 0xa0 || c1 > 0xbf : c === 0xed ? c1 < 0x80 || c1 > 0x9f : (c1 & 0xc0) !== 0x80) {
      return 0;
    }
    if (!cont(b, i + 2)) return 0;
    const cp = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | ((b[i + 2] as number) & 0x3f);
    if ((cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xfff0) return 0;
    return 3;
  }
  if (c < 0xf5) {
    if (i + 4 > end) return 0;
    const c1 = b[i + 1] as number;
    if (c === 0xf0 ? c1 < 0x90 || c1 > 0xbf : c === 0xf4 ? c1 < 0x80 || c1 > 0x8f : (c1 & 0xc0) !== 0x80) {
      return 0;
    }
    return cont(b, i + 2) && cont(b, i + 3) ? 4 : 0;
  }
  return 0;
}
