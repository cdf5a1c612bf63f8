import { LogTextBuffer } from '../log-text/text-buffer.js';
import { isCleanUtf8 } from '../log-text/utf8.js';

/**
 * Escaping state of the ASCII writer's `ODesc` (zeek src/Desc.cc `AddBytes`/`FirstEscapeLoc`,
 * spec/log-batch.md §5.1). `seqs` are the active escape sequences in `std::set` (byte) order:
 * the separator, plus the set separator inside sets and vectors.
 */
export interface EscapeContext {
  readonly seqs: readonly Uint8Array[];
  /** First byte of every sequence, for the fast scan (−1 padding when fewer than two). */
  readonly first0: number;
  readonly first1: number;
  readonly utf8: boolean;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** Builds the context for a set of escape sequences (empty ones never match, as in Zeek). */
export function escapeContext(seqs: Uint8Array[], utf8: boolean): EscapeContext {
  const uniq: Uint8Array[] = [];
  for (const s of seqs) {
    if (s.length > 0 && !uniq.some((u) => compareBytes(u, s) === 0)) uniq.push(s);
  }
  uniq.sort(compareBytes);
  return {
    seqs: uniq,
    first0: uniq[0]?.[0] ?? -1,
    first1: uniq[1]?.[0] ?? -1,
    utf8,
  };
}

function startsWithAt(b: Uint8Array, i: number, end: number, seq: Uint8Array): boolean {
  const n = seq.length;
  if (i + n > end) return false;
  for (let k = 0; k < n; k++) if (b[i + k] !== seq[k]) return false;
  return true;
}

/** A chunk between special spots: raw, or through Zeek's UTF-8 sanitizer. */
function writeChunk(out: LogTextBuffer, b: Uint8Array, s: number, e: number, utf8: boolean): void {
  if (s >= e) return;
  if (!utf8 || isCleanUtf8(b, s, e, false)) {
    out.range(b, s, e);
    return;
  }
  for (let i = s; i < e; i++) {
    const c = b[i] as number;
    if (c >= 0x20 && c <= 0x7e) out.byte(c);
    else out.hexEscape(c);
  }
}

/**
 * Writes `b[start..]` with the ASCII writer's escaping: a backslash becomes `\\`, every byte of
 * an escape sequence `\xNN`, with enable_utf_8 = F every non-printable byte `\xNN`; the text in
 * between is copied, or sanitized (utf8.ts) when enable_utf_8 = T.
 */
export function writeEscaped(
  out: LogTextBuffer,
  b: Uint8Array,
  start: number,
  ctx: EscapeContext,
  end = b.length,
): void {
  const n = end;
  const f0 = ctx.first0;
  const f1 = ctx.first1;
  let i = start;
  // Fast path: printable ASCII without backslash or a sequence's first byte.
  for (; i < n; i++) {
    const c = b[i] as number;
    if (c < 0x20 || c > 0x7e || c === 0x5c || c === f0 || c === f1) break;
  }
  if (i === n) {
    out.range(b, start, n);
    return;
  }
  const utf8 = ctx.utf8;
  const seqs = ctx.seqs;
  let chunk = start;
  while (i < n) {
    const c = b[i] as number;
    if (!utf8 && (c < 0x20 || c > 0x7e)) {
      writeChunk(out, b, chunk, i, false);
      out.hexEscape(c);
      chunk = ++i;
      continue;
    }
    if (c === 0x5c) {
      writeChunk(out, b, chunk, i, utf8);
      out.byte(0x5c);
      out.byte(0x5c);
      chunk = ++i;
      continue;
    }
    let len = 0;
    if (c === f0 || c === f1) {
      for (const seq of seqs) {
        if (startsWithAt(b, i, n, seq)) {
          len = seq.length;
          break;
        }
      }
    }
    if (len > 0) {
      writeChunk(out, b, chunk, i, utf8);
      for (let k = 0; k < len; k++) out.hexEscape(b[i + k] as number);
      i += len;
      chunk = i;
      continue;
    }
    i++;
  }
  writeChunk(out, b, chunk, n, utf8);
}

/** Bytes of `s` escaped in `ctx` (for markers written through `ODesc::Add`). */
export function escapedBytes(b: Uint8Array, ctx: EscapeContext): Uint8Array {
  const out = new LogTextBuffer(64);
  writeEscaped(out, b, 0, ctx);
  return out.take();
}

/**
 * Header value escaping (`util::get_escaped_string(s, false)`): whitespace, non-printable and
 * non-ASCII bytes become `\xNN`; everything else (also `\`) is kept.
 */
export function escapeHeaderValue(b: Uint8Array): Uint8Array {
  const out = new LogTextBuffer(64);
  for (const c of b) {
    const space = c === 0x20 || (c >= 0x09 && c <= 0x0d);
    if (space || c < 0x20 || c > 0x7e) out.hexEscape(c);
    else out.byte(c);
  }
  return out.take();
}
