/**
 * A growable output buffer for encoders: one backing `Uint8Array` that doubles when full, a
 * `DataView` for big-endian fixed-width fields, and no allocation per byte. Reuse one writer with
 * `reset()` on hot paths; `finish()` copies the written bytes out.
 */
export class ByteWriter {
  /** Backing storage; only bytes `[0, length)` are written. Exposed for in-package fast paths. */
  buf: Uint8Array;
  /** View over {@link buf}; replaced whenever `buf` grows. */
  view: DataView;
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

  /**
   * A copy of the written bytes. Small results are carved out of a shared 64 KiB slab (as Node's
   * Buffer pool does), so allocation is cheap; they are independent regions of one ArrayBuffer, so
   * always honour `byteOffset` when looking at `.buffer`.
   */
  finish(): Uint8Array {
    return copyOut(this.buf, this.length);
  }
}

// One scratch writer for the synchronous encoders and renderers (no per-call buffer on hot paths).
let scratch = new ByteWriter(4096);
let scratchBusy = false;

/**
 * Runs `write` on the reset scratch writer and returns a copy of what it wrote. A nested call
 * (an encoder used inside another's `write`) gets a fresh writer instead, so calls never share
 * the buffer. A scratch writer that grew beyond 1 MiB is replaced afterwards.
 */
export function withScratch(write: (w: ByteWriter) => void): Uint8Array {
  if (scratchBusy) {
    const w = new ByteWriter(1024);
    write(w);
    return w.finish();
  }
  const w = scratch;
  w.reset();
  scratchBusy = true;
  try {
    write(w);
    return w.finish();
  } finally {
    scratchBusy = false;
    if (w.capacity > 1 << 20) scratch = new ByteWriter(4096);
  }
}

const SLAB_SIZE = 64 * 1024;
const POOLED_MAX = 4096;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/** Copies `src[0, n)` into a fresh region (pooled for small sizes). */
export function copyOut(src: Uint8Array, n: number): Uint8Array {
  if (n > POOLED_MAX) return src.slice(0, n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  out.set(src.subarray(0, n));
  slabUsed += (n + 7) & ~7;
  return out;
}
