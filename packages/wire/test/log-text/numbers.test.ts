import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fixed6, printfExp, printfFixed } from '../../src/log-text/exact-decimal.js';
import { writeAsciiDouble80, writeAsciiDouble82, writeFixed6 } from '../../src/log-text/numbers.js';
import { LogTextBuffer } from '../../src/log-text/text-buffer.js';
import {
  formatAsciiDouble,
  formatAsciiTime,
  formatIso8601,
  formatLogAddr,
  parseLogAddr,
} from '../../src/index.js';

describe('C printf semantics (exact binary value, ties to even)', () => {
  it('%.6f on exact binary ties rounds to even, unlike toFixed', () => {
    assert.equal((0.0078125).toFixed(6), '0.007813');
    assert.equal(printfFixed(0.0078125, 6), '0.007812');
    assert.equal(fixed6(0.0078125), '0.007812');
    assert.equal(fixed6(-0.0078125), '-0.007812');
    assert.equal(fixed6(0.0234375), '0.023438'); // 23437.5 → even 23438
    assert.equal(fixed6(-0), '-0.000000');
    assert.equal(fixed6(1e21), '1000000000000000000000.000000');
    assert.equal(fixed6(2385642157), '2385642157.000000');
  });
  it('%.16e on a tie at the 17th digit rounds to even', () => {
    const x = 2147483648 + 1 / 256; // 2147483648.00390625 exactly
    assert.equal(printfExp(x, 16), '2.1474836480039062e+09');
    assert.equal(printfExp(2385642157, 16), '2.3856421570000000e+09');
    assert.equal(printfExp(1e300, 2), '1.00e+300');
    assert.equal(printfExp(-Infinity, 16), '-inf');
  });
  it('fixed6 agrees with the BigInt implementation', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true }),
          fc.integer().map((i) => i / 128),
        ),
        (x) => {
          assert.equal(fixed6(x), printfFixed(x, 6));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('8.0 modp formatting beyond 2^31 − 1 (log-batch.md §5.3/5.4)', () => {
  it('time switches to %.16e with stripped zeros, double to %.6f', () => {
    assert.equal(formatAsciiTime(2385642157), '2.385642157e+09');
    assert.equal(formatAsciiTime(-2385642157.5), '-2.3856421575e+09');
    assert.equal(formatAsciiTime(Infinity), 'inf');
    assert.equal(formatAsciiDouble(1e21), '1000000000000000000000.0');
    assert.equal(formatAsciiDouble(123456789.12345679), '123456789.123457');
  });
  it('8.2 profile keeps fixed notation', () => {
    assert.equal(formatAsciiTime(2385642157, 'zeek-8.2'), '2385642157.000000');
    assert.equal(formatAsciiTime(-0, 'zeek-8.2'), '-0.000000');
    assert.equal(formatAsciiDouble(-0, 'zeek-8.2'), '0.0');
    // std::to_chars prints the NaN sign; Zeek on x86-64 produces the negative default NaN.
    const x86Nan = new DataView(Uint8Array.from([0xff, 0xf8, 0, 0, 0, 0, 0, 0]).buffer).getFloat64(0);
    assert.equal(formatAsciiTime(x86Nan, 'zeek-8.2'), '-nan');
    assert.equal(formatAsciiTime(x86Nan, 'zeek-8.0'), 'nan');
    assert.equal(formatAsciiDouble(x86Nan, 'zeek-8.2'), 'nan');
  });
});

describe('addresses and ISO 8601', () => {
  it('formats IPv6 like zeek_inet_ntop6 and parses back', () => {
    for (const text of [
      '::',
      '::1',
      '2001:db8::1',
      'fe80::1',
      '2001:db8::1:0:0:1',
      '::1.2.3.4',
      '::ffff:1.2.3.4',
      '1:0:0:2::3',
    ]) {
      assert.equal(formatLogAddr(parseLogAddr(text)), text);
    }
  });
  it('ISO 8601 of floor(t) with the fraction as %06.0f', () => {
    assert.equal(formatIso8601(1700000000.5), '2023-11-14T22:13:20.500000Z');
    assert.equal(formatIso8601(0), '1970-01-01T00:00:00.000000Z');
    assert.equal(formatIso8601(NaN), '2000-01-01T00:00:00.000000');
  });
});

describe('%.6f and the 8.2 double written digit by digit (micro-decimal.ts)', () => {
  const out = new LogTextBuffer(64);
  const fixed = (x: number): string => {
    out.pos = 0;
    writeFixed6(out, x);
    return Buffer.from(out.buf.subarray(0, out.pos)).toString('latin1');
  };
  const double82 = (x: number): string => {
    out.pos = 0;
    writeAsciiDouble82(out, x);
    return Buffer.from(out.buf.subarray(0, out.pos)).toString('latin1');
  };
  const values = fc.oneof(
    fc.double({ noNaN: true }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.double({ min: -1e-5, max: 1e-5, noNaN: true }),
    fc.integer().map((i) => i / 128), // exact binary ties of the 6th decimal
    fc.integer({ min: -(2 ** 30), max: 2 ** 30 }).map((i) => i / 2 ** 27),
    fc
      .tuple(fc.integer({ min: 0, max: 4294967295 }), fc.integer({ min: 0, max: 999999 }))
      .map(([s, u]) => s + u / 1e6),
    fc.constantFrom(2 ** -26, -(2 ** -26), 2 ** 19, 2 ** 52 + 1, 2 ** 53 - 1, 2 ** 53, 0.9999995, 0.0000005),
  );

  it('writeFixed6 equals exact printf %.6f (property)', () => {
    fc.assert(
      fc.property(values, (x) => assert.equal(fixed(x), printfFixed(x, 6), String(x))),
      { numRuns: 100000 },
    );
    assert.equal(fixed(-0), '-0.000000');
    assert.equal(fixed(0.0078125), '0.007812');
    assert.equal(fixed(-1e-9), '-0.000000');
    assert.equal(fixed(Infinity), 'inf');
  });

  const double80 = (x: number): string => {
    out.pos = 0;
    writeAsciiDouble80(out, x);
    return Buffer.from(out.buf.subarray(0, out.pos)).toString('latin1');
  };
  it('writeAsciiDouble80 equals formatAsciiDouble on the 8.0 profile (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(values, fc.constant(NaN), fc.constant(-0), fc.constant(Infinity), fc.constant(-Infinity)),
        (x) => assert.equal(double80(x), formatAsciiDouble(x, 'zeek-8.0'), String(x)),
      ),
      { numRuns: 50000 },
    );
    // modp's uncarried rounding (frac 1000000), padding, trailing zeros, near-integers, 2^31 − 1.
    for (const x of [0.9999995, 1.9999999, 0.0000005, 0.05, 0.000001, 12.5, -0.0000001, 2147483647 - 1e-7]) {
      assert.equal(double80(x), formatAsciiDouble(x, 'zeek-8.0'), String(x));
    }
    for (const x of [2147483647, 2147483648.5, -2147483647, 1e300]) {
      assert.equal(double80(x), formatAsciiDouble(x, 'zeek-8.0'), String(x));
    }
  });

  it('writeAsciiDouble82 equals formatAsciiDouble on the 8.2 profile (property)', () => {
    fc.assert(
      fc.property(fc.oneof(values, fc.constant(NaN), fc.constant(-0)), (x) =>
        assert.equal(double82(x), formatAsciiDouble(x, 'zeek-8.2'), String(x)),
      ),
      { numRuns: 50000 },
    );
  });
});
