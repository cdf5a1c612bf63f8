/**
 * Properties of the Broker JSON v1 codec: exact round trips where the text form is lossless,
 * always-valid JSON output, idempotence, and agreement with the lossless-json reference reader.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  DecodeError,
  dataEquals,
  dataToJson,
  dataToJsonBytes,
  jsonToData,
  parseDataMessage,
  formatDataMessage,
} from '../../src/index.js';
import { dataArb, mutatedArb, shuffledJsonArb, valueMutatedJsonArb } from '../helpers/arbitraries.js';
import { referenceJsonToData } from '../helpers/reference-json.js';

const RUNS = { numRuns: 300 };

function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    assert.ok(e instanceof DecodeError, `only DecodeError expected, got ${String(e)}`);
    return 'DecodeError';
  }
}

describe('broker-json-v1 properties', () => {
  it('member order, whitespace and unknown keys do not matter', () => {
    fc.assert(
      fc.property(
        dataArb({ jsonExact: true }).chain((v) =>
          shuffledJsonArb(fc.constant(v)).map((t) => [v, t] as const),
        ),
        ([v, text]) => {
          assert.ok(dataEquals(jsonToData(text), v));
        },
      ),
      RUNS,
    );
  });

  it('data before @data-type nested deeply stays linear (bounded rescans)', () => {
    let text = '{"@data-type":"count","data":1}';
    for (let i = 0; i < 60; i++) text = `{"data":[${text}],"@data-type":"vector"}`;
    assert.equal(jsonToData(text).type, 'vector');
    let deep = '{"@data-type":"count","data":1}';
    for (let i = 0; i < 500; i++)
      deep = `{"data":[${deep}, ${'{"@data-type":"none"},'.repeat(20)}{"@data-type":"none"}],"@data-type":"vector"}`;
    assert.throws(() => jsonToData(deep), DecodeError);
  });

  it('values whose text form is exact round-trip', () => {
    fc.assert(
      fc.property(dataArb({ jsonExact: true }), (v) => {
        assert.ok(dataEquals(jsonToData(dataToJson(v)), v));
      }),
      RUNS,
    );
  });

  it('output is always valid JSON in valid UTF-8, whatever the bytes', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(dataArb(), fc.uint8Array({ maxLength: 12 }), (v, topic) => {
        JSON.parse(strict.decode(formatDataMessage(topic, v)));
      }),
      RUNS,
    );
  });

  it('data messages round-trip (topic and value)', () => {
    fc.assert(
      fc.property(
        dataArb({ jsonExact: true }),
        fc
          .string({ maxLength: 20 })
          .filter((s) => s !== '<$>' && (s as unknown as { isWellFormed(): boolean }).isWellFormed()),
        (v, topic) => {
          const msg = parseDataMessage(formatDataMessage(topic, v));
          assert.equal(msg.topic, topic);
          assert.ok(dataEquals(msg.data, v));
        },
      ),
      RUNS,
    );
  });

  it('agrees with the lossless-json reference reader on valid and mutated input', () => {
    const texts = fc.oneof(
      dataArb().map((v) => dataToJsonBytes(v)),
      shuffledJsonArb(dataArb()),
      valueMutatedJsonArb(dataArb()),
    );
    fc.assert(
      fc.property(fc.oneof(texts, mutatedArb(texts)), (bytes) => {
        const ours = outcome(() => jsonToData(bytes));
        const ref = outcome(() => referenceJsonToData(bytes));
        if (ours === 'DecodeError' || ref === 'DecodeError') assert.equal(ours, ref);
        else assert.ok(dataEquals(ours as never, ref as never));
      }),
      { numRuns: 600 },
    );
  });
});
