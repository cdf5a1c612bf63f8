/**
 * Byte-level pieces of the one-pass broker-bin-v1 → JSON renderer (bin-to-json.ts): a decoder
 * cursor whose DataView is made only when needed, big-endian reads, decimal digits and constant
 * heads written in place, and JSON string tokens copied directly when they need no escaping.
 */
import type { Cursor } from '../broker-bin-v1/decode.js';
import type { ByteWriter } from '../byte-writer.js';
import { plain, writeJsonString } from '../broker-json-v1/json-string.js';

/**
 * Makes room for `head` and `extra` more bytes, copies `head` and returns the write position
 * (the caller writes at most `extra` bytes at `w.buf[p…]` and then sets `w.length`).
 */
export function head(w: ByteWriter, h: Uint8Array, extra: number): number {
  w.ensure(h.length + extra);
  w.buf.set(h, w.length);
  return w.length + h.length;
}

/** Writes a non-negative safe integer in decimal at `p`; returns the position after it. */
export function uintAt(buf: Uint8Array, p: number, v: number): number {
  if (v > 0x7fffffff) {
    // Above 31 bits: the digits above the low 9 first, then the low 9 zero-padded (int math).
    const hi = Math.floor(v / 1e9);
    p = uintAt(buf, p, hi);
    let t = (v - hi * 1e9) | 0;
    for (let q = p + 8; q >= p; q--) {
      const d = (t / 10) | 0;
      buf[q] = 0x30 + t - d * 10;
      t = d;
    }
    return p + 9;
  }
  let t = v | 0;
  const end =
    p +
    (t < 10
      ? 1
      : t < 100
        ? 2
        : t < 1000
          ? 3
          : t < 10000
            ? 4
            : t < 100000
              ? 5
              : t < 1000000
                ? 6
                : t < 10000000
                  ? 7
                  : t < 100000000
                    ? 8
                    : t < 1000000000
                      ? 9
                      : 10);
  let q = end;
  do {
    const d = (t / 10) | 0;
    buf[--q] = 0x30 + t - d * 10;
    t = d;
  } while (t !== 0);
  return end;
}

/**
 * The decoder's cursor with a view made only when a 64-bit field needs one: the fast path reads
 * 32-bit halves from the bytes, and most events carry no real or time value.
 */
export class RenderCursor implements Cursor {
  bytes: Uint8Array = new Uint8Array(0);
  pos = 0;
  private v: DataView | undefined;

  reset(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.pos = 0;
    this.v = undefined;
  }

  get view(): DataView {
    const b = this.bytes;
    return (this.v ??= new DataView(b.buffer, b.byteOffset, b.byteLength));
  }
}

/** Big-endian u32 at `at` (the caller checked the bounds). */
export function u32(b: Uint8Array, at: number): number {
  return (
    (((b[at] as number) << 24) |
      ((b[at + 1] as number) << 16) |
      ((b[at + 2] as number) << 8) |
      (b[at + 3] as number)) >>>
    0
  );
}

/**
 * Writes `bytes[at, end)` as a JSON string token: plain bytes (printable ASCII but `"` and `\`)
 * copied as they are; at the first other byte the copy is dropped and writeJsonString writes the
 * whole string.
 */
export function stringAt(w: ByteWriter, bytes: Uint8Array, at: number, end: number, zeek: boolean): void {
  w.ensure(end - at + 2);
  const buf = w.buf;
  let p = w.length;
  buf[p++] = 0x22;
  for (let k = at; k < end; k++) {
    const b = bytes[k] as number;
    if (!plain(b)) {
      writeJsonString(w, bytes.subarray(at, end), zeek);
      return;
    }
    buf[p++] = b;
  }
  buf[p++] = 0x22;
  w.length = p;
}
