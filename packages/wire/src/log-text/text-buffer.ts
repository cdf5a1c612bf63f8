/**
 * Growable byte buffer the log renderers write into. One instance per renderer is reused across
 * batches; `take()` copies the rendered bytes into a fresh array owned by the caller.
 */
export class LogTextBuffer {
  buf: Uint8Array;
  /** A DataView over `buf` (replaced with it), for the record loops' multi-byte stores. */
  view: DataView;
  pos = 0;

  /**
   * `source`: where a replacement buffer comes from when `take()` hands the current one over
   * (e.g. buffers a consumer is done with, sent back from another thread); it must return a
   * buffer of at least `size` bytes that nobody else uses. Default: a new one.
   */
  constructor(
    initial = 64 * 1024,
    private readonly source?: LogTextBufferSource,
  ) {
    this.buf = new Uint8Array(initial);
    this.view = viewOf(this.buf);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = viewOf(next);
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.pos + n > this.buf.length) this.ensure(n);
    if (n < 16) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = b[i] as number;
      this.pos = p;
    } else {
      this.buf.set(b, this.pos);
      this.pos += n;
    }
  }

  /** Copies `b[s, e)`. */
  range(b: Uint8Array, s: number, e: number): void {
    const n = e - s;
    if (this.pos + n > this.buf.length) this.ensure(n);
    if (n < 32) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = s; i < e; i++) buf[p++] = b[i] as number;
      this.pos = p;
    } else {
      this.buf.set(b.subarray(s, e), this.pos);
      this.pos += n;
    }
  }

  /** Writes a string whose characters are all below U+0100 (ASCII in practice), one byte each. */
  latin1(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Non-negative integer below 2^53, decimal. */
  uint(v: number): void {
    if (v > 0x7fffffff) {
      this.latin1(String(v));
      return;
    }
    const digits =
      v < 10
        ? 1
        : v < 100
          ? 2
          : v < 1000
            ? 3
            : v < 10000
              ? 4
              : v < 100000
                ? 5
                : v < 1000000
                  ? 6
                  : v < 10000000
                    ? 7
                    : v < 100000000
                      ? 8
                      : v < 1000000000
                        ? 9
                        : 10;
    this.digits(v, digits);
  }

  /**
   * The big-endian 64-bit integer at `view[p, p + 8)`, two's complement when `signed`, in
   * decimal: through a double when its magnitude is below 2^53 (exact there), else BigInt.
   */
  int64(view: DataView, p: number, signed: boolean): void {
    const hi = signed ? view.getInt32(p) : view.getUint32(p);
    const lo = view.getUint32(p + 4);
    if (hi >= -0x20_0000 && hi < 0x20_0000) {
      const v = hi * 0x1_0000_0000 + lo;
      if (v < 0) {
        this.byte(0x2d);
        this.uint(-v);
      } else this.uint(v);
      return;
    }
    this.latin1((signed ? view.getBigInt64(p) : view.getBigUint64(p)).toString());
  }

  /** Writes 0 ≤ v < 2^31 as exactly `n` decimal digits (zero padded). */
  digits(v: number, n: number): void {
    if (this.pos + n > this.buf.length) this.ensure(n);
    const buf = this.buf;
    let p = this.pos + n;
    this.pos = p;
    let t = v | 0;
    for (let i = 0; i < n; i++) {
      const q = (t / 10) | 0;
      buf[--p] = 48 + t - q * 10;
      t = q;
    }
  }

  /** The IPv4 address in `b[at, at + 4)` as dotted decimal. */
  ipv4(b: Uint8Array, at: number): void {
    this.uint(b[at] as number);
    this.byte(0x2e);
    this.uint(b[at + 1] as number);
    this.byte(0x2e);
    this.uint(b[at + 2] as number);
    this.byte(0x2e);
    this.uint(b[at + 3] as number);
  }

  /** `\xNN` with lowercase hex (Zeek's escape for a byte). */
  hexEscape(b: number): void {
    if (this.pos + 4 > this.buf.length) this.ensure(4);
    const buf = this.buf;
    buf[this.pos] = 0x5c;
    buf[this.pos + 1] = 0x78;
    buf[this.pos + 2] = HEX[b >> 4] as number;
    buf[this.pos + 3] = HEX[b & 15] as number;
    this.pos += 4;
  }

  /**
   * Ascii::DoWrite's meta-prefix rule, shared by the TSV and JSON writers: when the line written
   * from `start` begins with `meta`, its first byte becomes `\xNN` (so no record line can look
   * like a header line). Everything after it moves 3 bytes right.
   */
  escapeLeadingMeta(start: number, meta: Uint8Array): void {
    for (let k = 0; k < meta.length; k++) if (this.buf[start + k] !== meta[k]) return;
    const first = this.buf[start] as number;
    this.ensure(3);
    const buf = this.buf;
    buf.copyWithin(start + 4, start + 1, this.pos);
    buf[start] = 0x5c;
    buf[start + 1] = 0x78;
    buf[start + 2] = HEX[first >> 4] as number;
    buf[start + 3] = HEX[first & 15] as number;
    this.pos += 3;
  }

  /**
   * Returns what was written since `from` as an array owned by the caller and rewinds to
   * `from`. When the output fills most of the buffer (a whole batch), the buffer itself is
   * handed over and replaced by a fresh one, which is cheaper than copying; small outputs are
   * copied so they don't pin a large buffer.
   */
  take(from = 0): Uint8Array {
    if (from === 0 && this.pos * 2 > this.buf.length && this.pos >= 4096) {
      const out = this.buf.subarray(0, this.pos);
      this.buf = this.source ? this.source(this.buf.length) : new Uint8Array(this.buf.length);
      this.view = viewOf(this.buf);
      this.pos = 0;
      return out;
    }
    const out = this.buf.slice(from, this.pos);
    this.pos = from;
    return out;
  }
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Supplies a buffer of at least `size` bytes for {@link LogTextBuffer.take}. */
export type LogTextBufferSource = (size: number) => Uint8Array;

/** Lowercase hex digits as byte values. */
export const HEX = new Uint8Array([...'0123456789abcdef'].map((c) => c.charCodeAt(0)));

const enc = new TextEncoder();
/** UTF-8 bytes of a string option (separators, markers, names). */
export function utf8Bytes(s: string): Uint8Array {
  return enc.encode(s);
}
