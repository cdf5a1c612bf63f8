/**
 * Writers for the specialised record loops (specialise.ts): each writes into a byte array at
 * `q` and returns the new end, with no bounds checks — the loop reserves room for a record's
 * fixed-width values before writing them. Same text as the LogTextBuffer methods they replace.
 */
import { EXACT_MICROS_FROM, micros, splitMicros } from './micro-decimal.js';

/** Decimal digits of 0 ≤ v < 2^31. */
function digitCount(v: number): number {
  if (v < 10000) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4;
  if (v < 100000000) return v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : 8;
  return v < 1000000000 ? 9 : 10;
}

/** `PAIRS[2i], PAIRS[2i + 1]`: the two decimal digits of 0 ≤ i < 100 as bytes. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** 0 ≤ v < 2^31 as exactly `d` digits, zero padded (two digits per division). */
export function putDigits(buf: Uint8Array, q: number, v: number, d: number): number {
  let t = v | 0;
  let i = q + d;
  while (i - q >= 2) {
    const nq = (t / 100) | 0;
    const at = (t - nq * 100) << 1;
    buf[i - 1] = PAIRS[at + 1] as number;
    buf[i - 2] = PAIRS[at] as number;
    i -= 2;
    t = nq;
  }
  if (i > q) buf[q] = 48 + t;
  return q + d;
}

/** Integer 0 ≤ v < 2^53 in decimal (at most 16 bytes). */
export function putUint(buf: Uint8Array, q: number, v: number): number {
  if (v < 0x80000000) return putDigits(buf, q, v, digitCount(v));
  const hi = Math.floor(v / 1e8);
  const at = putDigits(buf, q, hi, digitCount(hi));
  return putDigits(buf, at, v - hi * 1e8, 8);
}

/**
 * Per byte value: its decimal digits followed by `.`, as one big-endian 32-bit word
 * (`OCTET_WORDS`), and the number of digits (`OCTET_DIGITS`).
 */
const OCTET_WORDS = new Int32Array(256);
const OCTET_DIGITS = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  const s = `${i}.`;
  OCTET_DIGITS[i] = s.length - 1;
  for (let k = 0; k < s.length; k++)
    OCTET_WORDS[i] = (OCTET_WORDS[i] as number) | (s.charCodeAt(k) << (24 - 8 * k));
}

/**
 * The IPv4 address in `b[at, at + 4)` (at most 15 bytes; one 4-byte store per octet, so the
 * 4 bytes from the end are overwritten too: room must be kept).
 */
export function putIpv4(dv: DataView, q: number, b: Uint8Array, at: number): number {
  let o = b[at] as number;
  dv.setInt32(q, OCTET_WORDS[o] as number);
  q += (OCTET_DIGITS[o] as number) + 1;
  o = b[at + 1] as number;
  dv.setInt32(q, OCTET_WORDS[o] as number);
  q += (OCTET_DIGITS[o] as number) + 1;
  o = b[at + 2] as number;
  dv.setInt32(q, OCTET_WORDS[o] as number);
  q += (OCTET_DIGITS[o] as number) + 1;
  o = b[at + 3] as number;
  dv.setInt32(q, OCTET_WORDS[o] as number);
  return q + (OCTET_DIGITS[o] as number);
}

/** A constant byte run (separator, marker, JSON key) as big-endian 32-bit words. */
export interface WordRun {
  readonly words: Int32Array;
  readonly length: number;
}

/** `m` as a {@link WordRun} (the last word zero padded). */
export function wordRun(m: Uint8Array): WordRun {
  const words = new Int32Array((m.length + 3) >> 2);
  for (let i = 0; i < m.length; i++)
    words[i >> 2] = (words[i >> 2] as number) | ((m[i] as number) << (24 - 8 * (i & 3)));
  return { words, length: m.length };
}

/** Exactly 6 digits of 0 ≤ v < 10^6, zero padded (a `%.6f` fraction). */
function putFrac6(buf: Uint8Array, q: number, v: number): number {
  const a = (v / 10000) | 0;
  const r = v - a * 10000;
  const b = (r / 100) | 0;
  const c = (r - b * 100) << 1;
  buf[q] = PAIRS[a << 1] as number;
  buf[q + 1] = PAIRS[(a << 1) + 1] as number;
  buf[q + 2] = PAIRS[b << 1] as number;
  buf[q + 3] = PAIRS[(b << 1) + 1] as number;
  buf[q + 4] = PAIRS[c] as number;
  buf[q + 5] = PAIRS[c + 1] as number;
  return q + 6;
}

/** Exactly 10 digits of 10^9 ≤ v < 2^31 (a timestamp's seconds from 2001 to 2038). */
function putDigits10(buf: Uint8Array, q: number, v: number): number {
  const hi = (v / 1000000) | 0;
  const a = (hi / 100) | 0;
  const b = (hi - a * 100) << 1;
  buf[q] = PAIRS[a << 1] as number;
  buf[q + 1] = PAIRS[(a << 1) + 1] as number;
  buf[q + 2] = PAIRS[b] as number;
  buf[q + 3] = PAIRS[b + 1] as number;
  return putFrac6(buf, q + 4, v - hi * 1000000);
}

/**
 * C `%.6f` of x, which must be finite, not NaN, |x| < 2^53 (at most 24 bytes). From 2^26 on (all
 * timestamps) the ulp is at least 2^−26, so the fraction f is m·2^−26 with m < 2^26 and f·10^6 =
 * m·15625·2^−20 is exact: its floor and the rest decide the rounding (ties to even) directly.
 * Below, the product is within 2^−33 of the exact one (< 10^6, rounded once), which decides the
 * rounding unless its rest is within 10^−9 of one half; then {@link splitMicros} splits the
 * product into two exact parts.
 */
export function putFixed6(buf: Uint8Array, q: number, x: number): number {
  const neg = x < 0 || (x === 0 && 1 / x < 0);
  const a = neg ? -x : x;
  if (neg) buf[q++] = 0x2d;
  let whole = Math.trunc(a);
  const t = (a - whole) * 1e6;
  let frac = Math.floor(t);
  const rest = t - frac;
  if (a >= EXACT_MICROS_FROM || rest > 0.5 + 1e-9 || rest < 0.5 - 1e-9) {
    if (rest > 0.5 || (rest === 0.5 && (frac & 1) === 1)) frac++;
    if (frac === 1000000) {
      frac = 0;
      whole++;
    }
  } else {
    splitMicros(a);
    whole = micros.whole;
    frac = micros.frac;
  }
  q = whole >= 1e9 && whole < 0x80000000 ? putDigits10(buf, q, whole) : putUint(buf, q, whole);
  buf[q++] = 0x2e;
  return putFrac6(buf, q, frac);
}

/** A signed integer −2^53 < v < 2^53 (at most 17 bytes). */
export function putInt(buf: Uint8Array, q: number, v: number): number {
  if (v >= 0) return putUint(buf, q, v);
  buf[q] = 0x2d;
  return putUint(buf, q + 1, -v);
}

/** Copies `m` (a short constant: separator, key, marker). */
export function putBytes(buf: Uint8Array, q: number, m: Uint8Array): number {
  const len = m.length;
  for (let i = 0; i < len; i++) buf[q + i] = m[i] as number;
  return q + len;
}

/**
 * Copies `b[s, e)` when every byte is printable ASCII and none is `\` or `x0`/`x1`; returns −1
 * (nothing written that matters) otherwise. Room for `e − s` bytes must be reserved.
 */
export function putPlain(
  buf: Uint8Array,
  q: number,
  b: Uint8Array,
  s: number,
  e: number,
  x0: number,
  x1: number,
): number {
  for (let i = s; i < e; i++) {
    const c = b[i] as number;
    if (c < 0x20 || c > 0x7e || c === 0x5c || c === x0 || c === x1) return -1;
    buf[q++] = c;
  }
  return q;
}
