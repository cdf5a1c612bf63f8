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
      // Canonical re-encoding equals the input whenever the input was canonical.
      if (
        ![
          'unsorted-set',
          'nonminimal-varint',
          'bool-02',
          'version-2-type-5',
          'ieee-nan',
          'ieee-inf',
          'ieee-subnormal',
          'other-nan',
        ].includes(c.name)
      ) {
        assert.equal(toHex(encodeEvent(ev)), c.frames_hex[3]);
      }
    });
  }
});
