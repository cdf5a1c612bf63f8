/**
 * The transcoder's in-place fast paths (src/transcode/compact.ts): each either reads exactly the
 * compact form it knows and writes what the general path writes, or misses having consumed and
 * written nothing. Checked directly (hit or miss, position, bytes) and end to end against the
 * two-step path `encodeBrokerData(parseDataMessage(…).data)`, on boundary cases and on mutations
 * of the gateway benchmark's event.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  encodeBrokerData,
  parseDataMessage,
  transcodeDataMessage,
  type JsonDialect,
} from '../../src/index.js';
import { JsonReader } from '../../src/broker-json-v1/reader.js';
import {
  compactAddress,
  compactEnvelope,
  compactEventHead,
  compactHead,
  compactString,
} from '../../src/transcode/compact.js';
import { streamDataMessage } from '../../src/transcode/json-to-bin.js';
import { BrokerBinWriter } from '../../src/transcode/bin-writer.js';
import { GATEWAY_INBOUND_EVENT } from '../../bench/inbound-event.js';
import { toHex } from '../helpers/broker-fixtures.js';
import { transcodeOutcome } from '../helpers/transcode-outcome.js';

const utf8 = new TextEncoder();

/** transcodeDataMessage and the streaming pass agree with the two-step path; true if streamed. */
function agree(text: Uint8Array | string, dialect: JsonDialect = 'json'): boolean {
  const bytes = typeof text === 'string' ? utf8.encode(text) : text;
  const expected = transcodeOutcome(() => {
    const { topic, data } = parseDataMessage(bytes, { dialect });
    return { topic, payload: encodeBrokerData(data) };
  });
  assert.equal(
    transcodeOutcome(() => transcodeDataMessage(bytes, { dialect })),
    expected,
    new TextDecoder().decode(bytes),
  );
  const fast = streamDataMessage(bytes, dialect === 'zeek');
  if (fast === undefined) return false;
  assert.equal(
    transcodeOutcome(() => fast),
    expected,
    `streaming pass: ${new TextDecoder().decode(bytes)}`,
  );
  return true;
}

/** A compact helper on `text` at offset 0: hit → [end position, written hex]; miss → undefined. */
function probe(
  text: string,
  f: (r: JsonReader, out: BrokerBinWriter) => boolean,
): readonly [number, string] | undefined {
  const r = new JsonReader(utf8.encode(text), 'test');
  const out = new BrokerBinWriter(4);
  if (!f(r, out)) {
    assert.equal(r.pos, 0, 'a miss consumes nothing');
    assert.equal(out.length, 0, 'a miss writes nothing');
    return undefined;
  }
  return [r.pos, toHex(out.buf.subarray(0, out.length))];
}

const hexOf = (bytes: number[]): string => toHex(Uint8Array.from(bytes));

/** The gateway benchmark's inbound event (526 bytes). */
const benchEvent = GATEWAY_INBOUND_EVENT;

/** A one-element vector message around a value's members text. */
const inVector = (members: string): string =>
  `{"type":"data-message","topic":"/t","@data-type":"vector","data":[{${members}}]}`;

describe('compact fast paths', () => {
  it('the benchmark event is streamed and agrees (both dialects)', () => {
    assert.equal(benchEvent.length, 526);
    assert.ok(agree(benchEvent));
    assert.ok(agree(benchEvent, 'zeek'));
  });

  it('dotted quads: hits exactly where parseAddress accepts a quad, bytes IPv4-mapped', () => {
    const mapped = (a: number, b: number, c: number, d: number): string =>
      hexOf([0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d]);
    assert.deepEqual(probe('"10.1.2.3"', compactAddress), [10, mapped(10, 1, 2, 3)]);
    assert.deepEqual(probe('"0.0.0.0",', compactAddress), [9, mapped(0, 0, 0, 0)]);
    assert.deepEqual(probe('"255.255.255.255"', compactAddress), [17, mapped(255, 255, 255, 255)]);
    assert.deepEqual(probe('"1.20.199.9"}', compactAddress), [12, mapped(1, 20, 199, 9)]);
    for (const miss of [
      '"256.0.0.1"',
      '"1.2.3.256"',
      '"1.2.3.04"',
      '"01.2.3.4"',
      '"00.2.3.4"',
      '"1.2.3"',
      '"1.2.3.4.5"',
      '"1..2.3"',
      '"1.2.3."',
      '".1.2.3"',
      '"1234.1.1.1"',
      '"1.2.3.4 "',
      '" 1.2.3.4"',
      '"-1.2.3.4"',
      '"1.2.3.4/8"',
      '"::1"',
      '"::ffff:1.2.3.4"',
      '"1.2.3.4',
      '1.2.3.4',
      '"1.2.3.\\u0034"',
      '""',
      '',
    ])
      assert.equal(probe(miss, compactAddress), undefined, miss);
    for (const a of ['10.1.2.3', '0.0.0.0', '255.255.255.255'])
      assert.ok(agree(inVector(`"@data-type":"address","data":"${a}"`)), a);
    for (const a of ['256.0.0.1', '1.2.3.04', '::1', '::ffff:10.1.2.3', '1.2.3', ''])
      agree(inVector(`"@data-type":"address","data":"${a}"`));
    agree(inVector(`"@data-type":"address","data": "10.1.2.3" `));
  });

  it('any quad-like text: same result or error as parseAddress', () => {
    const part = fc.oneof(
      fc.nat(300).map(String),
      fc.constantFrom('0', '00', '01', '007', '255', '256', '1000', '', ' ', 'a', ':'),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), fc.constantFrom('.', ':'), (parts, sep) => {
        agree(inVector(`"@data-type":"address","data":"${parts.join(sep)}"`));
      }),
      { numRuns: 300 },
    );
  });

  it('plain strings: copied with their length at varbyte boundaries; anything else misses', () => {
    for (const n of [0, 1, 32, 33, 127, 128, 129, 300, 16383, 16384]) {
      const s = 'ab~ \x7f'.repeat(n).slice(0, n);
      const hit = probe(`${JSON.stringify(s)},`, (r, out) => compactString(r, out, 0x05));
      const len = n < 128 ? [n] : n < 16384 ? [(n & 0x7f) | 0x80, n >> 7] : [0x80, 0x80, 0x01];
      assert.deepEqual(hit, [n + 2, hexOf([0x05, ...len, ...utf8.encode(s)])], `length ${n}`);
      assert.ok(agree(inVector(`"@data-type":"string","data":${JSON.stringify(s)}`)));
      assert.ok(agree(inVector(`"@data-type":"enum-value","data":${JSON.stringify(s)}`)));
    }
    for (const miss of ['"a\\"b"', '"a\\u0041"', '"é"', '"a\x01"', '"a\tb"', '"abc', 'abc', '7', ''])
      assert.equal(
        probe(miss, (r, out) => compactString(r, out, 0x05)),
        undefined,
        miss,
      );
    for (const s of ['"a\\"b"', '"a\\u0041"', '"é"', '"a\x01"', '"\\ud800"', '"a\\/b"', '"abc', '7'])
      for (const dialect of ['json', 'zeek'] as const) {
        agree(inVector(`"@data-type":"string","data":${s}`), dialect);
        agree(inVector(`"@data-type":"string","data": ${s} `), dialect);
      }
  });

  it('type heads: every name hits with its index; near misses fall back and agree', () => {
    const names = [
      'none',
      'boolean',
      'count',
      'integer',
      'real',
      'string',
      'address',
      'subnet',
      'port',
      'timestamp',
      'timespan',
      'enum-value',
      'set',
      'table',
      'vector',
    ];
    names.forEach((name, i) => {
      const text = `"@data-type":"${name}","data":1`;
      const r = new JsonReader(utf8.encode(text), 'test');
      assert.equal(compactHead(r), i, name);
      assert.equal(r.pos, text.length - 1, name);
    });
    for (const miss of [
      'counts',
      'coun',
      'Count',
      'strin',
      'strings',
      'subnets',
      'se',
      'sets',
      'tabl',
      'timestam',
      'timespans',
      'timestamps',
      'enum_value',
      'vectorx',
      'x',
      '',
    ]) {
      const r = new JsonReader(utf8.encode(`"@data-type":"${miss}","data":1`), 'test');
      assert.equal(compactHead(r), -1, miss);
      assert.equal(r.pos, 0);
    }
    // Every single-byte change or deletion in every head: a hit exactly when the text is still
    // some name's compact head (a regular expression as the reference).
    const headRe = new RegExp(`^"@data-type":"(${names.join('|')})","data":`);
    for (const name of names) {
      const text = `"@data-type":"${name}","data":`;
      for (let at = 0; at < text.length; at++) {
        for (const c of ['', '\0', ' ', '"', '\\', 'a', 'e', 't', 's', 'A', '\x7f', 'é', '-', ':', ',']) {
          const changed = text.slice(0, at) + c + text.slice(at + 1);
          const r = new JsonReader(utf8.encode(`${changed}1`), 'test');
          const m = headRe.exec(changed);
          assert.equal(compactHead(r), m ? names.indexOf(m[1] ?? '') : -1, changed);
          assert.equal(r.pos, m ? utf8.encode(m[0]).length : 0, changed);
        }
      }
    }
    for (const head of [
      '"@data-type":"count" ,"data":1',
      '"@data-type":"count","data" :1',
      '"@data-type" :"count","data":1',
      '"@data-type":"count","dat":1',
      '"@data-type":"count","datas":1',
      '"@data-typ":"count","data":1',
      '"@data-type":"count"}',
    ]) {
      const r = new JsonReader(utf8.encode(head), 'test');
      assert.equal(compactHead(r), -1, head);
      assert.equal(r.pos, 0);
    }
    const data: Record<string, string> = {
      none: 'null',
      boolean: 'true',
      count: '7',
      integer: '-7',
      real: '1.5',
      string: '"s"',
      address: '"::1"',
      subnet: '"10.0.0.0/8"',
      port: '"80/tcp"',
      timestamp: '"2024-01-01T00:00:00.000"',
      timespan: '"1.5s"',
      'enum-value': '"E::x"',
      set: '[{"@data-type":"count","data":2},{"@data-type":"count","data":1}]',
      table: '[]',
      vector: '[{"@data-type":"none","data":null}]',
    };
    for (const name of names)
      for (const other of names) agree(inVector(`"@data-type":"${name}","data":${data[other] ?? ''}`));
  });

  it('event head: the usual event vector read in one step; every other shape falls back and agrees', () => {
    const head =
      '"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},' +
      '{"@data-type":"vector","data":[';
    const one = [0x02, 0, 0, 0, 0, 0, 0, 0, 1];
    assert.deepEqual(probe(`${head}{`, compactEventHead), [
      head.length,
      hexOf([0x0e, 3, ...one, ...one, 0x0e]),
    ]);
    for (const miss of [
      head.replace('"data":1}', '"data":2}'),
      head.replace('"data":1}', '"data": 1}'),
      head.replace('[{', '[ {'),
      head.replace('"count"', '"integer"'),
      head.slice(0, -1),
      head.slice(1),
      '',
    ])
      assert.equal(probe(`${miss}{`, compactEventHead), undefined, miss);
    const str = (v: string): string => `{"@data-type":"string","data":"${v}"}`;
    const vec = (...xs: string[]): string => `{"@data-type":"vector","data":[${xs.join(',')}]}`;
    const event = (inner: string, after = ']}]}', before = '{"type":"data-message","topic":"/t",'): string =>
      `${before}${head}${inner}${after}`;
    // Streamed (the fast path really runs) and equal to the two-step path.
    for (const text of [
      event(`${str('ping')},${vec(str('a'))}`),
      event(`${str('ping')},${vec()}`),
      event(`${str('ping')},${vec(str('a'))},${vec(vec(str('k'), str('v')))}`),
      event(` ${str('ping')} , ${vec()} `, ' ] } ] } '),
      event(`${str('ping')},${vec(...Array.from({ length: 130 }, (_, i) => str(`x${i}`)))}`),
      event(Array.from({ length: 200 }, () => str('e')).join(',')),
      event(''),
      event(`${str('ping')},${vec()}`, ']}],"topic":"/u"}'),
    ])
      assert.ok(agree(text), text);
    // Shapes the one step leaves to the two-step path (or errors): the same result either way.
    for (const text of [
      event(`${str('ping')},${vec()}`, '],"x":1}]}'),
      event(`${str('ping')},${vec()}`, ']},{"@data-type":"count","data":1}]}'),
      event(`${str('ping')},${vec()}`, ']}]'),
      event(`${str('ping')},${vec()}`, ']}],"topic":"<$>"}'),
      event(`${str('ping')},${vec()}`, ']}]}', '{"type":"data-message",'),
      event(`${str('ping')},${vec()}`, ']}],"topic":7}'),
      event(`${str('ping')},`),
      event(`${str('ping')}${vec()}`),
      event(`${str('ping')},${vec()}`, ']}]}x'),
    ])
      for (const dialect of ['json', 'zeek'] as const) agree(text, dialect);
  });

  it('envelope: printable ASCII topics in place; other forms and later topics agree', () => {
    const head = (topic: string): string => `{"type":"data-message","topic":"${topic}",`;
    const r = new JsonReader(utf8.encode(`${head('/a/b')}"@data-type"`), 'test');
    assert.equal(compactEnvelope(r), '/a/b');
    assert.equal(r.pos, head('/a/b').length);
    for (const miss of [
      '{"type":"data-message","topic":"/a\\/b",',
      '{"type":"data-message","topic":"/é",',
      '{"type":"data-message","topic":"/a\x01",',
      '{"type":"data-message","topic":"/a\x7f",',
      '{"type":"data-message","topic":"/a"}',
      '{"type":"data-message","topic":"/a" ,',
      '{"type":"data-message","topic":7,',
      '{"type":"data-message", "topic":"/a",',
      '{"type":"data-messages","topic":"/a",',
      ' {"type":"data-message","topic":"/a",',
      '{"type":"data-message","topic":"/a',
    ]) {
      const m = new JsonReader(utf8.encode(miss), 'test');
      assert.equal(compactEnvelope(m), undefined, miss);
      assert.equal(m.pos, 0);
    }
    const rest = '"@data-type":"count","data":1}';
    for (const text of [
      `${head('/a')}${rest}`,
      `${head('')}${rest}`,
      `${head('<$>')}${rest}`,
      `${head('/a')}"topic":"/b",${rest}`,
      `${head('/a')}${rest.slice(0, -1)},"topic":"<$>"}`,
      `${head('/a')}${rest.slice(0, -1)},"topic":null}`,
      `${head('/a')}${rest.slice(0, -1)},"type":"x"}`,
      `${head('/a')}}`,
      `${head('/a')}`,
      `${head('/a')}${rest} `,
      `${head('/a')}${rest}x`,
      `${head('/a\\u0062')}${rest}`,
      `{"type":"data-message","topic":"/a"}`,
    ])
      agree(text);
  });

  it('a repeated topic reuses its string, yet a changed byte (same buffer, same length) is seen', () => {
    const text = utf8.encode('{"type":"data-message","topic":"/t/aaa","@data-type":"count","data":1}');
    assert.equal(streamDataMessage(text, false)?.topic, '/t/aaa');
    assert.equal(streamDataMessage(text, false)?.topic, '/t/aaa');
    const at = new TextDecoder().decode(text).indexOf('/t/aaa');
    text[at + 5] = 0x62; // the last 'a'
    assert.equal(streamDataMessage(text, false)?.topic, '/t/aab');
    text[at + 1] = 0x62;
    assert.equal(streamDataMessage(text, false)?.topic, '/b/aab');
    text[at + 5] = 0x22; // the topic ends one byte early: `"/b/aa"b"` is no longer JSON
    assert.equal(streamDataMessage(text, false), undefined);
    agree(text);
    for (const n of [255, 256, 257, 5000]) {
      const topic = 'abcdefghij'.repeat(600).slice(0, n);
      const long = utf8.encode(`{"type":"data-message","topic":"${topic}","@data-type":"count","data":1}`);
      assert.equal(streamDataMessage(long, false)?.topic, topic);
      long[31 + n] = 0x2f; // its last byte
      assert.equal(streamDataMessage(long, false)?.topic, `${topic.slice(0, -1)}/`);
      assert.ok(agree(long));
    }
  });

  it('byte mutations of the benchmark event agree (both dialects)', () => {
    const near = fc.constantFrom(
      ...[0x22, 0x5c, 0x2c, 0x3a, 0x2e, 0x2f, 0x30, 0x31, 0x39, 0x20, 0x7b, 0x7d, 0x5b, 0x5d],
      ...[0x00, 0x1f, 0x7f, 0x80, 0xc3, 0xff, 0x61, 0x74, 0x73],
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(benchEvent.length - 1), near, fc.nat(2)), { minLength: 1, maxLength: 3 }),
        (ops) => {
          let b = Uint8Array.from(benchEvent);
          for (const [p, byte, kind] of ops) {
            const at = Math.min(p, b.length);
            if (kind === 0 && at < b.length) b[at] = byte;
            else if (kind === 1) b = Uint8Array.from([...b.subarray(0, at), byte, ...b.subarray(at)]);
            else b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
          }
          agree(b);
          agree(b, 'zeek');
        },
      ),
      { numRuns: 600 },
    );
  });
});
