import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withScratch } from '../src/byte-writer.js';
import { encodeBrokerData, formatDataMessage, data } from '../src/index.js';

describe('withScratch', () => {
  it('a nested call gets its own writer: neither result is overwritten', () => {
    let inner: Uint8Array | undefined;
    const outer = withScratch((w) => {
      w.u8(1);
      w.u8(2);
      inner = withScratch((v) => {
        v.u8(9);
        v.u8(9);
        v.u8(9);
      });
      w.u8(3);
    });
    assert.deepEqual([...outer], [1, 2, 3]);
    assert.deepEqual([...(inner ?? [])], [9, 9, 9]);
  });

  it('results are independent copies (the binary encoder and the JSON renderer share the scratch)', () => {
    const a = encodeBrokerData(data.count(1));
    const b = formatDataMessage('/t', data.string('x'));
    const c = encodeBrokerData(data.count(2));
    // broker-bin-v1 count: tag 2, then 8 bytes big-endian (broker-bin-v1.md §3).
    assert.deepEqual([...a], [2, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual([...c], [2, 0, 0, 0, 0, 0, 0, 0, 2]);
    assert.equal(
      new TextDecoder().decode(b),
      '{"type":"data-message","topic":"/t","@data-type":"string","data":"x"}',
    );
  });
});
