/**
 * captured/receiver-checks.json: crafted messages sent to a Zeek 8.0.10 node. Everything Zeek
 * could not even parse (frame count, format, payload decoding, envelope shape) must fail here
 * with DecodeError; everything it parsed must decode. Type conversion against event
 * declarations is not a codec concern.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeError,
  FORMAT_BROKER_BIN_V1,
  decodeEvent,
  decodeEventFrames,
  encodeEvent,
} from '../../src/index.js';
import { hex, loadFixture, toHex } from '../helpers/broker-fixtures.js';

interface Case {
  name: string;
  frames_hex: string[];
  accepted: boolean;
  reporter: string[];
}
const fx = loadFixture<{ events: Case[]; malformed_envelopes: { cases: Case[] } }>(
  'captured/receiver-checks.json',
);

// Deliberate: we reject what Broker's validity check rejects and what broker-bin-v1.md §2.1 recommends.
const STRICTER = new Set(['varbyte-6', 'meta-wrongtype']);

function parsedByZeek(c: Case): boolean {
  if (c.frames_hex.length !== 4) return false;
  return (
    !c.reporter.some((r) => /Failed to lookup handler for ''|Wrong format|expected 4 parts/.test(r)) &&
    !(c.reporter.length === 1 && /Failed to unserialize message/.test(c.reporter[0] as string))
  );
}

/** Replaces exactly one occurrence of `from` (so a derivation cannot silently do nothing). */
function once(h: string, from: string, to: string): string {
  assert.equal(h.split(from).length, 2, `exactly one ${from} in ${h}`);
  return h.replace(from, to);
}

/**
 * Accepted non-canonical input → the bytes our encoder writes for the decoded event (broker-bin-v1.md
 * §3; wire README "Documented choices": sets sorted, minimal varints, booleans 00/01, version/type
 * 1/1, reals in CAF's packing with IEEE NaN/Inf bit patterns read as ±Infinity the way the Zeek
 * receiver saw them, subnormals flushed to 0).
 */
const CANONICAL: Record<string, (h: string) => string> = {
  // set{10, 2} → Broker order 2, 10
  'unsorted-set': (h) =>
    once(h, '0c0202000000000000000a020000000000000002', '0c0202000000000000000202000000000000000a'),
  // string length 85 00 (over-long 5) → 05
  'nonminimal-varint': (h) => once(h, '05850068656c6c6f', '050568656c6c6f'),
  // boolean body 02 (after the label "nonzero") → 01 (true)
  'bool-02': (h) => once(h, '6e6f6e7a65726f0102', '6e6f6e7a65726f0101'),
  // version 2, type 5 → 1, 1
  'version-2-type-5': (h) =>
    once(h, '0200000000000000020200000000000000050e02', '0200000000000000010200000000000000010e02'),
  // IEEE quiet NaN bits: Zeek saw +inf; CAF's +Infinity is fff0…
  'ieee-nan': (h) => once(h, '047ff8000000000000', '04fff0000000000000'),
  // IEEE signalling NaN bits: Zeek saw +inf too
  'other-nan': (h) => once(h, '047ff0000000000001', '04fff0000000000000'),
  // IEEE +Infinity bits are CAF's -Infinity (Zeek saw -inf): written back unchanged
  'ieee-inf': (h) => h,
  // IEEE bits of 1e-310 read as the tiny value 1.1175369292536009e-308 (Zeek saw it), a subnormal: written as +0
  'ieee-subnormal': (h) => once(h, '04000012688b70e62b', '040000000000000000'),
};

describe('receiver checks', () => {
  for (const c of [...fx.events, ...fx.malformed_envelopes.cases]) {
    it(c.name, () => {
      const frames = c.frames_hex.map(hex);
      const decode = () => {
        const m = decodeEventFrames(frames);
        if (m.format !== FORMAT_BROKER_BIN_V1)
          throw new DecodeError('ZR_WIRE_UNKNOWN_TAG', 2, 'wrong format');
        return decodeEvent(m.payload);
      };
      const content1 =
        c.name === 'content-1-element' || c.name === 'args-not-vector' || c.name === 'name-not-string';
      if (STRICTER.has(c.name) || content1 || !parsedByZeek(c)) {
        assert.throws(decode, DecodeError);
        return;
      }
      const ev = decode();
      // Re-encoding gives the input back, or, for input Zeek accepts in a non-canonical form, our
      // encoder's canonical bytes (derived by hand below from wire README "Documented choices").
      const input = c.frames_hex[3] as string;
      assert.equal(toHex(encodeEvent(ev)), (CANONICAL[c.name] ?? ((h: string) => h))(input));
    });
  }
});
