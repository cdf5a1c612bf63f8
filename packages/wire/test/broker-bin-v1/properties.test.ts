/** Round-trip properties of broker-bin-v1 for random values and events (fast-check). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ByteWriter,
  dataEquals,
  decodeBrokerData,
  decodeEvent,
  encodeBrokerData,
  encodeEvent,
  eventToData,
  readBrokerData,
  writeBrokerData,
} from '../../src/index.js';
import { dataArb, eventArb } from '../helpers/arbitraries.js';

const RUNS = { numRuns: 400 };

describe('broker-bin-v1 properties', () => {
  it('decode(encode(v)) equals v and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(dataArb(), (v) => {
        const bytes = encodeBrokerData(v);
        const back = decodeBrokerData(bytes);
        assert.ok(dataEquals(back, v));
        assert.deepStrictEqual(encodeBrokerData(back), bytes);
      }),
      RUNS,
    );
  });

  it('values can be read one after another from one buffer', () => {
    fc.assert(
      fc.property(fc.array(dataArb(), { minLength: 1, maxLength: 5 }), (vs) => {
        const w = new ByteWriter(8);
        for (const v of vs) writeBrokerData(w, v);
        const buf = w.finish();
        let at = 0;
        for (const v of vs) {
          const r = readBrokerData(buf, at);
          assert.ok(dataEquals(r.value, v));
          at = r.next;
        }
        assert.equal(at, buf.length);
      }),
      RUNS,
    );
  });

  it('events round-trip with and without metadata', () => {
    fc.assert(
      fc.property(eventArb(), (ev) => {
        const back = decodeEvent(encodeEvent(ev));
        assert.equal(back.name, ev.name);
        assert.equal(back.metadata === undefined, ev.metadata === undefined);
        assert.ok(dataEquals(eventToData(back), eventToData(ev)));
      }),
      RUNS,
    );
  });

  it('reals keep their exact bits, NaN and ±Infinity use the CAF patterns', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const back = decodeBrokerData(encodeBrokerData({ type: 'real', value: x }));
        const expected = x !== 0 && Math.abs(x) < 2.2250738585072014e-308 ? (x < 0 ? -0 : 0) : x;
        assert.ok(back.type === 'real' && Object.is(back.value, expected));
      }),
      RUNS,
    );
    const hex = (x: number) => Buffer.from(encodeBrokerData({ type: 'real', value: x })).toString('hex');
    assert.equal(hex(NaN), '04ffffffffffffffff');
    assert.equal(hex(Infinity), '04fff0000000000000');
    assert.equal(hex(-Infinity), '047ff0000000000000');
  });
});
