import type { LogNumberProfile } from '../log-batch/types.js';
import { fixed6, printfExp, printfFixed, signBit } from './exact-decimal.js';
import { MAX_JSON_DOUBLE_LENGTH, rapidJsonDouble, writeRapidJsonDouble } from './grisu2.js';
import { microsInRange } from './micro-decimal.js';
import type { LogTextBuffer } from './text-buffer.js';
import { putFixed6 } from './direct.js';

/** modp's switch to printf: `(double)INT_MAX` (spec/log-batch.md §5.3/5.4). */
const THRES_MAX = 2147483647;

/**
 * modp's 6-decimal split of 0 ≤ v < 2^31 − 1 (zeek 3rdparty modp_numtoa.c): fraction computed
 * as `(v − trunc(v)) × 10^6` in double arithmetic, rounded up when the rest is > 0.5, and at
 * exactly 0.5 when the 6-digit value is odd or zero (without carrying: 1000000 is possible).
 * Writes `[whole, frac]` into `out` (no allocation on the hot path).
 */
export function modpSplit(v: number, out: Float64Array): void {
  let whole = Math.trunc(v);
  const tmp = (v - whole) * 1e6;
  let frac = Math.trunc(tmp);
  const diff = tmp - frac;
  if (diff > 0.5) {
    frac++;
    if (frac >= 1e6) {
      frac = 0;
      whole++;
    }
  } else if (diff === 0.5 && (frac === 0 || (frac & 1) === 1)) {
    frac++;
  }
  out[0] = whole;
  out[1] = frac;
}

const split = new Float64Array(2);

/** `sn_strip_trailing_zeros` of modp: trailing mantissa zeros (and a bare `.`) before `e`. */
function stripExpZeros(s: string): string {
  const e = s.indexOf('e');
  const dot = s.indexOf('.');
  if (e < 0 || dot < 0) return s;
  let end = e;
  while (end > dot + 1 && s.charCodeAt(end - 1) === 48) end--;
  if (end === e) return s;
  if (end === dot + 1) end = dot;
  return s.slice(0, end) + s.slice(e);
}

/**
 * time and interval in the ASCII writer (§5.4). 8.0/8.1: modp `dtoa(x, 6)` — `nan`, `inf`,
 * `%.16e` with zeros stripped from |x| ≥ 2^31 − 1, else exactly 6 decimals. 8.2+: C `%.6f`
 * (`std::to_chars` fixed 6, zeek v8.2.2 src/threading/Formatter.cc), NaN as `nan`/`-nan`.
 */
export function formatAsciiTime(x: number, profile: LogNumberProfile = 'zeek-8.0'): string {
  // 8.2+ uses std::to_chars, which prints a NaN's sign (x86-64's default NaN is negative).
  if (Number.isNaN(x)) return profile === 'zeek-8.2' && signBit(x) ? '-nan' : 'nan';
  if (profile === 'zeek-8.2') return fixed6(x);
  const neg = x < 0;
  const v = neg ? -x : x;
  if (v >= THRES_MAX) return stripExpZeros(printfExp(x, 16));
  modpSplit(v, split);
  const frac = split[1] as number;
  const f = String(frac);
  return `${neg ? '-' : ''}${split[0] as number}.${f.length < 6 ? '000000'.slice(f.length) + f : f}`;
}

/**
 * C `%.6f` of a non-NaN x straight into `out` ({@link fixed6}'s text): below 2^53 by
 * {@link putFixed6} (exact, without strings), above by the string path.
 */
export function writeFixed6(out: LogTextBuffer, x: number): void {
  if (!microsInRange(x < 0 ? -x : x)) {
    out.latin1(fixed6(x));
    return;
  }
  out.ensure(24);
  out.pos = putFixed6(out.buf, out.pos, x);
}

/** {@link formatAsciiDouble} of the 8.2 profile straight into `out` (same text). */
export function writeAsciiDouble82(out: LogTextBuffer, x: number): void {
  if (Number.isNaN(x) || x === 0 || !microsInRange(x < 0 ? -x : x)) {
    out.latin1(formatAsciiDouble(x, 'zeek-8.2'));
    return;
  }
  out.ensure(27);
  out.pos = putDouble82(out.buf, out.pos, x);
}

/**
 * {@link writeAsciiDouble82}'s text written at `q` for x ≠ 0 with |x| < 2^53 (not NaN): `%.6f`,
 * trailing zeros and a bare `.` dropped, `.0` when near an integer (at most 27 bytes; the caller
 * keeps room). Returns the end.
 */
export function putDouble82(buf: Uint8Array, q: number, x: number): number {
  const start = q;
  q = putFixed6(buf, q, x);
  while (q > start && buf[q - 1] === 48) q--;
  if (q > start && buf[q - 1] === 0x2e) q--;
  if (nearInteger(x)) {
    buf[q++] = 0x2e;
    buf[q++] = 48;
  }
  return q;
}

/**
 * {@link formatAsciiDouble} of the 8.0 profile (modp `dtoa3(x, 6)`) straight into `out` (same
 * text): modp's split digit by digit below 2^31 − 1, the string path above.
 */
export function writeAsciiDouble80(out: LogTextBuffer, x: number): void {
  const neg = x < 0;
  const v = neg ? -x : x;
  if (!(v < THRES_MAX)) {
    out.latin1(formatAsciiDouble(x, 'zeek-8.0')); // NaN, infinities, large values
    return;
  }
  modpSplit(v, split);
  if (neg) out.byte(0x2d);
  out.uint(split[0] as number);
  let frac = split[1] as number;
  if (frac !== 0) {
    let digits = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    out.byte(0x2e);
    // Zero padding up to `digits` (none when modp's uncarried 1000000 left fewer places).
    for (let n = decimalLength(frac); n < digits; n++) out.byte(0x30);
    out.uint(frac);
  }
  if (nearInteger(x)) out.latin1('.0');
}

/** Decimal digits of 0 < v < 10^7. */
function decimalLength(v: number): number {
  let n = 1;
  for (let t = v; t >= 10; t = Math.trunc(t / 10)) n++;
  return n;
}

/** Zeek's `approx_equal(d, nearbyint(d), 1e-9)` (src/Desc.cc `ODesc::Add(double)`). */
function nearInteger(x: number): boolean {
  let r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) r -= 1; // nearbyint rounds ties to even
  const d = x - r;
  return (d < 0 ? -d : d) < 1e-9;
}

/** Strips trailing zeros and then a trailing `.` from `%.6f` text (modp_dtoa3's big-value path). */
function stripFixedZeros(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  if (end > 0 && s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}

/**
 * double in the ASCII writer (§5.3): modp `dtoa3(x, 6)` (8.0/8.1) or exact `%.6f` (8.2+),
 * trailing zeros dropped, then `.0` when x is finite and within 1e-9 of an integer.
 */
export function formatAsciiDouble(x: number, profile: LogNumberProfile = 'zeek-8.0'): string {
  if (Number.isNaN(x)) return 'nan';
  let s: string;
  if (profile === 'zeek-8.2') {
    s = Object.is(x, -0) ? '0' : stripFixedZeros(fixed6(x));
  } else {
    const neg = x < 0;
    const v = neg ? -x : x;
    if (v >= THRES_MAX) s = stripFixedZeros(printfFixed(x, 6));
    else {
      modpSplit(v, split);
      let frac = split[1] as number;
      let digits = 6;
      let text = `${neg ? '-' : ''}${split[0] as number}`;
      if (frac !== 0) {
        while (frac % 10 === 0) {
          frac /= 10;
          digits--;
        }
        const f = String(frac);
        text += `.${f.length < digits ? '000000'.slice(0, digits - f.length) + f : f}`;
      }
      s = text;
    }
  }
  if (Number.isFinite(x) && nearInteger(x) && !s.includes('e')) s += '.0';
  return s;
}

/**
 * double, interval and TS_EPOCH time in the JSON writer (§6.1): rapidjson's `Writer::Double`
 * (Grisu2 digits, see grisu2.ts) in its layout: `1.0`, `1e30`, `1.5e-7`, `-0.0`; NaN and ±Inf
 * as `null` (Zeek's `NullDoubleWriter`).
 */
export function formatJsonNumber(x: number): string {
  if (!Number.isFinite(x)) return 'null';
  return rapidJsonDouble(x);
}

/** {@link formatJsonNumber} straight into a renderer's buffer. */
export function writeJsonNumber(out: LogTextBuffer, x: number): void {
  if (!Number.isFinite(x)) {
    out.latin1('null');
    return;
  }
  out.ensure(MAX_JSON_DOUBLE_LENGTH);
  out.pos = writeRapidJsonDouble(out.buf, out.pos, x);
}
