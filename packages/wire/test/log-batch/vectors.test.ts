import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeError,
  LOG_TYPE_TAGS,
  createLogBatchDecoder,
  decodeLogBatch,
  decodeLogBatchAt,
  decodeLogValue,
  encodeLogBatch,
  encodeLogValue,
  type LogTypeName,
} from '../../src/index.js';
import { hex, loadFixture, toHex } from '../helpers/broker-fixtures.js';
import {
  batchFromVector,
  batchToVector,
  logFromVector,
  logToVector,
  type VectorBatch,
  type VectorLogValue,
} from '../helpers/log-fixtures.js';

interface BatchVector {
  name: string;
  hex: string;
  decoded: VectorBatch;
  decode_only?: boolean;
}
interface ValueVector {
  name: string;
  hex: string;
  decoded: VectorLogValue;
}
interface InvalidVector {
  name: string;
  hex: string;
  reason: string;
}

const batches = [
  ...loadFixture<{ vectors: BatchVector[] }>('log-batches.json').vectors,
  ...loadFixture<{ vectors: BatchVector[] }>('captured/log-batches.json').vectors.map((v) => ({
    ...v,
    name: `captured/${v.name}`,
  })),
];

describe('zeek-bin-serializer batches (log-batches.json, captured/log-batches.json)', () => {
  for (const v of batches) {
    it(`${v.name}: decodes to the vector's values`, () => {
      const batch = decodeLogBatch(hex(v.hex));
      assert.deepEqual(batchToVector(batch), v.decoded);
    });
    it(`${v.name}: encodes the vector's values to the exact bytes`, () => {
      assert.equal(toHex(encodeLogBatch(batchFromVector(v.decoded))), v.hex);
    });
    it(`${v.name}: decode → encode is the identity`, () => {
      assert.equal(toHex(encodeLogBatch(decodeLogBatch(hex(v.hex)))), v.hex);
      assert.equal(decodeLogBatchAt(hex(v.hex), 0).next, v.hex.length / 2);
    });
  }
});

describe('single log values (log-values.json)', () => {
  for (const v of loadFixture<{ vectors: ValueVector[] }>('log-values.json').vectors) {
    const d = v.decoded;
    it(`${v.name}: decodes without a column (unset stays explicit)`, () => {
      const { value, next } = decodeLogValue(hex(v.hex), 0);
      assert.equal(next, v.hex.length / 2);
      assert.deepEqual(logToVector(value, -1, -1), d);
    });
    it(`${v.name}: encodes to the exact bytes`, () => {
      assert.equal(toHex(encodeLogValue(logFromVector(d, -1, -1))), v.hex);
    });
    it(`${v.name}: decodes with its column as null when unset, and re-encodes`, () => {
      const field = { type: d.type as LogTypeName, subtype: 'void' as LogTypeName };
      const { value } = decodeLogValue(hex(v.hex), 0, field);
      if (!d.present) assert.equal(value, null);
      assert.equal(toHex(encodeLogValue(value, field)), v.hex);
    });
  }
});

describe('invalid log values (log-invalid.json)', () => {
  for (const v of loadFixture<{ vectors: InvalidVector[] }>('log-invalid.json').vectors) {
    it(`${v.name}: ${v.reason}`, () => {
      assert.throws(
        () => decodeLogValue(hex(v.hex), 0),
        (err: unknown) => err instanceof DecodeError && err.code.startsWith('ZR_WIRE_') && err.offset >= 0,
      );
    });
  }
});

interface ReceiverCase {
  name: string;
  frames_hex: string[];
  records_written: number;
  outcome: string;
}

describe('crafted batches a Zeek logger received (captured/receiver-checks.json)', () => {
  const cases = loadFixture<{ log_batches: { cases: ReceiverCase[] } }>('captured/receiver-checks.json')
    .log_batches.cases;
  const conn = batches.find((b) => b.name === 'logbatch-conn-like-two-records');
  for (const c of cases.filter((x) => x.frames_hex.length === 4)) {
    it(`${c.name}: payload decodes (${c.outcome})`, () => {
      const payload = hex(c.frames_hex[3] as string);
      const batch = decodeLogBatch(payload);
      assert.equal(batch.records.length, 2);
      if (c.records_written > 0) assert.equal(batch.records.length, c.records_written);
    });
  }
  it('trailing-bytes: the extra bytes are ignored and reported by decodeLogBatchAt', () => {
    const c = cases.find((x) => x.name === 'trailing-bytes') as ReceiverCase;
    const payload = hex(c.frames_hex[3] as string);
    const { value, next } = decodeLogBatchAt(payload, 0);
    assert.equal(payload.length - next, 4);
    assert.equal(value.records.length, 2);
  });
  it('renamed-column: the header carries the renamed column', () => {
    const c = cases.find((x) => x.name === 'renamed-column') as ReceiverCase;
    const batch = decodeLogBatch(hex(c.frames_hex[3] as string));
    assert.equal(batch.header.fields[1]?.name, 'xyz');
    assert.ok(conn);
    assert.equal(conn.decoded.fields[1]?.name, 'uid');
  });
});

describe('container nesting (never produced by Zeek)', () => {
  /** `levels` vectors, each holding the next one; the innermost is empty. */
  function nested(levels: number): Uint8Array {
    const one = '00000013' + '00000000' + '01' + '0000000000000001';
    const last = '00000013' + '00000000' + '01' + '0000000000000000';
    return hex(one.repeat(levels - 1) + last);
  }
  it('accepts a vector of vectors a few levels deep, and round-trips it', () => {
    const bytes = nested(3);
    const { value, next } = decodeLogValue(bytes, 0);
    assert.equal(next, bytes.length);
    assert.equal(toHex(encodeLogValue(value)), toHex(bytes));
  });
  it('rejects nesting deeper than 8 with DecodeError instead of exhausting the stack', () => {
    assert.throws(
      () => decodeLogValue(nested(100_000), 0),
      (e: unknown) => e instanceof DecodeError && e.code === 'ZR_WIRE_INVALID' && e.offset === 8 * 17,
    );
  });
});

describe('createLogBatchDecoder', () => {
  it('returns the same header object for identical header bytes and new records each time', () => {
    const v = batches.find((b) => b.name === 'logbatch-conn-like-two-records') as BatchVector;
    const other = batches.find((b) => b.name === 'captured/alltypes-four-records') as BatchVector;
    const decoder = createLogBatchDecoder();
    const a = decoder.decode(hex(v.hex));
    const b = decoder.decode(hex(other.hex));
    const c = decoder.decode(hex(v.hex));
    assert.equal(a.header, c.header);
    assert.notEqual(a.header, b.header);
    assert.notEqual(a.records, c.records);
    assert.deepEqual(batchToVector(c), v.decoded);
    assert.deepEqual(batchToVector(b), other.decoded);
  });
  it('throws DecodeError for a truncated batch whose header is cached', () => {
    const v = batches.find((b) => b.name === 'logbatch-conn-like-two-records') as BatchVector;
    const decoder = createLogBatchDecoder();
    decoder.decode(hex(v.hex));
    const cut = hex(v.hex).subarray(0, v.hex.length / 2 - 3);
    assert.throws(
      () => decoder.decode(cut),
      (e: unknown) => e instanceof DecodeError && e.code === 'ZR_WIRE_TRUNCATED',
    );
  });
  it('uses LOG_TYPE_TAGS numbering of log-batch.md §3.3', () => {
    assert.equal(LOG_TYPE_TAGS.table, 14);
    assert.equal(LOG_TYPE_TAGS.vector, 19);
  });
});
