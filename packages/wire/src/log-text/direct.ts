/**
 * Writers for the specialised record loops (specialise.ts): each writes into a byte array at
 * `q` and returns the new end, with no bounds checks — the loop reserves room for a record's
 * fixed-width values before writing them. Same text as the LogTextBuffer methods they replace.
 */
import { micros, splitMicros } from './micro-decimal.js';

/** Decimal digits of 0 ≤ v < 2^31. */
function digitCount(v: number): number {
  if (v < 10000) return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4;
  if (v < 100000000) return v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : 8;
  return v < 1000000000 ? 9 : 10;
}

/** 0 ≤ v < 2^31 as exactly `d` digits, zero padded. */
export function putDigits(buf: Uint8Array, q: number, v: number, d: number): number {
  let t = v | 0;
  for (let i = q + d - 1; i >= q; i--) {
    const nq = (t / 10) | 0;
    buf[i] = 48 + t - nq * 10;
    t = nq;
  }
  return q + d;
}

/** Integer 0 ≤ v < 2^53 in decimal (at most 16 bytes). */
export function putUint(buf: Uint8Array, q: number, v: number): number {
  if (v < 0x80000000) return putDigits(buf, q, v, digitCount(v));
  const hi = Math.floor(v / 1e8);
  const at = putDigits(buf, q, hi, digitCount(hi));
  return putDigits(buf, at, v - hi * 1e8, 8);
}

/** Dotted decimal of the octets, precomputed: `[length, d0, d1, d2]` per byte value. */
const OCTETS = new Uint8Array(256 * 4);
for (let i = 0; i < 256; i++) {
  const s = String(i);
  OCTETS[i * 4] = s.length;
  for (let k = 0; k < s.length; k++) OCTETS[i * 4 + 1 + k] = s.charCodeAt(k);
}

function putOctet(buf: Uint8Array, q: number, o: number): number {
  const at = o * 4;
  const len = OCTETS[at] as number;
  buf[q] = OCTETS[at + 1] as number;
  if (len > 1) buf[q + 1] = OCTETS[at + 2] as number;
  if (len > 2) buf[q + 2] = OCTETS[at + 3] as number;
  return q + len;
}

/** The IPv4 address in `b[at, at + 4)` (at most 15 bytes). */
export function putIpv4(buf: Uint8Array, q: number, b: Uint8Array, at: number): number {
  q = putOctet(buf, q, b[at] as number);
  buf[q++] = 0x2e;
  q = putOctet(buf, q, b[at + 1] as number);
  buf[q++] = 0x2e;
  q = putOctet(buf, q, b[at + 2] as number);
  buf[q++] = 0x2e;
  return putOctet(buf, q, b[at + 3] as number);
}

/** C `%.6f` of x, which must be finite, not NaN, |x| < 2^53 (at most 24 bytes). */
export function putFixed6(buf: Uint8Array, q: number, x: number): number {
  const neg = x < 0 || (x === 0 && 1 / x < 0);
  splitMicros(neg ? -x : x);
  if (neg) buf[q++] = 0x2d;
  q = putUint(buf, q, micros.whole);
  buf[q++] = 0x2e;
  return putDigits(buf, q, micros.frac, 6);
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
