/**
 * The per-schema specialised record loops (log-text/specialise.ts) against the generic per-value
 * path, byte for byte and error for error: every captured batch (Zeek 8.2.2 recordings, 8.0.10
 * vectors) under every writer option that changes the generated code, generated batches of every
 * type (unset and empty values, escapes, non-ASCII, NaN/±inf, negative and 64-bit integers, IPv6,
 * sets and vectors), and truncated or mutated bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { fixturePath, readJsonFixture } from '@zeek-relay/fixtures';
import {
  createJsonRenderer,
  createLogBatchDecoder,
  createTsvRenderer,
  decodeLogBatchHeader,
  encodeLogBatch,
  type JsonRendererOptions,
  type LogBatchHeader,
  type LogElement,
  type LogTextRenderer,
  type TsvRendererOptions,
} from '../../src/index.js';
import { specialisedStats } from '../../src/log-text/specialise.js';
import { batchArb } from '../helpers/log-arbitraries.js';

const TSV_OPTIONS: TsvRendererOptions[] = [
  { numberProfile: 'zeek-8.2' },
  { numberProfile: 'zeek-8.0' },
  { numberProfile: 'zeek-8.2', separator: '||', setSeparator: ';', unsetField: 'NIL', emptyField: '' },
  { numberProfile: 'zeek-8.2', separator: ' ', metaPrefix: '', enableUtf8: false },
  { numberProfile: 'zeek-8.2', separator: '1' }, // digits must be escaped: the generic path
];
const JSON_OPTIONS: JsonRendererOptions[] = [
  {},
  { includeUnsetFields: true, timestamps: 'iso8601' },
  { timestamps: 'millis', stringEscape: 'none' },
  { timestamps: 'millis-unsigned', stringEscape: 'pua', metaPrefix: '{' },
  { stringEscape: 'tsv', metaPrefix: '' },
];

/** Generic and specialised renderers for one header, one pair per option set. */
function pairs(header: LogBatchHeader): [string, LogTextRenderer, LogTextRenderer][] {
  return [
    ...TSV_OPTIONS.map((o): [string, LogTextRenderer, LogTextRenderer] => [
      `tsv ${JSON.stringify(o)}`,
      createTsvRenderer(header, { ...o, specialise: false }),
      createTsvRenderer(header, o),
    ]),
    ...JSON_OPTIONS.map((o): [string, LogTextRenderer, LogTextRenderer] => [
      `json ${JSON.stringify(o)}`,
      createJsonRenderer(header, { ...o, specialise: false }),
      createJsonRenderer(header, o),
    ]),
  ];
}

type Outcome = { text: string } | { error: string; code: unknown; offset: unknown };
function outcome(fn: () => Uint8Array): Outcome {
  try {
    return { text: Buffer.from(fn()).toString('hex') };
  } catch (err) {
    const e = err as { name: string; code?: unknown; offset?: unknown };
    return { error: e.name, code: e.code, offset: e.offset };
  }
}

/** Both paths give the same bytes or the same DecodeError; returns how many rendered. */
const decoder = createLogBatchDecoder();
const pairsOf = new WeakMap<LogBatchHeader, ReturnType<typeof pairs>>();
function sameBothWays(payload: Uint8Array): number {
  let header: { header: LogBatchHeader; offset: number };
  try {
    header = decoder.decodeHeader(payload);
  } catch {
    return 0;
  }
  let renderers = pairsOf.get(header.header);
  if (renderers === undefined) {
    renderers = pairs(header.header);
    pairsOf.set(header.header, renderers);
  }
  let rendered = 0;
  for (const [name, generic, specialised] of renderers) {
    const want = outcome(() => generic.recordsFromPayload(payload, header.offset));
    const got = outcome(() => specialised.recordsFromPayload(payload, header.offset));
    assert.deepStrictEqual(got, want, name);
    if ('text' in want) rendered++;
  }
  return rendered;
}

/** A batch header with these fields (stream, writer, filter and path don't matter here). */
function headerOf(fields: LogBatchHeader['fields']): LogBatchHeader {
  return { stream: 's', writer: 'Log::WRITER_ASCII', filter: 'f', path: 'p', fields };
}

/** Every log batch payload of the captured fixtures. */
function capturedPayloads(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const logs = fixturePath('zeek-8.2', 'logs');
  for (const trace of readdirSync(logs)) {
    for (const run of ['batches.json', 'batches-json-run.json']) {
      const fx = readJsonFixture<{ messages: { frames: string[] }[] }>('zeek-8.2', 'logs', trace, run);
      for (const m of fx.messages) out.push(Buffer.from(m.frames[3] as string, 'hex'));
    }
  }
  for (const f of ['log-batches.json', 'captured/log-batches.json']) {
    const fx = readJsonFixture<{ vectors: { hex?: string }[] }>('zeek-8.0', ...f.split('/'));
    for (const v of fx.vectors) if (typeof v.hex === 'string') out.push(Buffer.from(v.hex, 'hex'));
  }
  return out;
}

describe('specialised record loops render exactly like the generic path', () => {
  it('every captured batch (Zeek 8.2.2 recordings, 8.0.10 vectors), every option set', () => {
    const payloads = capturedPayloads();
    assert.ok(payloads.length > 100, `only ${payloads.length} captured batches`);
    let rendered = 0;
    for (const p of payloads) rendered += sameBothWays(p);
    // Nearly all render (a few 8.0 vectors are bad on purpose); none may be skipped silently.
    assert.ok(rendered > payloads.length * 9, `${rendered} renderings of ${payloads.length} batches`);
    assert.ok(specialisedStats().compiled > 0);
  });

  it('generated batches of every type, unset, empty, escapes, NaN/inf, IPv6, containers', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        sameBothWays(encodeLogBatch(batch));
      }),
      { numRuns: 300 },
    );
  });

  it('truncated and mutated batches fail with the same DecodeError at the same offset', () => {
    fc.assert(
      fc.property(
        batchArb,
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        (batch, cut, edits) => {
          const bytes = encodeLogBatch(batch);
          // Cut anywhere in the records, so every value's length checks are crossed.
          const start = decodeLogBatchHeader(bytes).next;
          const end = start + (cut % (bytes.length - start + 1));
          for (const [at, b] of edits) bytes[start + (at % (bytes.length - start))] = b;
          sameBothWays(bytes.subarray(0, end));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('every truncation point of generated batches gives the same error', () => {
    // Exhaustive over the records part: each value's bounds checks meet a cut inside it.
    for (const batch of fc.sample(batchArb, { numRuns: 40, seed: 15 })) {
      const bytes = encodeLogBatch(batch);
      const start = decodeLogBatchHeader(bytes).next;
      for (let end = start; end < bytes.length; end++) sameBothWays(bytes.subarray(0, end));
    }
  });

  it('batches whose text outgrows the output buffer (fixed-width columns only, and with strings)', () => {
    const enc = new TextEncoder();
    const field = (name: string, type: 'count' | 'addr' | 'bool' | 'time' | 'string') => ({
      name,
      type,
      subtype: 'void' as const,
      optional: true,
    });
    for (const withString of [false, true]) {
      const fields = [field('n', 'count'), field('a', 'addr'), field('b', 'bool'), field('t', 'time')];
      if (withString) fields.push(field('s', 'string'));
      const records = Array.from({ length: 20000 }, (_, k): LogElement[] => [
        { type: 'count', value: BigInt(k) },
        { type: 'addr', value: Uint8Array.of(10, k & 255, 200, 1) },
        k % 3 === 0 ? null : { type: 'bool', value: k % 2 === 0 },
        { type: 'time', value: 1.7e9 + k / 7 },
        ...(withString ? [{ type: 'string' as const, value: enc.encode('x'.repeat(k % 50)) }] : []),
      ]);
      const bytes = encodeLogBatch({
        header: { stream: 's', writer: 'w', filter: 'f', path: 'p', fields },
        records,
      });
      assert.equal(sameBothWays(bytes), TSV_OPTIONS.length + JSON_OPTIONS.length);
    }
  });

  it('sets and vectors of strings (TSV and JSON): plain, separators, markers, empty, unset and other elements', () => {
    const enc = new TextEncoder();
    const str = (x: string): LogElement => ({ type: 'string', value: enc.encode(x) });
    const lists: (LogElement | null)[][] = [
      [str('a'), str('b')],
      [str('one')],
      [str('a,b'), str('c')], // the set separator inside an element
      [str('a;b')], // the other option set's separator
      [str('-'), str('x')], // the unset marker
      [str('(empty)')],
      [str(''), str('x')], // an empty element
      [str('x'), null], // an unset element
      [str('tab\there'), str('back\\slash'), str('é')],
      [{ type: 'enum', value: enc.encode('Conn::IN') }, str('y')],
      [str('x'), { type: 'count', value: 3n }],
      [str('NIL')], // the third option set's unset marker
      Array.from({ length: 3000 }, (_, k) => str(`element-${k}`)), // outgrows the output buffer
    ];
    const fields = (['table', 'vector'] as const).map((type, i) => ({
      name: `l${i}`,
      type,
      subtype: 'string' as const,
      optional: true,
    }));
    const bytes = encodeLogBatch({
      header: {
        stream: 's',
        writer: 'w',
        filter: 'f',
        path: 'p',
        fields: [...fields, { name: 'n', type: 'count', subtype: 'void', optional: false }],
      },
      records: lists.map((l, k): LogElement[] => [
        { type: 'table', value: l as LogElement[] },
        { type: 'vector', value: l as LogElement[] },
        { type: 'count', value: BigInt(k) },
      ]),
    });
    assert.equal(sameBothWays(bytes), TSV_OPTIONS.length + JSON_OPTIONS.length);
    const tsv = createTsvRenderer(decodeLogBatchHeader(bytes).header, { numberProfile: 'zeek-8.2' });
    const text = Buffer.from(tsv.recordsFromPayload(bytes, decodeLogBatchHeader(bytes).next)).toString();
    assert.deepEqual(text.split('\n').slice(0, 3), ['a,b\ta,b\t0', 'one\tone\t1', 'a\\x2cb,c\ta\\x2cb,c\t2']);
    const json = createJsonRenderer(decodeLogBatchHeader(bytes).header).recordsFromPayload(
      bytes,
      decodeLogBatchHeader(bytes).next,
    );
    assert.deepEqual(Buffer.from(json).toString().split('\n').slice(6, 8), [
      '{"l0":["","x"],"l1":["","x"],"n":6}',
      '{"l0":["x",null],"l1":["x",null],"n":7}',
    ]);
  });

  it('field names and separators never reach generated code (hostile names render as data)', () => {
    const name = "x'); throw new Error('injected'); ('";
    const header = headerOf([
      { name, type: 'string', subtype: 'void', optional: false },
      { name: '`${process.exit(1)}`', type: 'count', subtype: 'void', optional: true },
    ]);
    const enc = new TextEncoder();
    const bytes = encodeLogBatch({
      header,
      records: [
        [
          { type: 'string', value: enc.encode('a') },
          { type: 'count', value: 7n },
        ],
      ],
    });
    const before = specialisedStats();
    assert.equal(sameBothWays(bytes), TSV_OPTIONS.length + JSON_OPTIONS.length);
    const json = createJsonRenderer(decodeLogBatchHeader(bytes).header).recordsFromPayload(
      bytes,
      decodeLogBatchHeader(bytes).next,
    );
    assert.equal(
      Buffer.from(json).toString(),
      `{"x'); throw new Error('injected'); ('":"a","\`\${process.exit(1)}\`":7}\n`,
    );
    // The loops were made (compiled or from the cache); the names' lengths shape the JSON source.
    const after = specialisedStats();
    assert.ok(after.compiled + after.hits > before.compiled + before.hits);
  });

  it('JSON keys: records with no, a leading, and every column unset (the first comma becomes `{`)', () => {
    const header = headerOf([
      { name: 'a', type: 'count', subtype: 'void', optional: true },
      { name: 'bee', type: 'string', subtype: 'void', optional: true },
      { name: 'a-longer-key-name', type: 'count', subtype: 'void', optional: true },
    ]);
    const enc = new TextEncoder();
    const count = (n: bigint): LogElement => ({ type: 'count', value: n });
    const str = (t: string): LogElement => ({ type: 'string', value: enc.encode(t) });
    const bytes = encodeLogBatch({
      header,
      records: [
        [null, null, null],
        [null, str('x'), count(7n)],
        [count(1n), null, null],
        [count(1n), str('y'), count(2n)],
      ],
    });
    assert.equal(sameBothWays(bytes), TSV_OPTIONS.length + JSON_OPTIONS.length);
    const at = decodeLogBatchHeader(bytes);
    const text = (o: JsonRendererOptions): string =>
      Buffer.from(createJsonRenderer(at.header, o).recordsFromPayload(bytes, at.next)).toString();
    assert.equal(
      text({}),
      '{}\n{"bee":"x","a-longer-key-name":7}\n{"a":1}\n{"a":1,"bee":"y","a-longer-key-name":2}\n',
    );
    assert.equal(
      text({ includeUnsetFields: true }),
      '{"a":null,"bee":null,"a-longer-key-name":null}\n{"a":null,"bee":"x","a-longer-key-name":7}\n' +
        '{"a":1,"bee":null,"a-longer-key-name":null}\n{"a":1,"bee":"y","a-longer-key-name":2}\n',
    );
  });
});

describe('the factory cache is bounded', () => {
  it('a renderer compiles its loop at its first payload, not when made (header-only renderers compile none)', () => {
    const fields = [{ name: 'only', type: 'interval' as const, subtype: 'void' as const, optional: true }];
    const bytes = encodeLogBatch({
      header: { stream: 's', writer: 'w', filter: 'f', path: 'p', fields },
      records: [],
    });
    const { header, next } = decodeLogBatchHeader(bytes);
    const before = specialisedStats();
    const tsv = createTsvRenderer(header);
    tsv.header(new Date(0));
    const made = specialisedStats();
    assert.equal(
      made.compiled + made.hits,
      before.compiled + before.hits,
      'nothing compiled or looked up yet',
    );
    tsv.recordsFromPayload(bytes, next);
    const used = specialisedStats();
    assert.equal(
      used.compiled + used.hits,
      before.compiled + before.hits + 1,
      'one loop at the first payload',
    );
  });

  it('ever new schemas evict the oldest factories; the cache never exceeds its size', async () => {
    const { SPECIALISED_CACHE_SIZE } = await import('../../src/log-text/specialise.js');
    const before = specialisedStats();
    const types = ['bool', 'count', 'string', 'addr'] as const;
    for (let k = 0; k < SPECIALISED_CACHE_SIZE + 20; k++) {
      // k in base 4 over 4 columns: distinct type sequences.
      const fields = [0, 1, 2, 3, 4].map((d) => ({
        name: `c${d}`,
        type: types[Math.floor(k / 4 ** d) % 4] as (typeof types)[number],
        subtype: 'void' as const,
        optional: false,
      }));
      const bytes = encodeLogBatch({
        header: { stream: 's', writer: 'w', filter: 'f', path: 'p', fields },
        records: [],
      });
      const { header, next } = decodeLogBatchHeader(bytes);
      createTsvRenderer(header).recordsFromPayload(bytes, next);
    }
    const after = specialisedStats();
    assert.ok(after.size <= SPECIALISED_CACHE_SIZE, `size ${after.size}`);
    assert.ok(after.evicted - before.evicted >= 20, `evicted ${after.evicted - before.evicted}`);
  });
});
