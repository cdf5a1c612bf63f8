/**
 * Exact arithmetic on the fraction of a double in millionths, without BigInt or strings: the
 * fast paths of `%.6f` (the ASCII writer's time, interval and double text on Zeek 8.2+) and of
 * rapidjson's Grisu2 for values that are a whole number of microseconds (the JSON writer's
 * timestamps). Both are checked against their exact slow paths by property tests.
 *
 * For 2^−26 ≤ |x| < 2^53, with w = trunc(|x|) and f = |x| − w (exact), f × 10^6 is the exact sum
 * A + B of two doubles: f splits into fh = ⌊f·2^39⌋/2^39 and fl = f − fh, and both products are
 * exact (fh·2^39 · 15625 < 2^53, and fl holds fewer than 39 significant bits because |x| ≥ 2^−26);
 * the factor 64 of 10^6 = 15625 · 64 only moves the exponent. The comparisons below take the sign
 * of a rounded sum, which IEEE addition always gets right.
 */

const TWO39 = 2 ** 39;
const TWO53 = 2 ** 53;
/**
 * From 2^26 on the ulp is at least 2^−26, so a fraction f = m·2^−26 (m < 2^26) times 10^6 =
 * m·15625·2^−20 is exact in a double, and so is its distance to the nearest integer.
 */
export const EXACT_MICROS_FROM = 2 ** 26;
/** Below this, |x| × 10^6 < 0.015: the millionths round to 0 (and the split above is not exact). */
const TINY = 2 ** -26;

/**
 * Results of {@link splitMicros} (no allocation): whole part, millionths rounded half to even
 * (0 … 999999, carried into the whole part), and the distance |x − result| in millionths
 * (approximate: rounded once, relative error 2^−53).
 */
export const micros = { whole: 0, frac: 0, distance: 0 };

/**
 * Splits 0 ≤ a < 2^53 (a not NaN) into `micros` as C's `%.6f` rounds it: the exact binary value,
 * ties to even.
 */
export function splitMicros(a: number): void {
  let whole = Math.trunc(a);
  const f = a - whole;
  if (a >= EXACT_MICROS_FROM) {
    // f·10^6 and its rest are exact here: the rounding is decided directly.
    const t = f * 1e6;
    let r = Math.floor(t);
    const rest = t - r;
    if (rest > 0.5 || (rest === 0.5 && (r & 1) === 1)) r++;
    micros.distance = r > t ? r - t : t - r;
    if (r === 1e6) {
      r = 0;
      whole++;
    }
    micros.whole = whole;
    micros.frac = r;
    return;
  }
  if (f === 0 || a < TINY) {
    micros.whole = whole;
    micros.frac = 0;
    micros.distance = f * 1e6;
    return;
  }
  const fh = Math.floor(f * TWO39) / TWO39;
  const hi = fh * 1e6;
  const lo = (f - fh) * 1e6;
  let r = Math.floor(hi);
  const d = hi - r; // exact: hi is a multiple of 2^−33 below 10^6
  if (d - 1 + lo >= 0) r += 1;
  else {
    const t = d - 0.5 + lo;
    if (t > 0 || (t === 0 && (r & 1) === 1)) r += 1;
  }
  // |r − (hi + lo)|: r − hi is exact, the subtraction of lo rounds once.
  const dist = r - hi - lo;
  micros.distance = dist < 0 ? -dist : dist;
  if (r >= 1e6) {
    r -= 1e6;
    whole += 1;
  }
  micros.whole = whole;
  micros.frac = r;
}

/** Whether `splitMicros` can take `a` (finite and below 2^53). */
export function microsInRange(a: number): boolean {
  return a < TWO53;
}
