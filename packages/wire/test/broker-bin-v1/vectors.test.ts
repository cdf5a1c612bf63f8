import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeError,
  dataEquals,
  decodeBrokerData,
  decodeEvent,
  encodeBrokerData,
  encodeEvent,
} from '../../src/index.js';
import {
  fromVector,
  fromVectorEvent,
  hex,
  loadFixture,
  toHex,
  type VectorValue,
} from '../helpers/broker-fixtures.js';

interface DataVector {
  name: string;
  hex: string;
  decoded: VectorValue;
  decode_only?: boolean;
}
interface EventVector extends DataVector {
  event: Parameters<typeof fromVectorEvent>[0];
}

// broker-bin-v1.md §3.5: Broker's builder keeps insertion order; Zeek (and we) write sorted sets.
const CANONICAL: Record<string, string> = {
  'set-two-strings-builder-order': '0c02050662726f6b6572050568656c6c6f',
};

for (const file of ['broker-data.json', 'zeek-to-broker.json']) {
  describe(`broker-bin-v1 ${file}`, () => {
    for (const v of loadFixture<{ vectors: DataVector[] }>(file).vectors) {
      it(v.name, () => {
        const expected = fromVector(v.decoded);
        assert.deepStrictEqual(decodeBrokerData(hex(v.hex)), expected);
        const reencoded = encodeBrokerData(expected);
        if (v.name in CANONICAL) assert.equal(toHex(reencoded), CANONICAL[v.name]);
        else if (!v.decode_only) assert.equal(toHex(reencoded), v.hex);
        // decode-only inputs: re-encoding gives Zeek's canonical form of the same value.
        else assert.ok(dataEquals(decodeBrokerData(reencoded), expected));
      });
    }
  });
}

describe('broker-bin-v1 broker-invalid.json', () => {
  for (const v of loadFixture<{ vectors: { name: string; hex: string }[] }>('broker-invalid.json').vectors) {
    it(v.name, () => {
      assert.throws(() => decodeBrokerData(hex(v.hex)), DecodeError);
    });
  }
});

for (const file of ['events.json', 'captured/zeromq-events.json']) {
  describe(`broker-bin-v1 events ${file}`, () => {
    for (const v of loadFixture<{ vectors: EventVector[] }>(file).vectors) {
      it(v.name, () => {
        const ev = fromVectorEvent(v.event);
        assert.deepStrictEqual(decodeEvent(hex(v.hex)), ev);
        assert.equal(toHex(encodeEvent(ev)), v.hex);
        if (v.decoded !== undefined)
          assert.deepStrictEqual(decodeBrokerData(hex(v.hex)), fromVector(v.decoded));
      });
    }
  });
}
