/**
 * The transcoder's broker-bin-v1 output: a ByteWriter plus reserving a vector's element count and
 * patching it once the elements are written (the count is a varbyte of unknown width until then).
 */
import { ByteWriter } from '../byte-writer.js';

export class BrokerBinWriter extends ByteWriter {
  constructor(size = 1024) {
    super(size);
  }

  /** Tag byte followed by 8 bytes big-endian `hi:lo` (two 32-bit halves). */
  tag64(tag: number, hi: number, lo: number): void {
    this.ensure(9);
    this.buf[this.length] = tag;
    this.view.setUint32(this.length + 1, hi);
    this.view.setUint32(this.length + 5, lo);
    this.length += 9;
  }

  tagBigU64(tag: number, v: bigint): void {
    this.ensure(9);
    this.buf[this.length] = tag;
    this.view.setBigUint64(this.length + 1, v);
    this.length += 9;
  }

  tagBigI64(tag: number, v: bigint): void {
    this.ensure(9);
    this.buf[this.length] = tag;
    this.view.setBigInt64(this.length + 1, v);
    this.length += 9;
  }

  /** Minimal unsigned LEB128; the caller guarantees 0 ≤ n < 2^32. */
  varbyte(n: number): void {
    this.ensure(5);
    while (n >= 0x80) {
      this.buf[this.length++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.length++] = n;
  }

  /** Reserves one byte for a count written later by {@link patchCount}; returns its offset. */
  reserveCount(): number {
    this.ensure(1);
    return this.length++;
  }

  /** Writes `n` at `at` (reserved by {@link reserveCount}), moving what follows if it needs more bytes. */
  patchCount(at: number, n: number): void {
    if (n < 0x80) {
      this.buf[at] = n;
      return;
    }
    let width = 1;
    for (let v = n; v >= 0x80; v = Math.floor(v / 128)) width++;
    this.ensure(width - 1);
    this.buf.copyWithin(at + width, at + 1, this.length);
    this.length += width - 1;
    let p = at;
    let v = n;
    while (v >= 0x80) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[p] = v;
  }
}
