/**
 * A growable output buffer for encoders: one backing `Uint8Array` that doubles when full, a
 * `DataView` for big-endian fixed-width fields, and no allocation per byte. Reuse one writer with
 * `reset()` on hot paths; `finish()` copies the written bytes out.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Number of bytes written. */
  length = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }

  u64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, v);
    this.length += 8;
  }

  i64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.length, v);
    this.length += 8;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Writes ASCII/Latin-1 text, one byte per UTF-16 unit (caller guarantees units < 256). */
  latin1(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i);
  }

  /** The current backing view (valid until the next write that grows the buffer). */
  get dataView(): DataView {
    return this.view;
  }

  /** Size of the backing buffer. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Forgets the content, keeping the buffer. */
  reset(): void {
    this.length = 0;
  }

  /** A copy of the written bytes. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
