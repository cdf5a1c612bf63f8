import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readJsonFixture } from '@zeek-relay/fixtures';
import {
  createJsonRenderer,
  createLogBatchDecoder,
  createTsvRenderer,
  encodeLogBatch,
  logTextProfile,
  ZEEK_LOG_LINES,
  type JsonStringEscape,
  type LogBatchHeader,
  type LogRecord,
  type LogTypeName,
  type LogValue,
} from '../../src/index.js';

interface ProfileCase {
  name: string;
  writer: 'tsv' | 'json';
  type: LogTypeName;
  value: { f64?: string; bytes?: string };
  expected: Record<string, string | { hex: string }>;
}

const { cases } = readJsonFixture<{ cases: ProfileCase[] }>('log-profiles', 'differences.json');

function valueOf(c: ProfileCase): LogValue {
  if (c.value.f64 !== undefined) {
    const x = Buffer.from(c.value.f64, 'hex').readDoubleBE(0);
    return { type: c.type, value: x } as LogValue;
  }
  return { type: c.type, value: new Uint8Array(Buffer.from(c.value.bytes ?? '', 'hex')) } as LogValue;
}

function expectedBytes(e: string | { hex: string }): Buffer {
  return typeof e === 'string' ? Buffer.from(e, 'utf8') : Buffer.from(e.hex, 'hex');
}

/** Renders the one-column record both ways (values, payload) and checks they agree. */
function render(c: ProfileCase, line: string, policy?: JsonStringEscape): Buffer {
  const header: LogBatchHeader = {
    stream: 'Test::LOG',
    writer: 'Log::WRITER_ASCII',
    filter: 'default',
    path: 'test',
    fields: [{ name: 'v', type: c.type, subtype: 'void', optional: false }],
  };
  const profile = logTextProfile(line);
  const records: LogRecord[] = [[valueOf(c)]];
  const make = (h: LogBatchHeader) =>
    c.writer === 'tsv'
      ? createTsvRenderer(h, { includeMeta: false, numberProfile: profile.numbers })
      : createJsonRenderer(h, { stringEscape: policy ?? profile.jsonStringEscape });
  const fromValues = Buffer.from(make(header).records(records));
  const payload = encodeLogBatch({ header, records });
  const decoded = createLogBatchDecoder().decodeHeader(payload);
  const fromPayload = Buffer.from(make(decoded.header).recordsFromPayload(payload, decoded.offset));
  assert.deepEqual(fromPayload, fromValues, `${c.name}: payload and value paths differ`);
  assert.equal(fromValues.at(-1), 0x0a);
  return fromValues.subarray(0, -1);
}

describe('log text profiles of Zeek 8.0, 8.1, 8.2 and 9.0 (packages/fixtures/data/log-profiles)', () => {
  for (const c of cases) {
    it(c.name, () => {
      for (const line of ZEEK_LOG_LINES) {
        const want = c.expected[line];
        assert.ok(want !== undefined, `${c.name}: no expectation for ${line}`);
        assert.deepEqual(
          render(c, line).toString('latin1'),
          expectedBytes(want).toString('latin1'),
          `Zeek ${line}`,
        );
      }
      for (const policy of ['pua', 'tsv'] as const) {
        const want = c.expected[`9.0/${policy}`];
        if (want === undefined) continue;
        assert.deepEqual(
          render(c, '9.0', policy).toString('latin1'),
          expectedBytes(want).toString('latin1'),
          `9.0/${policy}`,
        );
      }
    });
  }

  it('maps release lines and versions to profiles; unknown lines throw', () => {
    assert.equal(logTextProfile('8.2.2').numbers, 'zeek-8.2');
    assert.equal(logTextProfile('8.1').jsonStringEscape, 'none');
    assert.equal(logTextProfile('9.0').jsonStringEscapePolicies, true);
    assert.equal(logTextProfile('8.2').jsonStringEscapePolicies, false);
    assert.throws(() => logTextProfile('7.2'), RangeError);
    assert.throws(() => logTextProfile('latest'), RangeError);
  });
});
