import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createTsvRenderer,
  parseLogAddr,
  type LogBatchHeader,
  type LogField,
  type LogRecord,
} from '../../src/index.js';

const enc = new TextEncoder();
const str = (s: string) => ({ type: 'string' as const, value: enc.encode(s) });
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function header(fields: [string, LogField['type'], LogField['subtype']][]): LogBatchHeader {
  return {
    stream: 'Test::LOG',
    writer: 'Log::WRITER_ASCII',
    filter: 'default',
    path: 'te st',
    fields: fields.map(([name, type, subtype]) => ({ name, type, subtype, optional: true })),
  };
}

/**
 * Non-default LogAscii options. Expected text follows zeek v8.0.10
 * src/threading/formatters/Ascii.cc and src/Desc.cc: markers and every rendered value go
 * through ODesc's escaping (separator, plus set separator inside containers); reserved strings
 * get their first byte as \xNN; header values use get_escaped_string (spec/log-batch.md §4–5).
 */
describe('TSV renderer with custom separators and markers', () => {
  const h = header([
    ['s', 'string', 'void'],
    ['e', 'string', 'void'],
    ['v', 'vector', 'string'],
    ['a', 'addr', 'void'],
    ['u', 'count', 'void'],
  ]);
  const options = { separator: '|', setSeparator: ';', unsetField: 'NA', emptyField: 'EMPTY' };
  const rec: LogRecord = [
    str('NA'),
    str(''),
    { type: 'vector', value: [str('a;b'), null, str('')] },
    { type: 'addr', value: parseLogAddr('1.2.3.4') },
    null,
  ];

  it('escapes reserved strings, the set separator in elements, and writes the markers', () => {
    const r = createTsvRenderer(h, options);
    assert.equal(text(r.records([rec])), '\\x4eA|EMPTY|a\\x3bb;NA;EMPTY|1.2.3.4|NA\n');
  });

  it('writes the header with escaped option values', () => {
    const r = createTsvRenderer(h, options);
    const head = text(r.header(new Date(2024, 0, 2, 3, 4, 5)));
    assert.equal(
      head,
      [
        '#separator |', // printable: kept (baseline logging.ascii-binary/ssh.log)
        '#set_separator|;',
        '#empty_field|EMPTY',
        '#unset_field|NA',
        '#path|te\\x20st',
        '#open|2024-01-02-03-04-05',
        '#fields|s|e|v|a|u',
        '#types|string|string|vector[string]|addr|count',
        '',
      ].join('\n'),
    );
    assert.equal(text(r.close(new Date(2024, 0, 2, 3, 4, 6))), '#close|2024-01-02-03-04-06\n');
  });

  it('escapes a separator that occurs in numbers and addresses', () => {
    const r = createTsvRenderer(
      header([
        ['a', 'addr', 'void'],
        ['c', 'count', 'void'],
        ['d', 'double', 'void'],
      ]),
      { separator: '.' },
    );
    const out = r.records([
      [
        { type: 'addr', value: parseLogAddr('1.2.3.4') },
        { type: 'count', value: 5n },
        { type: 'double', value: 1.5 },
      ],
    ]);
    assert.equal(text(out), '1\\x2e2\\x2e3\\x2e4.5.1\\x2e5\n');
  });

  it('escapes the first byte of a line that starts with the meta prefix', () => {
    const r = createTsvRenderer(header([['s', 'string', 'void']]), { metaPrefix: '##' });
    assert.equal(text(r.records([[str('##x')], [str('#x')]])), '\\x23#x\n#x\n');
  });
});
