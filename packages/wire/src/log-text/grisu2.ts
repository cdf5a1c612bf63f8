/**
 * Doubles as Zeek's JSON writer prints them: rapidjson's `Writer::Double` (Grisu2 digit
 * generation after Loitsch 2010, then rapidjson's layout), docs/protocol/log-text.md. Grisu2
 * does not always give the shortest round-trip digits, nor the closest of equally short ones:
 * `1056991897.6499209` where the shortest form is `1056991897.649921`, and
 * `0.009988784790039063` where a correctly rounded shortest form ends in `…062`. Zeek's files
 * carry Grisu2's text, so this module reproduces its exact integer arithmetic.
 *
 * 64-bit unsigned integers are kept as two numbers, `hi` and `lo` (each < 2^32); products are
 * formed from 16-bit pieces so that every intermediate stays exact in a double. No BigInt and
 * no allocation on the per-value path.
 */

import { putDigits, putUint } from './direct.js';
import { micros, splitMicros } from './micro-decimal.js';

const TWO32 = 4294967296;
const TWO16 = 65536;

/** The scaled powers 10^k, k = −348, −340, …, 340: 64-bit significand (rounded) and exponent. */
const CACHED_HI = new Float64Array(87);
const CACHED_LO = new Float64Array(87);
const CACHED_E = new Int32Array(87);

/** Nearest 64-bit significand f (2^63 ≤ f < 2^64) and e with f·2^e ≈ 10^k (ties cannot occur). */
function scaledPowerOfTen(k: number): { f: bigint; e: number } {
  const num = k >= 0 ? 10n ** BigInt(k) : 1n;
  const den = k >= 0 ? 1n : 10n ** BigInt(-k);
  // f = round(num / den · 2^s) with s chosen so that f has exactly 64 bits.
  let s = 64 - (num.toString(2).length - den.toString(2).length);
  for (;;) {
    const scaledNum = s >= 0 ? num << BigInt(s) : num;
    const scaledDen = s >= 0 ? den : den << BigInt(-s);
    let f = scaledNum / scaledDen;
    if (f >= 1n << 64n) s--;
    else if (f < 1n << 63n) s++;
    else {
      if ((scaledNum % scaledDen) * 2n >= scaledDen) f++;
      if (f === 1n << 64n) return { f: 1n << 63n, e: 1 - s };
      return { f, e: -s };
    }
  }
}

for (let i = 0; i < 87; i++) {
  const { f, e } = scaledPowerOfTen(-348 + 8 * i);
  CACHED_HI[i] = Number(f >> 32n);
  CACHED_LO[i] = Number(f & 0xffffffffn);
  CACHED_E[i] = e;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];
/** 10^0 … 10^19 as 64-bit pairs (rapidjson's `kPow10` of `DigitGen`). */
/**
 * The fraction digits of `DigitGen` when the binary point E is at most 49: p2 < 2^E and delta <
 * p2, so both stay below 2^53 after the multiplication by 10 and plain doubles are exact (the
 * common case: timestamps have E ≈ 46). Same results as the two-word loop.
 */
function fractionDigitsSmall(
  p2: number,
  delta: number,
  E: number,
  kappa: number,
  wwH: number,
  wwL: number,
): void {
  const one = POW2[E] as number;
  for (;;) {
    p2 *= 10;
    delta *= 10;
    const d = Math.floor(p2 / one);
    p2 -= d * one;
    if (d !== 0 || length !== 0) digits[length++] = 48 + d;
    kappa--;
    if (p2 < delta) {
      decimalExponent += kappa;
      scaledDistance(wwH, wwL, -kappa);
      const wH = R[0] as number;
      const wL = R[1] as number;
      const dH = Math.floor(delta / TWO32);
      const pH = Math.floor(p2 / TWO32);
      grisuRound(dH, delta - dH * TWO32, pH, p2 - pH * TWO32, POW2[E - 32] as number, 0, wH, wL);
      return;
    }
  }
}

const POW10_HI = new Float64Array(20);
const POW10_LO = new Float64Array(20);
for (let i = 0; i < 20; i++) {
  const p = 10n ** BigInt(i);
  POW10_HI[i] = Number(p >> 32n);
  POW10_LO[i] = Number(p & 0xffffffffn);
}

/** 2^0 … 2^64. */
const POW2 = new Float64Array(65);
for (let i = 0; i <= 64; i++) POW2[i] = 2 ** i;

/**
 * Results of the 64-bit helpers: `(R[0] as number)` high word, `(R[1] as number)` low word (a typed array, so that
 * storing a double allocates nothing; the path is synchronous and not re-entrant).
 */
const R = new Float64Array(2);

/** High 64 bits of the 128-bit product a·b, rounded up when bit 63 of the low half is set. */
function mulHigh(aH: number, aL: number, bH: number, bL: number): void {
  const a0 = aL % TWO16;
  const a1 = (aL - a0) / TWO16;
  const a2 = aH % TWO16;
  const a3 = (aH - a2) / TWO16;
  const b0 = bL % TWO16;
  const b1 = (bL - b0) / TWO16;
  const b2 = bH % TWO16;
  const b3 = (bH - b2) / TWO16;
  let t = a0 * b0;
  let c = Math.floor(t / TWO16);
  t = a1 * b0 + a0 * b1 + c;
  c = Math.floor(t / TWO16);
  t = a2 * b0 + a1 * b1 + a0 * b2 + c;
  c = Math.floor(t / TWO16);
  t = a3 * b0 + a2 * b1 + a1 * b2 + a0 * b3 + c;
  c = Math.floor(t / TWO16);
  const round = t - c * TWO16 >= 0x8000 ? 1 : 0;
  t = a3 * b1 + a2 * b2 + a1 * b3 + c;
  c = Math.floor(t / TWO16);
  const r4 = t - c * TWO16;
  t = a3 * b2 + a2 * b3 + c;
  c = Math.floor(t / TWO16);
  const r5 = t - c * TWO16;
  t = a3 * b3 + c;
  c = Math.floor(t / TWO16);
  const r6 = t - c * TWO16;
  const r7 = c; // < 2^16: the product is below 2^128
  let lo = r5 * TWO16 + r4 + round;
  let hi = r7 * TWO16 + r6;
  if (lo === TWO32) {
    lo = 0;
    hi = hi + 1 === TWO32 ? 0 : hi + 1;
  }
  R[0] = hi;
  R[1] = lo;
}

/** Low 64 bits of a·b (C's wrapping uint64_t multiplication). */
function mulLow(aH: number, aL: number, bH: number, bL: number): void {
  const a0 = aL % TWO16;
  const a1 = (aL - a0) / TWO16;
  const a2 = aH % TWO16;
  const a3 = (aH - a2) / TWO16;
  const b0 = bL % TWO16;
  const b1 = (bL - b0) / TWO16;
  const b2 = bH % TWO16;
  const b3 = (bH - b2) / TWO16;
  let t = a0 * b0;
  let c = Math.floor(t / TWO16);
  const r0 = t - c * TWO16;
  t = a1 * b0 + a0 * b1 + c;
  c = Math.floor(t / TWO16);
  const r1 = t - c * TWO16;
  t = a2 * b0 + a1 * b1 + a0 * b2 + c;
  c = Math.floor(t / TWO16);
  const r2 = t - c * TWO16;
  t = a3 * b0 + a2 * b1 + a1 * b2 + a0 * b3 + c;
  c = Math.floor(t / TWO16);
  const r3 = t - c * TWO16;
  R[0] = r3 * TWO16 + r2;
  R[1] = r1 * TWO16 + r0;
}

/**
 * Into R: the distance to the exact value scaled to the digits' position, w·10^index (low 64
 * bits), or 0 from index 20 on (past the end of the power-of-ten table). Shared by both digit loops.
 */
function scaledDistance(wwH: number, wwL: number, index: number): void {
  if (index < 20) {
    mulLow(wwH, wwL, POW10_HI[index] as number, POW10_LO[index] as number);
  } else {
    R[0] = 0;
    R[1] = 0;
  }
}

/** (aH, aL) − (bH, bL) mod 2^64. */
function sub(aH: number, aL: number, bH: number, bL: number): void {
  let lo = aL - bL;
  let hi = aH - bH;
  if (lo < 0) {
    lo += TWO32;
    hi -= 1;
  }
  if (hi < 0) hi += TWO32;
  R[0] = hi;
  R[1] = lo;
}

/** (aH, aL) + (bH, bL) mod 2^64. */
function add(aH: number, aL: number, bH: number, bL: number): void {
  let lo = aL + bL;
  let hi = aH + bH;
  if (lo >= TWO32) {
    lo -= TWO32;
    hi += 1;
  }
  if (hi >= TWO32) hi -= TWO32;
  R[0] = hi;
  R[1] = lo;
}

function lt(aH: number, aL: number, bH: number, bL: number): boolean {
  return aH < bH || (aH === bH && aL < bL);
}

/** (aH, aL) · 2^s for 0 ≤ s < 64, mod 2^64. */
function shl(aH: number, aL: number, s: number): void {
  if (s >= 32) {
    const h = aL * (POW2[s - 32] as number);
    R[0] = h - Math.floor(h / TWO32) * TWO32;
    R[1] = 0;
  } else {
    const p = POW2[s] as number;
    const lo = aL * p;
    const carry = Math.floor(lo / TWO32);
    const h = aH * p + carry;
    R[0] = h - Math.floor(h / TWO32) * TWO32;
    R[1] = lo - carry * TWO32;
  }
}

/** rapidjson's `CountDecimalDigit32`: 1–9 (10-digit values also answer 9). */
function countDigits(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  if (n < 1000000) return 6;
  if (n < 10000000) return 7;
  if (n < 100000000) return 8;
  return 9;
}

const digits = new Uint8Array(32);
let length = 0;
let decimalExponent = 0;

/**
 * Moves the last digit down while that brings the candidate closer to W and it stays inside
 * the boundaries (rapidjson `GrisuRound`). All arguments are 64-bit pairs.
 */
function grisuRound(
  dH: number,
  dL: number,
  restH: number,
  restL: number,
  tkH: number,
  tkL: number,
  wH: number,
  wL: number,
): void {
  for (;;) {
    if (!lt(restH, restL, wH, wL)) return;
    sub(dH, dL, restH, restL);
    if (lt(R[0] as number, R[1] as number, tkH, tkL)) return;
    add(restH, restL, tkH, tkL);
    const upH = R[0] as number;
    const upL = R[1] as number;
    let closer = lt(upH, upL, wH, wL);
    if (!closer) {
      sub(wH, wL, restH, restL);
      const belowH = R[0] as number;
      const belowL = R[1] as number;
      sub(upH, upL, wH, wL);
      closer = lt(R[0] as number, R[1] as number, belowH, belowL);
    }
    if (!closer) return;
    digits[length - 1] = (digits[length - 1] as number) - 1;
    restH = upH;
    restL = upL;
  }
}

/**
 * rapidjson `DigitGen`: the digits of Mp (the upper boundary scaled by the cached power) until
 * the rest is within `delta` of it. `E` = −Mp.e (the binary point of the scaled values).
 */
function digitGen(
  wpH: number,
  wpL: number,
  E: number,
  dH: number,
  dL: number,
  wwH: number,
  wwL: number,
): void {
  // E is 32…63 for every finite double (checked by the tests over every binary exponent).
  const pE = POW2[E - 32] as number;
  let p1 = Math.floor(wpH / pE);
  let p2H = wpH - p1 * pE;
  let p2L = wpL;
  let kappa = countDigits(p1);
  length = 0;
  while (kappa > 0) {
    const div = POW10[kappa - 1] as number;
    const d = Math.floor(p1 / div);
    p1 -= d * div;
    if (d !== 0 || length !== 0) digits[length++] = 48 + d;
    kappa--;
    // tmp = (p1 << E) + p2
    const tmpH = p1 * pE + p2H;
    if (!lt(dH, dL, tmpH, p2L)) {
      decimalExponent += kappa;
      const tk = (POW10[kappa] as number) * pE; // 10^kappa << E, high word (< 2^32)
      grisuRound(dH, dL, tmpH, p2L, tk, 0, wwH, wwL);
      return;
    }
  }
  if (E <= 49) {
    fractionDigitsSmall(p2H * TWO32 + p2L, dH * TWO32 + dL, E, kappa, wwH, wwL);
    return;
  }
  for (;;) {
    // p2 *= 10; delta *= 10 (wrapping)
    let t = p2L * 10;
    let c = Math.floor(t / TWO32);
    p2L = t - c * TWO32;
    const h = p2H * 10 + c;
    const d = Math.floor(h / pE);
    p2H = h - d * pE;
    t = dL * 10;
    c = Math.floor(t / TWO32);
    dL = t - c * TWO32;
    const dh = dH * 10 + c;
    dH = dh - Math.floor(dh / TWO32) * TWO32;
    if (d !== 0 || length !== 0) digits[length++] = 48 + d;
    kappa--;
    if (lt(p2H, p2L, dH, dL)) {
      decimalExponent += kappa;
      scaledDistance(wwH, wwL, -kappa);
      const wH = R[0] as number;
      const wL = R[1] as number;
      grisuRound(dH, dL, p2H, p2L, pE, 0, wH, wL);
      return;
    }
  }
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * rapidjson `Grisu2` for a positive finite double: leaves the digits in `digits[0, length)`
 * and the decimal exponent in `decimalExponent` (value ≈ digits × 10^decimalExponent).
 */
function grisu2(value: number): void {
  f64[0] = value;
  const hi = u32[HI] as number;
  const lo = u32[1 - HI] as number;
  const biased = (hi >>> 20) & 0x7ff;
  let fH = hi & 0xfffff;
  let e: number;
  if (biased !== 0) {
    fH += 0x100000;
    e = biased - 1075;
  } else e = -1074;
  const fL = lo;
  const isHiddenBitOnly = fH === 0x100000 && fL === 0;

  // Upper boundary m+ = (2f + 1)·2^(e−1), normalised so that bit 63 is set.
  add(fH, fL, fH, fL);
  add(R[0] as number, R[1] as number, 0, 1);
  let pH = R[0] as number;
  let pL = R[1] as number;
  let pe = e - 1;
  while (pH < 0x200000) {
    // until bit 53 is set
    shl(pH, pL, 1);
    pH = R[0] as number;
    pL = R[1] as number;
    pe--;
  }
  shl(pH, pL, 10);
  pH = R[0] as number;
  pL = R[1] as number;
  pe -= 10;

  // Lower boundary m− = (2f − 1)·2^(e−1), or (4f − 1)·2^(e−2) at a power of two; same exponent.
  let mH: number;
  let mL: number;
  let me: number;
  if (isHiddenBitOnly) {
    shl(fH, fL, 2);
    sub(R[0] as number, R[1] as number, 0, 1);
    me = e - 2;
  } else {
    shl(fH, fL, 1);
    sub(R[0] as number, R[1] as number, 0, 1);
    me = e - 1;
  }
  shl(R[0] as number, R[1] as number, me - pe);
  mH = R[0] as number;
  mL = R[1] as number;

  // Cached power for the upper boundary's exponent (rapidjson `GetCachedPower`).
  const dk = (-61 - pe) * 0.30102999566398114 + 347;
  let k = Math.trunc(dk);
  if (dk - k > 0) k++;
  const index = (k >> 3) + 1;
  decimalExponent = -(-348 + (index << 3));
  const cH = CACHED_HI[index] as number;
  const cL = CACHED_LO[index] as number;
  const cE = CACHED_E[index] as number;

  // W = normalise(v) · c
  shl(fH, fL, fH !== 0 ? Math.clz32(fH) : 32 + Math.clz32(fL));
  mulHigh(R[0] as number, R[1] as number, cH, cL);
  const wH = R[0] as number;
  const wL = R[1] as number;
  mulHigh(pH, pL, cH, cL);
  sub(R[0] as number, R[1] as number, 0, 1); // Wp.f--
  const upH = R[0] as number;
  const upL = R[1] as number;
  mulHigh(mH, mL, cH, cL);
  add(R[0] as number, R[1] as number, 0, 1); // Wm.f++
  mH = R[0] as number;
  mL = R[1] as number;
  const E = -(pe + cE + 64);
  sub(upH, upL, mH, mL);
  const dH = R[0] as number;
  const dL = R[1] as number;
  sub(upH, upL, wH, wL);
  digitGen(upH, upL, E, dH, dL, R[0] as number, R[1] as number);
}

/** rapidjson `WriteExponent`: `-` for negatives, no `+`, no leading zeros. */
function writeExponent(out: Uint8Array, p: number, k: number): number {
  if (k < 0) {
    out[p++] = 0x2d;
    k = -k;
  }
  if (k >= 100) {
    out[p++] = 48 + Math.floor(k / 100);
    k %= 100;
    out[p++] = 48 + Math.floor(k / 10);
    out[p++] = 48 + (k % 10);
  } else if (k >= 10) {
    out[p++] = 48 + Math.floor(k / 10);
    out[p++] = 48 + (k % 10);
  } else out[p++] = 48 + k;
  return p;
}

/**
 * rapidjson `Prettify` with its default `maxDecimalPlaces` (324, which Zeek keeps): plain
 * notation for 10^−6 ≤ |x| < 10^21 (`.0` after integers), else `d.ddde±x` without `+`.
 */
function prettify(out: Uint8Array, p: number): number {
  const n = length;
  const k = decimalExponent;
  const kk = n + k;
  if (k >= 0 && kk <= 21) {
    for (let i = 0; i < n; i++) out[p++] = digits[i] as number;
    for (let i = n; i < kk; i++) out[p++] = 48;
    out[p++] = 0x2e;
    out[p++] = 48;
    return p;
  }
  if (kk > 0 && kk <= 21) {
    for (let i = 0; i < kk; i++) out[p++] = digits[i] as number;
    out[p++] = 0x2e;
    for (let i = kk; i < n; i++) out[p++] = digits[i] as number;
    return p;
  }
  if (kk > -6 && kk <= 0) {
    out[p++] = 48;
    out[p++] = 0x2e;
    for (let i = kk; i < 0; i++) out[p++] = 48;
    for (let i = 0; i < n; i++) out[p++] = digits[i] as number;
    return p;
  }
  if (kk < -324) {
    out[p++] = 48;
    out[p++] = 0x2e;
    out[p++] = 48;
    return p;
  }
  out[p++] = digits[0] as number;
  if (n > 1) {
    out[p++] = 0x2e;
    for (let i = 1; i < n; i++) out[p++] = digits[i] as number;
  }
  out[p++] = 0x65;
  return writeExponent(out, p, kk - 1);
}

/** Longest text {@link writeJsonDouble} produces (`-` + 17 digits + `.` + `e-324`), rounded up. */
export const MAX_JSON_DOUBLE_LENGTH = 32;

/**
 * Per biased exponent b: 0.49 ulp in millionths, 0.49 × 2^(b − 1075) × 10^6 (see
 * {@link writeMicrosDouble}).
 */
const MICROS_LIMIT = new Float64Array(2048);
/** Per biased exponent b: 1 ulp in millionths, 2^(b − 1075) × 10^6. */
const ULP_MICROS = new Float64Array(2048);
for (let b = 1; b < 2047; b++) {
  ULP_MICROS[b] = 2 ** (b - 1075) * 1e6;
  MICROS_LIMIT[b] = 0.49 * 2 ** (b - 1075) * 1e6;
}

/**
 * Grisu2's text without Grisu2 for 0 < x < 2^32 that lies within 0.49 ulp of a decimal D with
 * at most 6 decimals (a timestamp or duration of whole microseconds; D = x rounded to
 * millionths). Returns the end, or −1 to take the full path. Why the text is then exactly D in
 * rapidjson's layout: the interval Grisu2 works in, [Wm, Wp], is the rounding interval of x
 * (x ± ulp/2, not a power of two) narrowed by at most 2^−61·x from scaling errors, and D is at
 * least 0.01 ulp > 2^−59.7·x inside it, so D is in [Wm, Wp]. The interval is narrower than
 * ulp ≤ 2^−20 < 10^−6, so D is its only number with at most 6 decimals. DigitGen truncates Wp
 * at ever lower decimal positions and stops at the first truncation inside the interval: none
 * above D's last digit (those are other numbers with at most 6 decimals), and at that position
 * the truncation is D (the largest multiple ≤ Wp, unique in the interval; "last digit" = D's lowest non-zero digit, so 120 gives `12`·10^1).
 * GrisuRound only moves to D − 10^κ, which is outside. D ≥ 10^−6 and
 * D < 2^32 + 1 give the plain layouts `w.ddd`, `w.0` and `0.00ddd`.
 */
export function writeMicrosDouble(out: Uint8Array, p: number, x: number): number {
  if (!(x > 0 && x < TWO32)) return -1;
  f64[0] = x;
  const hi = u32[HI] as number;
  if (u32[1 - HI] === 0 && (hi & 0xfffff) === 0) return -1; // power of two: m− is closer
  splitMicros(x);
  if (!(micros.distance <= (MICROS_LIMIT[(hi >>> 20) & 0x7ff] as number))) return -1;
  p = putUint(out, p, micros.whole);
  out[p++] = 0x2e;
  let frac = micros.frac;
  if (frac === 0) {
    out[p++] = 48;
    return p;
  }
  let n = 6;
  while (frac % 10 === 0) {
    frac /= 10;
    n--;
  }
  return putDigits(out, p, frac, n);
}

const TWO29 = 2 ** 29;

/**
 * Grisu2's text without Grisu2 for 2^29 ≤ x < 2^32 (timestamps from 1987 to 2106) whose nearest
 * decimal with 6 decimals is at least 0.51 ulp away and which is not within 0.01 ulp of the
 * midpoint between two 7-decimal values: the nearest 7-decimal value, `wwwwwwwww.ddddddd`.
 * Returns the end, or −1 to take the full path.
 *
 * Why: ulp is 2^−23 … 2^−21 here, so the fraction f of x is m·2^−23 with m < 2^23 and f·10^6,
 * f·10^7 are exact in doubles (m·15625, m·78125 < 2^40, times a power of two). Scaled by the
 * cached power (relative error ≤ 2^−64 ≤ 2^−11 ulp) and rounded to 64 bits (≤ 2^−10 ulp), then
 * narrowed by one unit (≤ 2^−9 ulp), Grisu2's W, Wm, Wp are x, x − ulp/2, x + ulp/2 within
 * 0.004 ulp. The interval is shorter than 10^−6 and the nearest 6-decimal value is outside it
 * (≥ 0.51 ulp away), so DigitGen passes every position down to 10^−6 without a stop (every
 * coarser decimal is a 6-decimal value). It is longer than 10^−7 (ulp ≥ 1.19·10^−7), so the
 * truncation of Wp at 10^−7 lies inside and DigitGen stops there. GrisuRound then moves down
 * while that comes closer to W and stays ≥ Wm: it ends on the 10^−7 multiple N nearest to x
 * (|N − x| ≤ 0.5·10^−7 ≤ 0.42 ulp, inside the interval); 0.01 ulp from a tie, W's error cannot
 * change which one is nearer. N is not a 6-decimal value (that would be within 0.42 ulp of x),
 * so its 7th decimal is not 0 and the text has 17 digits in the plain layout.
 */
export function writeTenthMicrosDouble(out: Uint8Array, p: number, x: number): number {
  if (!(x >= TWO29 && x < TWO32)) return -1;
  f64[0] = x;
  const ulp = ULP_MICROS[(u32[HI] as number) >>> 20] as number;
  const whole = Math.trunc(x);
  const f = x - whole;
  const t6 = f * 1e6;
  const r6 = t6 - Math.floor(t6);
  if ((r6 < 0.5 ? r6 : 1 - r6) < 0.51 * ulp) return -1;
  const t7 = f * 1e7;
  let n7 = Math.floor(t7);
  const rest = t7 - n7;
  const tie = rest - 0.5;
  if ((tie < 0 ? -tie : tie) < 0.1 * ulp) return -1; // 0.01 ulp in units of 10^−7
  if (rest > 0.5) n7++;
  if (n7 >= 1e7) return -1;
  p = putUint(out, p, whole);
  out[p++] = 0x2e;
  return putDigits(out, p, n7, 7);
}

/**
 * Writes a finite double as rapidjson's `Writer::Double` does into `out` at `p` (room for
 * {@link MAX_JSON_DOUBLE_LENGTH} bytes needed) and returns the end. `-0.0` for negative zero.
 * NaN and ±Inf are the caller's business (Zeek's writer prints `null`).
 */
export function writeRapidJsonDouble(out: Uint8Array, p: number, x: number): number {
  return writeDouble(out, p, x, true);
}

/** {@link writeRapidJsonDouble} always through Grisu2 (the reference of the fast path's tests). */
export function writeGrisu2Double(out: Uint8Array, p: number, x: number): number {
  return writeDouble(out, p, x, false);
}

function writeDouble(out: Uint8Array, p: number, x: number, fast: boolean): number {
  if (x === 0) {
    if (Object.is(x, -0)) out[p++] = 0x2d;
    out[p++] = 48;
    out[p++] = 0x2e;
    out[p++] = 48;
    return p;
  }
  if (x < 0) {
    out[p++] = 0x2d;
    x = -x;
  }
  if (fast) {
    const end = writeMicrosDouble(out, p, x);
    if (end >= 0) return end;
    const end7 = writeTenthMicrosDouble(out, p, x);
    if (end7 >= 0) return end7;
  }
  grisu2(x);
  return prettify(out, p);
}

const scratch = new Uint8Array(MAX_JSON_DOUBLE_LENGTH);

/** {@link writeRapidJsonDouble} as a string. */
export function rapidJsonDouble(x: number): string {
  const end = writeRapidJsonDouble(scratch, 0, x);
  return String.fromCharCode.apply(null, scratch.subarray(0, end) as unknown as number[]);
}
