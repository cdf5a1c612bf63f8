import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createJsonRenderer,
  createTsvRenderer,
  decodeLogBatchHeader,
  encodeLogBatch,
  formatAsciiDouble,
  formatAsciiTime,
  formatJsonNumber,
  formatJsonTime,
  parseLogAddr,
  type JsonTimestampStyle,
  type LogElement,
  type LogField,
  type LogNumberProfile,
  type LogTypeName,
  type TsvRendererOptions,
} from '../../src/index.js';
import { hex, loadFixture } from '../helpers/broker-fixtures.js';
import { logFromVector, type VectorLogValue } from '../helpers/log-fixtures.js';

interface TextVector {
  name: string;
  zeek_type: string;
  writer: string;
  input?: unknown;
  input_hex?: string;
  settings?: { separator?: string; enable_utf_8?: boolean };
  output: string;
  output_v8_2_and_later?: string;
}
interface ValueVector {
  name: string;
  decoded: VectorLogValue;
  ascii_field?: string;
}

const num = (v: unknown): number =>
  v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : (v as number);

const STYLES: Record<string, JsonTimestampStyle> = {
  json: 'epoch',
  'json TS_EPOCH': 'epoch',
  'json TS_MILLIS': 'millis',
  'json TS_MILLIS_UNSIGNED': 'millis-unsigned',
  'json TS_ISO8601': 'iso8601',
};

function field(type: LogTypeName, subtype: LogTypeName = 'void'): LogField {
  return { name: 'x', type, subtype, optional: true };
}
function header(f: LogField) {
  return { stream: 'Test::LOG', writer: 'Log::WRITER_ASCII', filter: 'default', path: 'test', fields: [f] };
}
/** One-column TSV line without its newline. */
function tsvField(f: LogField, v: LogElement, options: TsvRendererOptions = {}): string {
  const out = Buffer.from(createTsvRenderer(header(f), options).records([[v]])).toString('utf8');
  assert.ok(out.endsWith('\n'));
  return out.slice(0, -1);
}
function jsonField(f: LogField, v: LogElement, timestamps: JsonTimestampStyle = 'epoch'): string {
  const out = Buffer.from(createJsonRenderer(header(f), { timestamps }).records([[v]])).toString('utf8');
  const prefix = '{"x":';
  assert.ok(out.startsWith(prefix) && out.endsWith('}\n'), out);
  return out.slice(prefix.length, -2);
}
function valueOf(v: TextVector): LogElement {
  const type = v.zeek_type as LogTypeName;
  if (v.input_hex !== undefined) return { type: type as 'string', value: hex(v.input_hex) };
  if (type === 'double' || type === 'time' || type === 'interval') return { type, value: num(v.input) };
  throw new Error(`unhandled vector ${v.name}`);
}

describe('text-rendering.json', () => {
  for (const v of loadFixture<{ vectors: TextVector[] }>('text-rendering.json').vectors) {
    if (v.writer === 'ascii' && v.zeek_type.startsWith('set[')) {
      it(`${v.name}`, () => {
        const elems = (v.input as string[]).map(
          (s): LogElement => ({ type: 'string', value: Buffer.from(s) }),
        );
        assert.equal(tsvField(field('table', 'string'), { type: 'table', value: elems }), v.output);
      });
      continue;
    }
    if (v.writer === 'ascii') {
      const profiles: [LogNumberProfile, string][] = [
        ['zeek-8.0', v.output],
        ['zeek-8.2', v.output_v8_2_and_later ?? v.output],
      ];
      for (const [profile, expected] of profiles) {
        it(`${v.name} (${profile})`, () => {
          const options: TsvRendererOptions = {
            numberProfile: profile,
            ...(v.settings?.separator !== undefined ? { separator: v.settings.separator } : {}),
            ...(v.settings?.enable_utf_8 !== undefined ? { enableUtf8: v.settings.enable_utf_8 } : {}),
          };
          const value = valueOf(v);
          assert.equal(tsvField(field(v.zeek_type as LogTypeName), value, options), expected);
          if (v.zeek_type === 'double') assert.equal(formatAsciiDouble(num(v.input), profile), expected);
          if (v.zeek_type === 'time') assert.equal(formatAsciiTime(num(v.input), profile), expected);
        });
      }
      continue;
    }
    const style = STYLES[v.writer];
    assert.ok(style, v.writer);
    it(`${v.name}`, () => {
      const value = valueOf(v);
      assert.equal(jsonField(field(v.zeek_type as LogTypeName), value, style), v.output);
      if (v.zeek_type === 'double') assert.equal(formatJsonNumber(num(v.input)), v.output);
      if (v.zeek_type === 'time') assert.equal(formatJsonTime(num(v.input), style), v.output);
    });
  }
});

describe('log-values.json ascii_field', () => {
  for (const v of loadFixture<{ vectors: ValueVector[] }>('log-values.json').vectors) {
    if (v.ascii_field === undefined) continue;
    it(`${v.name} → ${v.ascii_field}`, () => {
      const elemType = (v.decoded.value as VectorLogValue[] | undefined)?.[0]?.type ?? 'void';
      const f = field(v.decoded.type as LogTypeName, elemType as LogTypeName);
      const value = logFromVector(v.decoded, -1, -1);
      assert.equal(tsvField(f, value), v.ascii_field);
    });
  }
});

describe('payload rendering of 64-bit integers and IPv6 addresses (written without BigInt or strings)', () => {
  /** One column rendered from an encoded batch (the sink's path), TSV and JSON, without the newline. */
  function fromPayload(f: LogField, v: LogElement): { tsv: string; json: string } {
    const bytes = encodeLogBatch({ header: header(f), records: [[v]] });
    const { header: h, next } = decodeLogBatchHeader(bytes);
    const tsv = Buffer.from(createTsvRenderer(h).recordsFromPayload(bytes, next)).toString('latin1');
    const json = Buffer.from(createJsonRenderer(h).recordsFromPayload(bytes, next)).toString('latin1');
    return { tsv: tsv.slice(0, -1), json: json.slice('{"x":'.length, -2) };
  }
  const INTS = [0n, 1n, -1n, -100n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 32n, -(2n ** 32n) - 1n];
  const EDGES = [
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 53n + 1n,
    -(2n ** 53n) + 1n,
    -(2n ** 53n),
    -(2n ** 53n) - 1n,
  ];
  it('int: decimal text equal to BigInt, across 2^31, 2^32 and ±2^53', () => {
    for (const n of [...INTS, ...EDGES, 2n ** 63n - 1n, -(2n ** 63n)]) {
      const out = fromPayload(field('int'), { type: 'int', value: n });
      assert.deepEqual(out, { tsv: n.toString(), json: n.toString() }, n.toString());
    }
  });
  it('count: decimal text equal to BigInt, up to 2^64 − 1', () => {
    for (const n of [
      0n,
      1n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 64n - 1n,
    ]) {
      const out = fromPayload(field('count'), { type: 'count', value: n });
      assert.deepEqual(out, { tsv: n.toString(), json: n.toString() }, n.toString());
    }
  });
  it('addr: IPv6 text as zeek_inet_ntop6 (zero runs, IPv4 tails)', () => {
    for (const text of [
      '::',
      '::1',
      '::2',
      '1::',
      '2001:db8::1',
      'fe80::1',
      '2001:db8::1:0:0:1',
      '1:0:0:2::3',
      '1:2:3:4:5:6:7:8',
      '1:0:2:3:4:5:6:7',
      '::1.2.3.4',
      '::ffff:1.2.3.4',
      '::ffff:0:1.2.3.4',
      'abcd:ef01:2345:6789:abcd:ef01:2345:6789',
    ]) {
      const out = fromPayload(field('addr'), { type: 'addr', value: parseLogAddr(text) });
      assert.deepEqual(out, { tsv: text, json: `"${text}"` });
    }
  });
});
