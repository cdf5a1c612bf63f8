import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createJsonRenderer,
  createLogBatchDecoder,
  createTsvRenderer,
  decodeLogBatch,
  formatLogTimestamp,
  type LogNumberProfile,
  type LogTextRenderer,
} from '../../src/index.js';
import { hex, loadFixture } from '../helpers/broker-fixtures.js';

interface FileVector {
  name: string;
  hex: string;
  ascii_writer_output?: string;
  ascii_writer_output_hex?: string;
  json_writer_output?: string;
  json_writer_output_hex?: string;
}

const vectors = [
  ...loadFixture<{ vectors: FileVector[] }>('log-batches.json').vectors,
  ...loadFixture<{ vectors: FileVector[] }>('captured/log-batches.json').vectors.map((v) => ({
    ...v,
    name: `captured/${v.name}`,
  })),
];

function expectedText(text: string | undefined, hexText: string | undefined): Buffer | undefined {
  if (text !== undefined) return Buffer.from(text, 'utf8');
  if (hexText !== undefined) return Buffer.from(hexText, 'hex');
  return undefined;
}

/** The wall-clock `#open`/`#close` values of the vector, as local-time Dates. */
function metaDate(file: string, key: string): Date {
  const m = new RegExp(`^#${key}\\t(\\d+)-(\\d+)-(\\d+)-(\\d+)-(\\d+)-(\\d+)$`, 'm').exec(file);
  assert.ok(m, `#${key} line`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s);
}

function renderFile(
  r: LogTextRenderer,
  records: Parameters<LogTextRenderer['records']>[0],
  open: Date,
  close: Date,
): Buffer {
  return Buffer.concat([r.header(open), r.records(records), r.close(close)]);
}

/**
 * Expected 8.2+ text: the conn-like example renders the same in 8.0 through 9.0 (README); the
 * all-types capture differs only by the time 2385642157, which 8.2+ writes in fixed notation
 * (text-rendering.json `ascii-time-2385642157.0`, output_v8_2_and_later).
 */
const IN_8_2: Record<string, [string, string][]> = {
  'logbatch-conn-like-two-records': [],
  'captured/conn-like-two-records': [],
  'captured/alltypes-four-records': [['\t2.385642157e+09\t', '\t2385642157.000000\t']],
};

describe('ASCII writer files (ascii_writer_output)', () => {
  for (const v of vectors) {
    const expected = expectedText(v.ascii_writer_output, v.ascii_writer_output_hex);
    if (!expected) continue;
    const profiles: LogNumberProfile[] = IN_8_2[v.name] ? ['zeek-8.0', 'zeek-8.2'] : ['zeek-8.0'];
    for (const profile of profiles) {
      it(`${v.name} (${profile}) is byte-identical`, () => {
        let file = expected.toString('latin1');
        if (profile === 'zeek-8.2') {
          for (const [from, to] of IN_8_2[v.name] ?? []) {
            assert.ok(file.includes(from));
            file = file.replace(from, to);
          }
        }
        const batch = decodeLogBatch(hex(v.hex));
        const r = createTsvRenderer(batch.header, { numberProfile: profile });
        const out = renderFile(r, batch.records, metaDate(file, 'open'), metaDate(file, 'close'));
        assert.equal(out.toString('latin1'), file);
        if (profile === 'zeek-8.0') assert.ok(out.equals(expected));
      });
    }
  }
});

describe('JSON writer files (json_writer_output)', () => {
  for (const v of vectors) {
    const expected = expectedText(v.json_writer_output, v.json_writer_output_hex);
    if (!expected) continue;
    it(`${v.name} is byte-identical`, () => {
      const batch = decodeLogBatch(hex(v.hex));
      const r = createJsonRenderer(batch.header);
      const out = renderFile(r, batch.records, new Date(0), new Date(0));
      assert.equal(out.toString('utf8'), expected.toString('utf8'));
      assert.ok(out.equals(expected));
    });
  }
});

/** Applies text substitutions to a vector's file, each of which must match exactly once. */
function substitute(text: string, pairs: [string, string][]): string {
  let out = text;
  for (const [from, to] of pairs) {
    assert.equal(out.split(from).length, 2, `expected exactly one ${from}`);
    out = out.replace(from, to);
  }
  return out;
}

describe('JSON writer options on the conn-like vector (spec/log-batch.md §6)', () => {
  const v = vectors.find((x) => x.name === 'logbatch-conn-like-two-records') as FileVector;
  const payload = hex(v.hex);
  const batch = decodeLogBatch(payload);
  const { offset } = createLogBatchDecoder().decodeHeader(payload);
  const check = (r: ReturnType<typeof createJsonRenderer>, expected: string): void => {
    assert.equal(Buffer.from(r.records(batch.records)).toString('utf8'), expected);
    assert.equal(Buffer.from(r.recordsFromPayload(payload, offset)).toString('utf8'), expected);
  };

  it('TS_ISO8601 writes time columns as UTC strings with six fraction digits', () => {
    // 1700000000 s = 2023-11-14T22:13:20Z
    const expected = substitute(v.json_writer_output as string, [
      ['"ts":1700000000.123456,', '"ts":"2023-11-14T22:13:20.123456Z",'],
      ['"ts":1700000001.5,', '"ts":"2023-11-14T22:13:21.500000Z",'],
    ]);
    check(createJsonRenderer(batch.header, { timestamps: 'iso8601' }), expected);
  });

  it('TS_MILLIS writes integer milliseconds', () => {
    const expected = substitute(v.json_writer_output as string, [
      ['"ts":1700000000.123456,', '"ts":1700000000123,'],
      ['"ts":1700000001.5,', '"ts":1700000001500,'],
    ]);
    check(createJsonRenderer(batch.header, { timestamps: 'millis' }), expected);
  });

  it('json_include_unset_fields writes unset columns as null, in column order', () => {
    const expected = substitute(v.json_writer_output as string, [
      [
        '"proto":"udp","conn_state"',
        '"proto":"udp","service":null,"duration":null,"orig_bytes":null,"conn_state"',
      ],
      ['"conn_state":"S0","missed_bytes"', '"conn_state":"S0","local_orig":null,"missed_bytes"'],
      ['"score":3.0,"tags":[]', '"resp_net":null,"score":3.0,"delta":null,"tags":[]'],
    ]);
    check(createJsonRenderer(batch.header, { includeUnsetFields: true }), expected);
  });
});

describe('recordsFromPayload (payload → text without value objects)', () => {
  for (const v of vectors) {
    it(`${v.name}: TSV and JSON equal the decode-then-render output`, () => {
      const payload = hex(v.hex);
      const batch = decodeLogBatch(payload);
      const { header, offset } = createLogBatchDecoder().decodeHeader(payload);
      for (const profile of ['zeek-8.0', 'zeek-8.2'] as const) {
        const r = createTsvRenderer(header, { numberProfile: profile });
        assert.deepEqual(
          Buffer.from(r.recordsFromPayload(payload, offset)),
          Buffer.from(r.records(batch.records)),
        );
      }
      const j = createJsonRenderer(header);
      assert.deepEqual(
        Buffer.from(j.recordsFromPayload(payload, offset)),
        Buffer.from(j.records(batch.records)),
      );
    });
  }
});

describe('TSV mode and meta options (spec/log-batch.md §4)', () => {
  const v = vectors.find((x) => x.name === 'logbatch-conn-like-two-records') as FileVector;
  const file = v.ascii_writer_output as string;
  const lines = file.split('\n');
  const batch = decodeLogBatch(hex(v.hex));
  const dataLines = lines.filter((l) => l !== '' && !l.startsWith('#'));

  it('tsv = T: one header line of column names, data lines as usual, no #close', () => {
    const r = createTsvRenderer(batch.header, { tsv: true });
    const fieldsLine = lines.find((l) => l.startsWith('#fields\t')) as string;
    const expected = `${fieldsLine.slice('#fields\t'.length)}\n${dataLines.join('\n')}\n`;
    assert.equal(Buffer.from(renderFile(r, batch.records, new Date(), new Date())).toString(), expected);
  });
  it('include_meta = F: no header and no #close', () => {
    const r = createTsvRenderer(batch.header, { includeMeta: false });
    assert.equal(
      Buffer.from(renderFile(r, batch.records, new Date(), new Date())).toString(),
      `${dataLines.join('\n')}\n`,
    );
  });
  it('#open/#close use %Y-%m-%d-%H-%M-%S of the given wall-clock time', () => {
    assert.equal(
      formatLogTimestamp(new Date(Date.UTC(2023, 10, 14, 22, 13, 20)), 'utc'),
      '2023-11-14-22-13-20',
    );
    assert.equal(formatLogTimestamp(new Date(2023, 0, 2, 3, 4, 5)), '2023-01-02-03-04-05');
  });
  it('a batch renders the same when split over several records() calls', () => {
    const r = createTsvRenderer(batch.header);
    const whole = Buffer.from(r.records(batch.records));
    const parts = Buffer.concat(batch.records.map((rec) => r.records([rec])));
    assert.ok(whole.equals(parts));
  });
});
