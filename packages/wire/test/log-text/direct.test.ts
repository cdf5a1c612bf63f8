import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fixturePath, readJsonFixture, readTextFixture } from '@zeek-relay/fixtures';
import { printfFixed } from '../../src/log-text/exact-decimal.js';
import { putFixed6, putIpv4, wordRun } from '../../src/log-text/direct.js';
import { putDouble82 } from '../../src/log-text/numbers.js';
import { formatAsciiDouble } from '../../src/index.js';

/**
 * The writers of the per-schema record loops (direct.ts), on their own: the number text against
 * what real Zeek 8.2.2 loggers wrote and against C printf's definition (exact BigInt
 * implementation), the multi-byte stores against the bytes they stand for.
 */
const buf = new Uint8Array(128);
const view = new DataView(buf.buffer);
const text = (end: number): string => Buffer.from(buf.subarray(0, end)).toString('latin1');

/** Every time and interval field of the Zeek 8.2.2 TSV recordings, as the logger wrote it. */
function capturedTimes(): string[] {
  const out: string[] = [];
  const logs = fixturePath('zeek-8.2', 'logs');
  for (const trace of readdirSync(logs)) {
    for (const file of readdirSync(fixturePath('zeek-8.2', 'logs', trace, 'tsv'))) {
      const lines = readTextFixture('zeek-8.2', 'logs', trace, 'tsv', file).split('\n');
      const types =
        lines
          .find((l) => l.startsWith('#types\t'))
          ?.split('\t')
          .slice(1) ?? [];
      const cols = types.flatMap((t, i) => (t === 'time' || t === 'interval' ? [i] : []));
      for (const line of lines) {
        if (line === '' || line.startsWith('#')) continue;
        const fields = line.split('\t');
        for (const i of cols) {
          const f = fields[i] as string;
          if (f !== '-' && f !== '(empty)') out.push(f);
        }
      }
    }
  }
  return out;
}

/** A double from its big-endian bits in hex (the profile vectors' form). */
function f64(hex: string): number {
  return new DataView(Uint8Array.from(Buffer.from(hex, 'hex')).buffer).getFloat64(0);
}

describe('putFixed6 (TSV time and interval, Zeek 8.2+)', () => {
  it('writes every time and interval of the Zeek 8.2.2 TSV recordings as the logger did', () => {
    const times = capturedTimes();
    assert.ok(times.length > 500, `only ${times.length} values`);
    // Both ways of splitting the fraction: timestamps (≥ 2^26) and durations (< 2^26).
    assert.ok(times.some((t) => Number(t) >= 2 ** 26) && times.some((t) => Number(t) < 2 ** 26));
    for (const t of times) assert.equal(text(putFixed6(buf, 0, Number(t))), t);
  });

  it("writes the profile vectors' times as Zeek 8.2.2 did", () => {
    const { cases } = readJsonFixture<{
      cases: { writer: string; type: string; value: { f64?: string }; expected: Record<string, string> }[];
    }>('log-profiles', 'differences.json');
    const times = cases.filter((c) => c.writer === 'tsv' && c.type !== 'double' && c.value.f64 !== undefined);
    const x86Nan = 'fff8000000000000';
    const finite = times.filter((c) => c.value.f64 !== x86Nan);
    assert.ok(finite.length >= 3);
    for (const c of finite)
      assert.equal(text(putFixed6(buf, 0, f64(c.value.f64 as string))), c.expected['8.2']);
  });

  it('equals C printf %.6f of the exact binary value (property, both sides of 2^26)', () => {
    const values = fc.oneof(
      fc.double({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1, noNaN: true }),
      fc.double({ min: 2 ** 26, max: 2 ** 33, noNaN: true }),
      fc.double({ min: -1e-5, max: 1e-5, noNaN: true }),
      fc.integer().map((i) => i / 128), // exact binary ties of the 6th decimal
      fc.integer({ min: 2 ** 26 * 128, max: 2 ** 45 }).map((i) => i / 128), // ties above 2^26
      fc
        .tuple(fc.integer({ min: 0, max: 4294967295 }), fc.integer({ min: 0, max: 999999 }), fc.nat(100000))
        .map(([s, u, k]) => s + k * 0.001234 + u / 1e6),
      fc.constantFrom(
        0,
        -0,
        2 ** 26,
        2 ** 26 - 2 ** -27,
        2 ** 31 - 1e-7,
        1e9,
        999999999.9999995,
        2 ** 53 - 1,
      ),
      // Below 2^26, near the half-millionth: the rounded product alone cannot decide these.
      fc
        .tuple(
          fc.integer({ min: 0, max: 100000 }),
          fc.integer({ min: 0, max: 999999 }),
          fc.integer({ min: -8, max: 8 }),
        )
        .map(([s, u, k]) => {
          const v = new DataView(new ArrayBuffer(8));
          v.setFloat64(0, s + (u + 0.5) / 1e6);
          v.setBigInt64(0, v.getBigInt64(0) + BigInt(k));
          return v.getFloat64(0);
        }),
    );
    fc.assert(
      fc.property(values, (x) => assert.equal(text(putFixed6(buf, 0, x)), printfFixed(x, 6), String(x))),
      { numRuns: 100000 },
    );
  });
});

describe('putDouble82 (TSV double, Zeek 8.2+)', () => {
  it("writes the profile vectors' doubles as Zeek 8.2.2 did", () => {
    assert.equal(text(putDouble82(buf, 0, f64('3ea0c6f7a0b5ed8d'))), '0'); // 5e-7
    assert.equal(text(putDouble82(buf, 0, f64('3feffffef39085f5'))), '1'); // 0.9999995
  });

  it('equals the string formatter (exact printf, stripped, .0 near integers) (property)', () => {
    const values = fc
      .oneof(
        fc.double({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1, noNaN: true }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.integer({ min: -8000, max: 8000 }).map((i) => i / 8),
        fc.integer().map((i) => i / 128),
        fc.constantFrom(1e-7, -1e-7, 1e-9, 1e15, -2, 3.0000000001),
      )
      .filter((x) => x !== 0);
    fc.assert(
      fc.property(values, (x) =>
        assert.equal(text(putDouble82(buf, 0, x)), formatAsciiDouble(x, 'zeek-8.2'), String(x)),
      ),
      { numRuns: 50000 },
    );
  });
});

describe('multi-byte stores', () => {
  it('putIpv4 writes dotted decimal for every octet value in every position', () => {
    for (let o = 0; o < 256; o++) {
      for (const addr of [
        [o, 0, 0, 0],
        [1, o, 22, 255],
        [100, 9, o, 1],
        [255, 255, 255, o],
      ]) {
        buf.fill(0x7e);
        const end = putIpv4(view, 3, Uint8Array.from(addr), 0);
        assert.equal(text(end).slice(3), addr.join('.'));
        assert.equal(buf[2], 0x7e, 'nothing before q');
      }
    }
  });

  it('wordRun holds a run as big-endian words, the last zero padded, for every length up to 13', () => {
    for (let n = 0; n <= 13; n++) {
      const m = Uint8Array.from({ length: n }, (_, i) => 0x41 + i * 7);
      const run = wordRun(m);
      assert.equal(run.length, n);
      assert.equal(run.words.length, Math.ceil(n / 4));
      const back = new DataView(new ArrayBuffer(run.words.length * 4));
      run.words.forEach((w, j) => back.setInt32(4 * j, w));
      const bytes = new Uint8Array(back.buffer);
      assert.deepEqual([...bytes.subarray(0, n)], [...m]);
      assert.ok(bytes.subarray(n).every((b) => b === 0));
    }
  });
});
