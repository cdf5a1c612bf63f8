/**
 * Exact decimal formatting of binary64 values with C printf semantics (`%.Nf`, `%.Ne`: the exact
 * binary value, rounded to nearest with ties to even). JavaScript's `toFixed`/`toExponential`
 * round exact ties away from zero and switch to exponent notation at 1e21, so the rare cases use
 * BigInt arithmetic here.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian host → word 1 is high

/** The sign bit of `x`, also for NaN (V8 keeps the bits of a NaN read from a payload). */
export function signBit(x: number): boolean {
  f64[0] = x;
  return ((u32[HI] as number) & 0x8000_0000) !== 0;
}

/** |x| (finite, non-zero) as D × 10^k with D a decimal digit string. */
function exactDigits(x: number): { digits: bigint; exp10: number } {
  f64[0] = Math.abs(x);
  const hi = u32[HI] as number;
  const lo = u32[1 - HI] as number;
  const e = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (e === 0) exp2 = -1074;
  else {
    m |= 1n << 52n;
    exp2 = e - 1075;
  }
  if (exp2 >= 0) return { digits: m << BigInt(exp2), exp10: 0 };
  return { digits: m * 5n ** BigInt(-exp2), exp10: exp2 };
}

/** Rounds D × 10^k to an integer multiple of 10^-shift … returns round(D / 10^drop), ties to even. */
function roundDrop(d: bigint, drop: number): bigint {
  if (drop <= 0) return d * 10n ** BigInt(-drop);
  const div = 10n ** BigInt(drop);
  const q = d / div;
  const r2 = (d % div) * 2n;
  if (r2 > div || (r2 === div && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function special(x: number): string | undefined {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return undefined;
}

/** C `printf("%.<prec>f", x)`. */
export function printfFixed(x: number, prec: number): string {
  const s = special(x);
  if (s !== undefined) return s;
  const neg = x < 0 || Object.is(x, -0);
  let r: bigint;
  if (x === 0) r = 0n;
  else {
    const { digits, exp10 } = exactDigits(x);
    r = roundDrop(digits, -(exp10 + prec));
  }
  let t = r.toString();
  if (prec > 0) {
    if (t.length <= prec) t = '0'.repeat(prec + 1 - t.length) + t;
    t = `${t.slice(0, t.length - prec)}.${t.slice(t.length - prec)}`;
  }
  return neg ? `-${t}` : t;
}

/** C `printf("%.<prec>e", x)`. */
export function printfExp(x: number, prec: number): string {
  const s = special(x);
  if (s !== undefined) return s;
  const neg = x < 0 || Object.is(x, -0);
  let mant: string;
  let e10: number;
  if (x === 0) {
    mant = '0'.repeat(prec + 1);
    e10 = 0;
  } else {
    const { digits, exp10 } = exactDigits(x);
    const len = digits.toString().length;
    let q = roundDrop(digits, len - (prec + 1));
    e10 = len - 1 + exp10;
    mant = q.toString();
    if (mant.length > prec + 1) {
      q /= 10n;
      mant = q.toString();
      e10++;
    }
  }
  const frac = mant.slice(1);
  const ae = Math.abs(e10);
  const text = `${mant[0] ?? '0'}${prec > 0 ? `.${frac}` : ''}e${e10 < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  return neg ? `-${text}` : text;
}

/**
 * `%.6f` for the hot path: `toFixed(6)` is exact except on exact binary ties (x·128 an odd
 * integer, the only doubles exactly halfway between two 6-decimal values), where C rounds to
 * even and `toFixed` away from zero; and it switches notation at 1e21.
 */
export function fixed6(x: number): string {
  const a = Math.abs(x);
  if (!(a < 1e21)) return printfFixed(x, 6);
  let s = x.toFixed(6);
  const t = a * 128;
  if (Number.isInteger(t) && t % 2 === 1) {
    const last = s.charCodeAt(s.length - 1);
    if ((last & 1) === 1) s = s.slice(0, -1) + String.fromCharCode(last - 1);
  }
  if (Object.is(x, -0)) return `-${s}`;
  return s;
}
