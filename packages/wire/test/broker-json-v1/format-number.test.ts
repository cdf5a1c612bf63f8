/**
 * Number/time text of Broker JSON v1. Expected %f strings were produced by C-style formatting
 * with exact round-half-even (CPython's '%f', the same result as glibc printf) and are literals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatRealFixed6,
  formatTimespan,
  formatTimestamp,
  parseTimespan,
  parseTimestamp,
} from '../../src/index.js';

const FIXED6: [number, string][] = [
  [0.0078125, '0.007812'],
  [-0.0078125, '-0.007812'],
  [2.5e-7, '0.000000'],
  [1.0000005, '1.000001'],
  [0.5, '0.500000'],
  [1e-7, '0.000000'],
  [123456.1234567, '123456.123457'],
  [1e21, '1000000000000000000000.000000'],
  [
    1.5e300,
    '1500000000000000078757140382806630373056702871662238732373781173267703686983362293679557062620671796065556665749325817265413784853040645863467188277180060474272580801389863705606745350692182135089053429852456199917621678558451461320111979114170213741868888183230085264257173504208294580298189100810240.000000',
  ],
  [0.1, '0.100000'],
  [0.046875, '0.046875'],
  [0.3333333333333333, '0.333333'],
  [-1e-9, '-0.000000'],
  [4503599627370495.5, '4503599627370495.500000'],
  [9007199254740992.0, '9007199254740992.000000'],
  [
    1.7976931348623157e308,
    '179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.000000',
  ],
  [5e-324, '0.000000'],
  [1.5e-6, '0.000002'],
  [2.5e-6, '0.000003'],
  [3.5e-6, '0.000003'],
  [1e-6, '0.000001'],
  [0.0234375, '0.023438'],
  [0.0390625, '0.039062'],
  [7.8203125, '7.820312'],
  [-0.0546875, '-0.054688'],
  [96.44921875, '96.449219'],
  [1e20, '100000000000000000000.000000'],
  [1.2345678901234568e17, '123456789012345680.000000'],
  [-0.0, '-0.000000'],
  [0.0, '0.000000'],
];

describe('formatRealFixed6 (C %f)', () => {
  for (const [x, expected] of FIXED6) {
    it(`${Object.is(x, -0) ? '-0' : x} -> ${expected.length > 40 ? expected.slice(0, 20) + '…' : expected}`, () => {
      assert.equal(formatRealFixed6(x), expected);
    });
  }
});

describe('timestamps and timespans', () => {
  // Values and texts from websocket-types.json (Zeek 8.0.10 output).
  const TS: [bigint, string][] = [
    [1700000000123456000n, '2023-11-14T22:13:20.123'],
    [1700000000500000000n, '2023-11-14T22:13:20.500'],
    [-1500000000n, '1969-12-31T23:59:59.000'],
    [1234567890n, '1970-01-01T00:00:01.234'],
    [0n, '1970-01-01T00:00:00.000'],
    [4711000000000n, '1970-01-01T01:18:31.000'],
  ];
  for (const [ns, text] of TS) it(`timestamp ${ns}`, () => assert.equal(formatTimestamp(ns), text));
  const SPAN: [bigint, string][] = [
    [1500000000n, '1500ms'],
    [-250000000n, '-250ms'],
    [1000n, '1us'],
    [300000000n, '300ms'],
    [86400000000000n, '86400s'],
    [0n, '0s'],
    [1234567n, '1234567ns'],
    [120000000000n, '120s'],
  ];
  for (const [ns, text] of SPAN) it(`timespan ${ns}`, () => assert.equal(formatTimespan(ns), text));

  it('parses every accepted timestamp form (websocket-types inputs)', () => {
    const t = 1700000000000000000n;
    assert.equal(parseTimestamp('2023-11-14T22:13:20'), t);
    assert.equal(parseTimestamp('2023-11-14T23:13:20+01:00'), t);
    assert.equal(parseTimestamp('2023-11-14T23:13:20+01'), t);
    assert.equal(parseTimestamp('2023-11-14T23:13:20+0100'), t);
    assert.equal(parseTimestamp('2023-11-14T21:13:20-01:00'), t);
    assert.equal(parseTimestamp('2023-11-14T22:13:20Z'), t);
    assert.equal(parseTimestamp('2023-11-14T22:13:20.123456789'), t + 123456789n);
    assert.equal(parseTimestamp('1969-12-31T23:59:58.500'), -1500000000n);
    assert.equal(parseTimestamp('2023-11-14 22:13:20'), undefined);
    assert.equal(parseTimestamp('2023-02-29T00:00:00'), undefined);
    assert.equal(parseTimestamp('2024-02-29T00:00:00'), 1709164800000000000n);
  });

  it('parses timespans like Zeek 8.0.10', () => {
    assert.equal(parseTimespan('1500ms'), 1500000000n);
    assert.equal(parseTimespan('-2us'), -2000n);
    assert.equal(parseTimespan('2min'), 120000000000n);
    assert.equal(parseTimespan('1h'), 3600000000000n);
    assert.equal(parseTimespan('1.5s'), 1500000000n);
    assert.equal(parseTimespan('1d'), undefined);
    assert.equal(parseTimespan('s'), undefined);
  });
});
