/**
 * broker-bin-v1 reals (broker-bin-v1.md §3.1): CAF's portable IEEE-754 packer, reproduced in
 * both directions. NaN is `ff…ff`; +Infinity and -Infinity use the IEEE patterns of the opposite
 * sign; everything else is the IEEE bit pattern, except that CAF cannot pack subnormals.
 */

/** Bits (hi, lo) of CAF's NaN / +Inf / -Inf. */
const NAN_HI = 0xffffffff;
const PINF_HI = 0xfff00000;
const NINF_HI = 0x7ff00000;

/**
 * Writes a real at `at`. Subnormals are flushed to a zero of the same sign (Zeek's own packer
 * emits garbage for them, which no Zeek receiver decodes back to the same value).
 */
export function writeReal(view: DataView, at: number, v: number): void {
  if (Number.isNaN(v)) {
    view.setUint32(at, NAN_HI);
    view.setUint32(at + 4, 0xffffffff);
  } else if (v === Infinity) {
    view.setUint32(at, PINF_HI);
    view.setUint32(at + 4, 0);
  } else if (v === -Infinity) {
    view.setUint32(at, NINF_HI);
    view.setUint32(at + 4, 0);
  } else if (v !== 0 && Math.abs(v) < 2.2250738585072014e-308) {
    view.setFloat64(at, v < 0 ? -0 : 0);
  } else {
    view.setFloat64(at, v);
  }
}

const TWO_POW_52 = 2 ** 52;

/**
 * Reads a real as CAF's unpacker does: the three special patterns, the two zeros, IEEE for
 * exponent fields 1..2046, and `(1 + mantissa/2^52) × 2^(e − 1023)` for exponent fields 0 and
 * 2047 (so IEEE subnormals come out as tiny normals and IEEE NaN/Inf as ±Infinity).
 */
export function readReal(view: DataView, at: number): number {
  const hi = view.getUint32(at);
  const lo = view.getUint32(at + 4);
  if (hi === NAN_HI && lo === 0xffffffff) return NaN;
  if (lo === 0) {
    if (hi === PINF_HI) return Infinity;
    if (hi === NINF_HI) return -Infinity;
  }
  const exp = (hi >>> 20) & 0x7ff;
  if (exp !== 0 && exp !== 0x7ff) return view.getFloat64(at);
  if (lo === 0 && (hi & 0x7fffffff) === 0) return hi === 0 ? 0 : -0;
  const mantissa = (hi & 0xfffff) * 4294967296 + lo;
  const sign = hi >>> 31 ? -1 : 1;
  if (exp === 0x7ff) return sign * Infinity;
  return (sign * ((1 + mantissa / TWO_POW_52) * 2 ** -1022)) / 2;
}
