import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createJsonRenderer,
  createLogBatchDecoder,
  createTsvRenderer,
  decodeLogBatch,
  decodeLogBatchHeader,
  encodeLogBatch,
  type DecodeError,
  type LogBatch,
} from '../../src/index.js';
import { batchArb } from '../helpers/log-arbitraries.js';

/** Runs per property in `npm test`; `npm run fuzz` covers the large counts. */
const RUNS = 150;

function isDecodeError(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === 'DecodeError' &&
    (err as { code?: string }).code?.startsWith('ZR_WIRE_') === true
  );
}

type Outcome = { text: Buffer } | { code: string; offset: number };
function outcome(fn: () => Uint8Array): Outcome {
  try {
    return { text: Buffer.from(fn()) };
  } catch (err) {
    if (!isDecodeError(err)) throw err;
    const e = err as DecodeError;
    return { code: e.code, offset: e.offset };
  }
}

/**
 * The streaming paths (header, then recordsFromPayload) give exactly the decode-then-render
 * text, or the same DecodeError (code and offset), for TSV and JSON.
 */
function sameAsTwoStep(bytes: Uint8Array): void {
  let header: ReturnType<typeof decodeLogBatchHeader>;
  try {
    header = decodeLogBatchHeader(bytes);
  } catch (err) {
    if (!isDecodeError(err)) throw err;
    return;
  }
  for (const renderer of [
    createTsvRenderer(header.header),
    createJsonRenderer(header.header),
    createJsonRenderer(header.header, { includeUnsetFields: true, timestamps: 'iso8601' }),
  ]) {
    const fused = outcome(() => renderer.recordsFromPayload(bytes, header.next));
    const twoStep = outcome(() => renderer.records(decodeLogBatch(bytes).records));
    assert.deepStrictEqual(fused, twoStep);
  }
}

/** Decodes with both entry points; anything but DecodeError fails. Renders what decodes. */
function decodeOnlyDecodeError(bytes: Uint8Array): void {
  sameAsTwoStep(bytes);
  for (const decode of [decodeLogBatch, (b: Uint8Array) => createLogBatchDecoder().decode(b)]) {
    let batch: LogBatch | undefined;
    try {
      batch = decode(bytes);
    } catch (err) {
      if (!isDecodeError(err)) throw err;
    }
    if (batch) {
      createTsvRenderer(batch.header).records(batch.records);
      createJsonRenderer(batch.header).records(batch.records);
    }
  }
}

describe('log batch properties', () => {
  it('decode(encode(batch)) equals batch, and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const bytes = encodeLogBatch(batch);
        const back = decodeLogBatch(bytes);
        assert.deepStrictEqual(back, batch);
        assert.deepStrictEqual(encodeLogBatch(back), bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('recordsFromPayload renders valid batches exactly like records()', () => {
    fc.assert(
      fc.property(batchArb, (batch) => sameAsTwoStep(encodeLogBatch(batch))),
      { numRuns: RUNS },
    );
  });

  it('every JSON line is valid JSON with one key per present column', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const text = Buffer.from(createJsonRenderer(batch.header).records(batch.records)).toString('utf8');
        const lines = text.split('\n');
        assert.equal(lines.pop(), '');
        assert.equal(lines.length, batch.records.length);
        lines.forEach((line, k) => {
          const obj = JSON.parse(line) as Record<string, unknown>;
          const present = (batch.records[k] ?? []).filter((e) => e !== null).length;
          const distinct = new Set(
            batch.header.fields.filter((_, i) => batch.records[k]?.[i] !== null).map((f) => f.name),
          );
          assert.equal(Object.keys(obj).length, Math.min(present, distinct.size));
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('every TSV line has exactly one separator between columns and no raw newline', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const out = createTsvRenderer(batch.header).records(batch.records);
        const lines = Buffer.from(out).toString('latin1').split('\n');
        assert.equal(lines.pop(), '');
        assert.equal(lines.length, batch.records.length);
        for (const line of lines) assert.equal(line.split('\t').length, batch.header.fields.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes only ever raise DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodeOnlyDecodeError), { numRuns: RUNS * 2 });
  });

  it('truncated batches only ever raise DecodeError', () => {
    fc.assert(
      fc.property(batchArb, fc.nat(), (batch, cut) => {
        const bytes = encodeLogBatch(batch);
        const n = cut % bytes.length;
        assert.throws(() => decodeLogBatch(bytes.subarray(0, n)), isDecodeError);
        decodeOnlyDecodeError(bytes.subarray(0, n));
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated batches only ever raise DecodeError', () => {
    fc.assert(
      fc.property(
        batchArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (batch, edits) => {
          const bytes = encodeLogBatch(batch);
          for (const [at, b] of edits) bytes[at % bytes.length] = b;
          decodeOnlyDecodeError(bytes);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
