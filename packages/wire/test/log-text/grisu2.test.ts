import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fixturePath, readTextFixture } from '@zeek-relay/fixtures';
import {
  rapidJsonDouble,
  writeGrisu2Double,
  writeMicrosDouble,
  writeTenthMicrosDouble,
} from '../../src/log-text/grisu2.js';
import { formatJsonNumber } from '../../src/index.js';

/**
 * An independent reference for rapidjson's Grisu2 + Prettify, written from the algorithm's
 * definition in exact BigInt arithmetic (no 64-bit limbs, no shared tables): the boundaries
 * m− and m+ of the double, each scaled by the cached power 10^−K rounded to 64 bits, narrowed by
 * one unit; the digits are the shortest prefix of the scaled upper bound that stays inside the
 * narrowed interval, then moved down while that comes strictly closer to the scaled value.
 */
const powers = new Map<number, { c: bigint; s: number }>();

/** c = round(10^k · 2^s) with 2^63 ≤ c < 2^64 (the smallest such s). */
function cachedPower(k: number): { c: bigint; s: number } {
  const known = powers.get(k);
  if (known) return known;
  const num = k >= 0 ? 10n ** BigInt(k) : 1n;
  const den = k >= 0 ? 1n : 10n ** BigInt(-k);
  let s = 62 - (num.toString(2).length - den.toString(2).length);
  for (;;) {
    const n = s >= 0 ? num << BigInt(s) : num;
    const d = s >= 0 ? den : den << BigInt(-s);
    if (n / d >= 1n << 63n) {
      const found = { c: (n * 2n + d) / (2n * d), s };
      powers.set(k, found);
      return found;
    }
    s++;
  }
}

function referenceDigits(x: number): { digits: string; exp10: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const f = biased === 0 ? frac : frac | (1n << 52n);
  const e = biased === 0 ? -1074 : biased - 1075;
  const bitLength = (n: bigint): number => n.toString(2).length;
  const upper0 = 2n * f + 1n;
  const shiftUp = 64 - bitLength(upper0);
  const upper = upper0 << BigInt(shiftUp);
  const upperExp = e - 1 - shiftUp;
  const atPowerOfTwo = f === 1n << 52n;
  const lower =
    (atPowerOfTwo ? 4n * f - 1n : 2n * f - 1n) << BigInt((atPowerOfTwo ? e - 2 : e - 1) - upperExp);
  const value = f << BigInt(64 - bitLength(f));
  // The cached power: rapidjson's choice of k for this exponent, 10^k as a rounded 64-bit number.
  const dk = (-61 - upperExp) * 0.30102999566398114 + 347;
  const k = Math.ceil(dk);
  const k10 = -348 + (((k >> 3) + 1) << 3);
  const { c, s } = cachedPower(k10);
  const mul = (a: bigint): bigint => (a * c + (1n << 63n)) >> 64n;
  const W = mul(value);
  const Wp = mul(upper) - 1n;
  const Wm = mul(lower) + 1n;
  const unitExp = upperExp - s + 64; // binary exponent of the products
  const E = BigInt(-unitExp);
  const one = 1n << E;
  const delta = Wp - Wm;
  const p1 = Wp >> E;
  // Largest kappa with a prefix inside the interval (integer part: ≤, fraction: <).
  for (let kappa = p1.toString().length - 1; kappa >= 0; kappa--) {
    const ten = 10n ** BigInt(kappa) * one;
    const rest = Wp % ten;
    if (rest <= delta) return round(Wp / ten, rest, ten, delta, Wp - W, kappa - k10);
  }
  for (let kappa = -1; ; kappa--) {
    const scale = 10n ** BigInt(-kappa);
    const rest = (Wp * scale) % one;
    if (rest < delta * scale) {
      const ww = -kappa < 20 ? (Wp - W) * scale : 0n;
      return round((Wp * scale) >> E, rest, one, delta * scale, ww, kappa - k10);
    }
  }
  function round(
    d0: bigint,
    rest0: bigint,
    ten: bigint,
    delta0: bigint,
    ww: bigint,
    exp10: number,
  ): { digits: string; exp10: number } {
    let d = d0;
    let rest = rest0;
    while (rest < ww && delta0 - rest >= ten && (rest + ten < ww || ww - rest > rest + ten - ww)) {
      d -= 1n;
      rest += ten;
    }
    return { digits: d.toString(), exp10 };
  }
}

/** rapidjson's layout of digits × 10^exp10 (maxDecimalPlaces 324), as strings. */
function referenceText(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const { digits, exp10 } = referenceDigits(Math.abs(x));
  const n = digits.length;
  const kk = n + exp10;
  if (exp10 >= 0 && kk <= 21) return `${sign}${digits}${'0'.repeat(exp10)}.0`;
  if (kk > 0 && kk <= 21) return `${sign}${digits.slice(0, kk)}.${digits.slice(kk)}`;
  if (kk > -6 && kk <= 0) return `${sign}0.${'0'.repeat(-kk)}${digits}`;
  const mantissa = n === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${mantissa}e${kk - 1}`;
}

function doubleFromBits(bits: bigint): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits);
  return view.getFloat64(0);
}

/** Every number with a `.` or an exponent in the captured JSON logs, as Zeek 8.2.2 wrote it. */
function capturedDoubles(): string[] {
  const out: string[] = [];
  const logs = fixturePath('zeek-8.2', 'logs');
  for (const trace of readdirSync(logs)) {
    for (const file of readdirSync(fixturePath('zeek-8.2', 'logs', trace, 'json'))) {
      const text = readTextFixture('zeek-8.2', 'logs', trace, 'json', file);
      const token = /"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:e-?\d+)?)/g;
      for (let m = token.exec(text); m !== null; m = token.exec(text)) {
        if (m[1] !== undefined && /[.e]/.test(m[1])) out.push(m[1]);
      }
    }
  }
  return out;
}

/**
 * Property: wherever the fast path `fast` takes a value (not undefined), its text is `want`'s;
 * returns how many values it took of how many it saw.
 */
function agreesWhereTaken(
  values: fc.Arbitrary<number>,
  fast: (x: number) => string | undefined,
  want: (x: number) => string,
  numRuns: number,
): { taken: number; runs: number } {
  let taken = 0;
  let runs = 0;
  fc.assert(
    fc.property(values, (x) => {
      runs++;
      const f = fast(x);
      if (f === undefined) return;
      taken++;
      assert.equal(f, want(x), String(x));
    }),
    { numRuns },
  );
  return { taken, runs };
}

describe("rapidjson's Grisu2 (Zeek's JSON writer)", () => {
  it('writes every double of the captured Zeek 8.2.2 JSON logs as Zeek did', () => {
    const texts = capturedDoubles();
    assert.ok(texts.length > 2000, `only ${texts.length} doubles found`);
    let notShortest = 0;
    for (const text of texts) {
      const x = Number(text);
      assert.equal(rapidJsonDouble(x), text);
      assert.equal(formatJsonNumber(x), text);
      if (text !== String(x) && text !== `${String(x)}.0`) notShortest++;
    }
    // The recordings include cases where Grisu2 is not the shortest/closest form.
    assert.ok(notShortest >= 5, `only ${notShortest} non-shortest cases`);
  });

  it('pins the cases where Grisu2 differs from the shortest round-trip form', () => {
    const cases: [number, string, string][] = [
      // [value, Zeek/rapidjson, JavaScript's shortest]
      [1056991897.6499209, '1056991897.6499209', '1056991897.649921'],
      [0.009988784790039063, '0.009988784790039063', '0.009988784790039062'],
    ];
    for (const [x, zeek, shortest] of cases) {
      assert.equal(String(x), shortest);
      assert.equal(rapidJsonDouble(x), zeek);
      assert.equal(referenceText(x), zeek);
    }
  });

  it("follows rapidjson's layout: .0 after integers, exponents without +, -0.0", () => {
    const cases: [number, string][] = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1, '1.0'],
      [-2.5, '-2.5'],
      [1e20, '100000000000000000000.0'],
      [1e21, '1e21'],
      [1.5e21, '1.5e21'],
      [1e-6, '0.000001'],
      [1e-7, '1e-7'],
      [1.5e-7, '1.5e-7'],
      [3000000000, '3000000000.0'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e308'],
    ];
    for (const [x, text] of cases) assert.equal(rapidJsonDouble(x), text, String(x));
  });

  it('equals the BigInt reference at both ends of every binary exponent', () => {
    for (let biased = 0; biased < 2047; biased++) {
      for (const frac of [0n, 1n, (1n << 52n) - 1n, 0x5555555555555n]) {
        const x = doubleFromBits((BigInt(biased) << 52n) | frac);
        if (x === 0) continue;
        assert.equal(rapidJsonDouble(x), referenceText(x), `bits ${biased}/${frac}`);
      }
    }
  });

  it('equals the BigInt reference and round-trips for arbitrary doubles (property)', () => {
    const anyBits = fc
      .bigInt({ min: 0n, max: (1n << 64n) - 1n })
      .map(doubleFromBits)
      .filter((x) => Number.isFinite(x));
    const timestamps = fc.integer({ min: 0, max: 4102444800_000000 }).map((us) => us / 1e6);
    const durations = fc.double({ min: 0, max: 1e5, noNaN: true });
    fc.assert(
      fc.property(fc.oneof(anyBits, timestamps, durations), (x) => {
        const text = rapidJsonDouble(x);
        assert.equal(text, referenceText(x));
        assert.ok(Object.is(Number(text), x) || (x === 0 && Number(text) === 0), text);
      }),
      { numRuns: 30000 },
    );
  });
});

describe('Grisu2 fast path for whole microseconds (writeMicrosDouble)', () => {
  const buf = new Uint8Array(64);
  const text = (end: number): string => String.fromCharCode(...buf.subarray(0, end));
  const slow = (x: number): string => text(writeGrisu2Double(buf, 0, x));
  /** The fast path's text, or undefined when it declines. */
  const fast = (x: number): string | undefined => {
    const end = writeMicrosDouble(buf, 0, x);
    return end < 0 ? undefined : text(end);
  };
  /** x moved by `steps` units in the last place. */
  const nudge = (x: number, steps: number): number => {
    const v = new DataView(new ArrayBuffer(8));
    v.setFloat64(0, x);
    v.setBigUint64(0, v.getBigUint64(0) + BigInt(steps));
    return v.getFloat64(0);
  };

  it('agrees with Grisu2 on a large sample of timestamps, durations and their neighbours', () => {
    const seconds = fc.integer({ min: 0, max: 4294967295 });
    const us = fc.integer({ min: 0, max: 999999 });
    const micro = fc.tuple(seconds, us).map(([s, u]) => s + u / 1e6);
    const small = fc.tuple(fc.integer({ min: 0, max: 100 }), us).map(([s, u]) => s + u / 1e6);
    const near = fc
      .tuple(fc.oneof(micro, small), fc.integer({ min: -4, max: 4 }))
      .map(([x, k]) => nudge(x, k));
    const anyBelow = fc.double({ min: 1e-7, max: 4294967295, noNaN: true });
    const { taken, runs } = agreesWhereTaken(fc.oneof(micro, small, near, anyBelow), fast, slow, 200000);
    // Not dead code: most whole-microsecond values take it.
    assert.ok(taken > runs / 3, `fast path taken ${taken} of ${runs}`);
  });

  it('agrees with the BigInt reference wherever it is taken', () => {
    const micro = fc
      .tuple(fc.integer({ min: 0, max: 4294967295 }), fc.integer({ min: 0, max: 999999 }))
      .map(([s, u]) => s + u / 1e6);
    const near = fc.tuple(micro, fc.integer({ min: -3, max: 3 })).map(([x, k]) => nudge(x, k));
    agreesWhereTaken(fc.oneof(micro, near), fast, referenceText, 20000);
  });

  it('takes values 0.45–0.49 ulp from their decimal, with the BigInt reference text', () => {
    /** |x − D| / ulp(x) in exact arithmetic, D = x rounded to millionths. */
    const ulpDistance = (x: number): number => {
      const v = new DataView(new ArrayBuffer(8));
      v.setFloat64(0, x);
      const bits = v.getBigUint64(0);
      const e = Number(bits >> 52n) - 1075;
      const m = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
      // x·10^6·2^−e = m·10^6 exactly; D·10^6·2^−e = round(m·10^6 / 2^−e)·2^−e
      const num = e >= 0 ? (m * 10n ** 6n) << BigInt(e) : m * 10n ** 6n;
      const den = e >= 0 ? 1n : 1n << BigInt(-e);
      const d = (num + den / 2n) / den;
      const diff = num - d * den;
      const abs = diff < 0n ? -diff : diff;
      // in ulps: |x − D| / 2^e = (abs / den / 10^6) · den
      return Number(abs) / 1e6;
    };
    let band = 0;
    // A fixed linear congruential sequence, so a failure names a value that can be replayed.
    let seed = 20261205;
    for (let i = 0; i < 40000 && band < 200; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const us = Math.floor((seed / 2 ** 32) * 5_000_000);
      const x = i % 2 === 0 ? us / 1e6 : 1_600_000_000 + us / 1e6;
      const dist = ulpDistance(x);
      if (dist <= 0.45 || dist > 0.49) continue;
      const f = fast(x);
      assert.notEqual(f, undefined, `${x} (${dist} ulp) declined`);
      assert.equal(f, referenceText(x), String(x));
      band++;
    }
    assert.ok(band >= 100, `only ${band} values in the band`);
  });

  it('takes the usual log values and declines where Grisu2 is needed', () => {
    assert.equal(fast(1700000000.123456), '1700000000.123456');
    assert.equal(fast(0.000001), '0.000001');
    assert.equal(fast(120), '120.0');
    assert.equal(fast(3.5), '3.5');
    assert.equal(fast(0.1 + 0.2), undefined); // 0.30000000000000004
    assert.equal(fast(1056991897.6499209), undefined); // Grisu2 is not the 6-decimal form here
    assert.equal(fast(4294967297), undefined); // ≥ 2^32: the grid argument no longer holds
    assert.equal(fast(0.5), undefined); // powers of two: the lower boundary is closer
    assert.equal(fast(1e-7), undefined);
  });
});

describe('Grisu2 fast path for 7-decimal timestamps (writeTenthMicrosDouble)', () => {
  const buf = new Uint8Array(64);
  const text = (end: number): string => String.fromCharCode(...buf.subarray(0, end));
  const fast = (x: number): string | undefined => {
    const end = writeTenthMicrosDouble(buf, 0, x);
    return end < 0 ? undefined : text(end);
  };
  /** 2^29 ≤ x < 2^32, any bit pattern: every fraction the range can hold. */
  const inRange = fc.bigInt({ min: 0x41c0000000000000n, max: 0x41efffffffffffffn }).map((bits) => {
    const v = new DataView(new ArrayBuffer(8));
    v.setBigUint64(0, bits);
    return v.getFloat64(0);
  });
  /** Timestamps built as a sum of seconds and a not-whole fraction (the log sink benchmark's). */
  const sums = fc
    .tuple(
      fc.integer({ min: 536870912, max: 4294967295 }),
      fc.integer({ min: 0, max: 999999 }),
      fc.nat(100000),
    )
    .map(([s, u, k]) => s + k * 0.001234 + u / 1e6);

  it('agrees with the BigInt reference wherever it is taken, and takes most such values', () => {
    const { taken, runs } = agreesWhereTaken(fc.oneof(inRange, sums), fast, referenceText, 20000);
    // Not dead code: a third of these (a whole number of microseconds, near a tie or near a
    // 6-decimal value: declined) is expected to take it.
    assert.ok(taken > runs / 4, `fast path taken ${taken} of ${runs}`);
  });

  it('agrees with the full Grisu2 path on a large sample', () => {
    const slow = (x: number): string => text(writeGrisu2Double(buf, 0, x));
    agreesWhereTaken(fc.oneof(inRange, sums), fast, slow, 200000);
  });

  it('writes the captured Zeek 8.2.2 JSON doubles of its range as Zeek did (or declines)', () => {
    let taken = 0;
    for (const t of capturedDoubles()) {
      const f = fast(Number(t));
      if (f === undefined) continue;
      taken++;
      assert.equal(f, t);
    }
    assert.ok(taken > 0, 'no captured double took the path');
  });

  it('declines outside its range, near 6-decimal values and near ties', () => {
    // rapidjson's text (Zeek 8.2.2's recording): the 6-decimal …649921 is 0.5 ulp away.
    assert.equal(fast(1056991897.6499209), undefined);
    assert.equal(rapidJsonDouble(1056991897.6499209), '1056991897.6499209');
    assert.equal(fast(1700000000.123456), undefined); // a whole number of microseconds
    assert.equal(fast(1700000000.25), undefined); // a 6-decimal value itself
    assert.equal(fast(536870911.5000001), undefined); // below 2^29
    assert.equal(fast(2 ** 32 + 2 ** -20), undefined); // 2^32 and above
    assert.equal(fast(2 ** 31), undefined);
    // Exactly halfway between …0039062 and …0039063 (x + 2^−8·j, j odd, is a 7-decimal tie).
    assert.equal(fast(1700000000.00390625), undefined);
    assert.equal(rapidJsonDouble(1700000000.00390625), referenceText(1700000000.00390625));
  });
});
