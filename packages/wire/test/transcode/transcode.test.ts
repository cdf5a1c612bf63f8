/**
 * transcodeDataMessage against the two-step path it replaces
 * (`encodeBrokerData(parseDataMessage(text).data)`): same topic and payload bytes, or the same
 * error, on generated messages (fast-check) and on every JSON text of the copied Zeek vectors.
 * isCanonicalEventPayload against `encodeEvent(dataToEvent(…))`.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath } from '@zeek-relay/fixtures';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  DecodeError,
  dataToEvent,
  dataToJson,
  encodeBrokerData,
  encodeEvent,
  eventToData,
  isCanonicalEventPayload,
  parseDataMessage,
  transcodeDataMessage,
  transcodeDataMessageView,
  type BrokerData,
  type JsonDialect,
} from '../../src/index.js';
import { streamDataMessage } from '../../src/transcode/json-to-bin.js';
import {
  dataArb,
  eventArb,
  mutatedArb,
  shuffledJsonArb,
  valueMutatedJsonArb,
} from '../helpers/arbitraries.js';
import { hex, loadFixture, toHex } from '../helpers/broker-fixtures.js';
import { transcodeOutcome } from '../helpers/transcode-outcome.js';

const RUNS = { numRuns: 400 };
const utf8 = new TextEncoder();

function twoStep(text: Uint8Array, dialect: JsonDialect): { topic: string; payload: Uint8Array } {
  const { topic, data } = parseDataMessage(text, { dialect });
  return { topic, payload: encodeBrokerData(data) };
}

let streamed = 0;

/** Asserts agreement for one input in one dialect; counts inputs the streaming pass handled. */
function agree(text: Uint8Array, dialect: JsonDialect = 'json'): void {
  const expected = transcodeOutcome(() => twoStep(text, dialect));
  assert.equal(
    transcodeOutcome(() => transcodeDataMessage(text, { dialect })),
    expected,
  );
  assert.equal(
    transcodeOutcome(() => transcodeDataMessageView(text, { dialect })),
    expected,
    'transcodeDataMessageView disagrees',
  );
  const fast = streamDataMessage(text, dialect === 'zeek');
  if (fast !== undefined) {
    streamed++;
    assert.equal(
      transcodeOutcome(() => fast),
      expected,
      'streaming pass disagrees',
    );
  }
}

/** A data message around a value's JSON text: `{"type":…,"topic":…,` + the value's members. */
function message(topic: string, valueJson: Uint8Array | string): Uint8Array {
  const v = typeof valueJson === 'string' ? valueJson : new TextDecoder().decode(valueJson);
  const inner = v.trimStart().slice(1);
  return utf8.encode(`{"type":"data-message","topic":${JSON.stringify(topic)},${inner}`);
}

const topicArb = fc.oneof(fc.constant('/zeek/event/x'), fc.string({ maxLength: 8 }), fc.constant('<$>'));

describe('transcodeDataMessage = encodeBrokerData(parseDataMessage(…).data)', () => {
  it('events (the gateway hot path) are streamed and agree', () => {
    const before = streamed;
    fc.assert(
      fc.property(eventArb({ jsonExact: true }), fc.string({ maxLength: 12 }), (ev, topic) => {
        agree(message(topic, dataToJson(eventToData(ev))));
      }),
      RUNS,
    );
    // Most generated events have no set/table: the streaming pass must have done the work.
    assert.ok(streamed - before > RUNS.numRuns / 4, `only ${streamed - before} streamed`);
  });

  it('any value, any member order, whitespace and extra keys', () => {
    fc.assert(
      fc.property(shuffledJsonArb(dataArb({ jsonExact: true })), topicArb, (text, topic) => {
        agree(message(topic, text));
      }),
      RUNS,
    );
  });

  it('values with edge tokens, and byte mutations of whole messages (errors agree)', () => {
    fc.assert(
      fc.property(valueMutatedJsonArb(dataArb({ jsonExact: true })), topicArb, (text, topic) => {
        agree(message(topic, text));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(
        mutatedArb(
          fc
            .tuple(dataArb({ jsonExact: true, maxDepth: 2 }), topicArb)
            .map(([d, t]) => message(t, dataToJson(d))),
        ),
        (bytes) => {
          agree(bytes);
          agree(bytes, 'zeek');
        },
      ),
      RUNS,
    );
  });

  it('vectors of 0…300 elements (multi-byte element counts) and big integers', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc
              .bigInt({ min: 0n, max: (1n << 64n) - 1n })
              .map((value): BrokerData => ({ type: 'count', value })),
            fc
              .bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })
              .map((value): BrokerData => ({ type: 'integer', value })),
          ),
          { maxLength: 300, size: 'max' },
        ),
        (items) => agree(message('/t', dataToJson({ type: 'vector', value: items }))),
      ),
      { numRuns: 100 },
    );
    for (const n of [
      '0',
      '00',
      '-0',
      '1.0',
      '1e3',
      '999999999999999',
      '9999999999999999',
      '18446744073709551616',
      '-1',
      '007',
    ])
      for (const type of ['count', 'integer'])
        agree(
          utf8.encode(`{"topic":"/t","@data-type":"vector","data":[{"@data-type":"${type}","data":${n}}]}`),
        );
  });

  it('shapes left to the two-step path still agree', () => {
    for (const text of [
      '{"topic":"/t","data":[],"@data-type":"vector"}',
      '{"topic":"/t","@data-type":"count","data":1,"@data-type":"count"}',
      '{"topic":"/t","@data-type":"count","data":1,"data":2}',
      '{"@data-type":"none","topic":"/t"}',
      '{"@data-type":"none"}',
      '{"topic":"<$>","@data-type":"none"}',
      '{"topic":7,"@data-type":"none"}',
      '{"topic":"/t","@data-type":"set","data":[{"@data-type":"count","data":2},{"@data-type":"count","data":1}]}',
      '{"topic":"/t","@data-type":"set","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1}]}',
      '{"topic":"/t","@data-type":"table","data":[{"key":{"@data-type":"string","data":"b"},"value":{"@data-type":"none"}}]}',
      '{"topic":"/t","@data-type":"subnet","data":"10.0.0.0/8"}',
      '{"topic":"/t","@data-type":"timestamp","data":"2024-01-01T00:00:00.5"}',
      '{"topic":"/t","@data-type":"timespan","data":"1.5s"}',
      '{"topic":"/t","@data-type":"port","data":"80/xyz"}',
      ...[
        '0/tcp',
        '00080/udp',
        '99999/icmp',
        '65535/?',
        '123456/tcp',
        '80',
        '/tcp',
        '80/',
        '80/tc',
        '80/tcpx',
        '80/icm',
      ].map((p) => `{"topic":"/t","@data-type":"vector","data":[{"@data-type":"port","data":"${p}"}]}`),
      '{"topic":"/t","@data-type":"vector","data":[{"@data-type":"port","data": "80/tcp" }]}',
      '{"topic":"/t","@data-type":"vector","data":[{ "@data-type":"count","data":1}]}',
      '{"topic":"/t","@data-type":"vector","data":[{"@data-type":"count","data":1,"x":2}]}',
      '{"topic":"/t","@data-type":"vector","data":[{"@data-type":"count","data":1,"@data-type":"count"}]}',
      '{"topic":"/t","@data-type":"vector","data":[{"@data-type":"counts","data":1}]}',
      '{"topic":"/t","@data-type":"vector","data":[{"@data-type":"count","dat":1}]}',
      '{"topic":"/t","@data-type":"real","data":"NaN"}',
      '{}',
      '[]',
      '',
    ])
      agree(utf8.encode(text));
  });
});

describe('transcodeDataMessage and transcodeDataMessageView payloads', () => {
  const ping = (arg: string): Uint8Array =>
    message(
      '/t',
      dataToJson(eventToData({ name: 'ping', args: [{ type: 'count', value: BigInt(arg.length) }] })),
    );
  const first = ping('a');
  const second = ping('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
  it('transcodeDataMessage returns a copy that later calls leave intact', () => {
    const expected = toHex(twoStep(first, 'json').payload);
    const kept = transcodeDataMessage(first).payload;
    transcodeDataMessage(second);
    transcodeDataMessageView(second);
    assert.equal(toHex(kept), expected);
  });
  it('transcodeDataMessageView gives the same bytes, valid until the next call', () => {
    for (const text of [first, second, first]) {
      assert.equal(toHex(transcodeDataMessageView(text).payload), toHex(twoStep(text, 'json').payload));
    }
  });
});

describe('transcodeDataMessage on every JSON text of the vectors', () => {
  const texts: Uint8Array[] = [];
  const collect = (node: unknown): void => {
    if (typeof node === 'string') {
      if (node.includes('@data-type')) texts.push(utf8.encode(node));
    } else if (Array.isArray(node)) node.forEach(collect);
    else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'text_hex' && typeof v === 'string') texts.push(hex(v));
        else if (k === 'json' && v !== null && typeof v === 'object')
          texts.push(utf8.encode(JSON.stringify(v)));
        else collect(v);
      }
    }
  };
  const dir = fixturePath('zeek-8.0');
  for (const f of readdirSync(join(dir, 'websocket')).filter((n) => n.endsWith('.json')))
    collect(loadFixture(`websocket/${f}`));
  for (const f of readdirSync(join(dir, 'captured')).filter(
    (n) => n.startsWith('websocket') && n.endsWith('.json'),
  ))
    collect(loadFixture(`captured/${f}`));

  it(`${texts.length} texts, both dialects`, () => {
    assert.ok(texts.length > 100, `only ${texts.length} vector texts found`);
    const before = streamed;
    for (const t of texts) {
      agree(t);
      agree(t, 'zeek');
    }
    assert.ok(streamed - before > texts.length / 2, `only ${streamed - before} streamed`);
  });
});

describe('isCanonicalEventPayload', () => {
  it('true exactly when encodeEvent(dataToEvent(value)) reproduces the bytes, without metadata', () => {
    const shapes = fc.oneof(
      eventArb().map((ev) => eventToData(ev) as BrokerData),
      fc
        .tuple(eventArb(), fc.bigInt({ min: 0n, max: 3n }), fc.bigInt({ min: 0n, max: 3n }))
        .map(([ev, v, t]): BrokerData => {
          const d = eventToData(ev);
          return {
            type: 'vector',
            value: [{ type: 'count', value: v }, { type: 'count', value: t }, d.value[2] as BrokerData],
          };
        }),
      fc.tuple(fc.uint8Array({ maxLength: 6 }), dataArb({ maxDepth: 1 })).map(
        ([name, args]): BrokerData => ({
          type: 'vector',
          value: [
            { type: 'count', value: 1n },
            { type: 'count', value: 1n },
            { type: 'vector', value: [{ type: 'string', value: name }, args] },
          ],
        }),
      ),
      dataArb({ maxDepth: 3 }),
    );
    let canonical = 0;
    fc.assert(
      fc.property(shapes, (d) => {
        const bytes = encodeBrokerData(d);
        let rebuilt: string | undefined;
        let hasMetadata = false;
        try {
          const ev = dataToEvent(d);
          hasMetadata = ev.metadata !== undefined;
          rebuilt = toHex(encodeEvent(ev));
        } catch (e) {
          assert.ok(e instanceof DecodeError);
        }
        const expected = rebuilt === toHex(bytes) && !hasMetadata;
        assert.equal(isCanonicalEventPayload(bytes), expected);
        if (expected) canonical++;
      }),
      { numRuns: 600 },
    );
    // 600 runs give 39–79 canonical cases (30 seeds measured, mean ≈ 61): 20 does not flake.
    assert.ok(canonical > 20, `only ${canonical} canonical cases generated`);
  });

  it('over-long name length, truncation and a non-vector argument list are not canonical', () => {
    const good = encodeEvent({ name: 'ping', args: [] });
    assert.equal(isCanonicalEventPayload(good), true);
    const overlong = Uint8Array.from([...good.subarray(0, 23), 0x84, 0x00, ...good.subarray(24)]);
    assert.equal(isCanonicalEventPayload(overlong), false);
    assert.equal(isCanonicalEventPayload(good.subarray(0, good.length - 2)), false);
    const notVector = Uint8Array.from(good);
    notVector[good.length - 2] = 0x0c;
    assert.equal(isCanonicalEventPayload(notVector), false);
  });

  it('names: ASCII, then UTF-8 after an ASCII start, then invalid bytes after an ASCII start', () => {
    const named = (name: Uint8Array): Uint8Array =>
      encodeBrokerData({
        type: 'vector',
        value: [
          { type: 'count', value: 1n },
          { type: 'count', value: 1n },
          {
            type: 'vector',
            value: [
              { type: 'string', value: name },
              { type: 'vector', value: [] },
            ],
          },
        ],
      });
    assert.equal(isCanonicalEventPayload(named(utf8.encode('Test::ping'))), true);
    assert.equal(isCanonicalEventPayload(named(utf8.encode('Test::pïng€'))), true);
    assert.equal(isCanonicalEventPayload(named(Uint8Array.from([0x70, 0x69, 0xc3]))), false);
    assert.equal(isCanonicalEventPayload(named(Uint8Array.from([0x70, 0xff, 0x69]))), false);
  });
});
