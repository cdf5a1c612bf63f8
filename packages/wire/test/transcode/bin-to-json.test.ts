/**
 * renderDataMessage (and renderDataMessageTo, appending to a writer that already holds bytes)
 * against the two-step path it replaces
 * (`formatDataMessage(topic, decodeBrokerData(payload), opts)`): same text bytes, or the same
 * DecodeError (code, offset, reason), in both dialects — on generated values and events
 * (fast-check), on mutated and truncated payloads, on hand-made edge cases, and on every
 * broker-bin-v1 payload of the copied Zeek vectors, whose captured text frames the output must
 * also match byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ByteWriter,
  DecodeError,
  decodeBrokerData,
  encodeBrokerData,
  encodeEvent,
  formatDataMessage,
  renderDataMessage,
  renderDataMessageTo,
  type BrokerData,
  type JsonDialect,
} from '../../src/index.js';
import { dataArb, eventArb, mutatedArb } from '../helpers/arbitraries.js';
import { hex, toHex } from '../helpers/broker-fixtures.js';
import { renderOutcome } from '../helpers/transcode-outcome.js';

const RUNS = { numRuns: 300 };
const DIALECTS: readonly JsonDialect[] = ['json', 'zeek'];
const utf8 = new TextEncoder();

const reference = (topic: string | Uint8Array, payload: Uint8Array, dialect: JsonDialect): string =>
  renderOutcome(() => formatDataMessage(topic, decodeBrokerData(payload), { dialect }));

const tally = { accepted: 0, rejected: 0 };

/** Bytes a caller's writer already holds before renderDataMessageTo appends. */
const HELD = Uint8Array.from([0x81, 0x7e, 0x01, 0x02]);

/** renderDataMessageTo's outcome after HELD; on an error the writer must be back at HELD. */
function appendedOutcome(topic: string | Uint8Array, payload: Uint8Array, dialect: JsonDialect): string {
  const w = new ByteWriter(8);
  w.bytes(HELD);
  const outcome = renderOutcome(() => {
    renderDataMessageTo(w, topic, payload, { dialect });
    return w.buf.slice(HELD.length, w.length);
  });
  assert.deepEqual(w.buf.slice(0, HELD.length), HELD, 'held bytes kept');
  if (!outcome.startsWith('ok')) assert.equal(w.length, HELD.length, 'partial text dropped on an error');
  return outcome;
}

/** Asserts agreement in both dialects; returns the json-dialect outcome. */
function agree(topic: string | Uint8Array, payload: Uint8Array): string {
  let first = '';
  for (const dialect of DIALECTS) {
    const expected = reference(topic, payload, dialect);
    assert.equal(
      renderOutcome(() => renderDataMessage(topic, payload, { dialect })),
      expected,
      dialect,
    );
    assert.equal(appendedOutcome(topic, payload, dialect), expected, `${dialect}, renderDataMessageTo`);
    if (first === '') first = expected;
  }
  if (first.startsWith('ok')) tally.accepted++;
  else tally.rejected++;
  return first;
}

/** Topics: plain, with escapes and control bytes, non-ASCII, invalid UTF-8. */
const topicArb: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constant('zeek/event/x'),
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.uint8Array({ maxLength: 10 }),
);

describe('renderDataMessage = formatDataMessage(topic, decodeBrokerData(payload))', () => {
  it('any value (any bytes in strings, any double, any subnet length), any topic', () => {
    fc.assert(
      fc.property(dataArb(), topicArb, (v, topic) => {
        assert.match(agree(topic, encodeBrokerData(v)), /^ok /);
      }),
      RUNS,
    );
  });

  it('events with and without metadata (the gateway hot path)', () => {
    fc.assert(
      fc.property(eventArb(), topicArb, (ev, topic) => {
        assert.match(agree(topic, encodeEvent(ev)), /^ok /);
      }),
      RUNS,
    );
  });

  it('unsorted sets and tables render sorted, as the reference does', () => {
    const count = (n: number): BrokerData => ({ type: 'count', value: BigInt(n) });
    // Written as given (no encoder sorting): 0c 03 <3> <1> <2>, 0d 02 <2> none <1> none.
    const set = Uint8Array.from([0x0c, 0x03, ...[3, 1, 2].flatMap((n) => [...encodeBrokerData(count(n))])]);
    const table = Uint8Array.from([
      0x0d,
      0x02,
      ...[2, 1].flatMap((n) => [...encodeBrokerData(count(n)), 0x00]),
    ]);
    assert.match(agree('t', set), /^ok /);
    assert.match(agree('t', table), /^ok /);
    const text = new TextDecoder().decode(renderDataMessage('t', set));
    assert.ok(text.includes('[{"@data-type":"count","data":1},{"@data-type":"count","data":2},'), text);
  });

  it('mutated payloads and random bytes: the same bytes or the same DecodeError', () => {
    const before = { ...tally };
    fc.assert(
      fc.property(
        mutatedArb(fc.oneof(dataArb().map(encodeBrokerData), eventArb().map(encodeEvent))),
        (bytes) => {
          agree('t', bytes);
        },
      ),
      { numRuns: 600 },
    );
    // Both decisions must really have been exercised (typically ~60 accepted, ~540 rejected).
    assert.ok(tally.rejected - before.rejected > 200, `only ${tally.rejected - before.rejected} rejected`);
    assert.ok(tally.accepted - before.accepted > 15, `only ${tally.accepted - before.accepted} accepted`);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        agree('t', bytes);
      }),
      RUNS,
    );
  });

  it('every truncation and every trailing byte of generated payloads', () => {
    fc.assert(
      fc.property(dataArb({ maxDepth: 2 }), fc.nat(255), (v, extra) => {
        const bytes = encodeBrokerData(v);
        for (let n = 0; n < bytes.length; n++)
          assert.match(agree('t', bytes.subarray(0, n)), /^DecodeError /);
        const longer = Uint8Array.from([...bytes, extra]);
        assert.match(agree('t', longer), /^DecodeError ZR_WIRE_TRAILING_BYTES /);
      }),
      { numRuns: 100 },
    );
  });

  it('payloads inside a larger buffer (byteOffset ≠ 0) render like copies', () => {
    fc.assert(
      fc.property(eventArb(), fc.uint8Array({ minLength: 1, maxLength: 9 }), (ev, pad) => {
        const bytes = encodeEvent(ev);
        const big = new Uint8Array(pad.length + bytes.length + pad.length);
        big.set(pad);
        big.set(bytes, pad.length);
        big.set(pad, pad.length + bytes.length);
        const view = big.subarray(pad.length, pad.length + bytes.length);
        assert.equal(
          toHex(renderDataMessage('t', view)),
          toHex(renderDataMessage('t', Uint8Array.from(bytes))),
        );
      }),
      { numRuns: 100 },
    );
  });
});

/** `0e 01` × depth, then `inner`. */
const nested = (depth: number, inner: number[]): Uint8Array =>
  Uint8Array.from([...Array.from({ length: depth }, () => [0x0e, 0x01]).flat(), ...inner]);

const u64 = (v: bigint): number[] => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, v));
  return [...out];
};

describe('renderDataMessage edge cases', () => {
  it('integers at the fast path boundaries print exactly', () => {
    const cases: [number, bigint, string][] = [
      [0x02, 0n, '0'],
      [0x02, 9n, '9'],
      [0x02, 10n, '10'],
      [0x02, 2147483647n, '2147483647'],
      [0x02, 2147483648n, '2147483648'],
      [0x02, 999999999n, '999999999'],
      [0x02, 1000000000n, '1000000000'],
      [0x02, 4294967296n, '4294967296'],
      [0x02, 1000000000000000n, '1000000000000000'],
      [0x02, 9007199254740991n, '9007199254740991'],
      [0x02, 9007199254740992n, '9007199254740992'],
      [0x02, 18446744073709551615n, '18446744073709551615'],
      [0x03, -1n, '-1'],
      [0x03, -10n, '-10'],
      [0x03, -2147483648n, '-2147483648'],
      [0x03, -2147483649n, '-2147483649'],
      [0x03, -9007199254740991n, '-9007199254740991'],
      [0x03, -9007199254740992n, '-9007199254740992'],
      [0x03, -9223372036854775808n, '-9223372036854775808'],
      [0x03, 9223372036854775807n, '9223372036854775807'],
    ];
    for (const [tag, v, text] of cases) {
      const payload = Uint8Array.from([0x0e, 0x01, tag, ...u64(v)]);
      agree('t', payload);
      const type = tag === 0x02 ? 'count' : 'integer';
      assert.equal(
        new TextDecoder().decode(renderDataMessage('t', payload)),
        `{"type":"data-message","topic":"t","@data-type":"vector","data":[{"@data-type":"${type}","data":${text}}]}`,
      );
    }
  });

  it('addresses: IPv4-mapped as dotted quads, near misses and IPv6 as hex groups', () => {
    const v4 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
    const cases: [number[], string][] = [
      [[...v4, 0, 0, 0, 0], '0.0.0.0'],
      [[...v4, 255, 10, 99, 100], '255.10.99.100'],
      [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4], '::102:304'],
      [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 1, 2, 3, 4], '::fffe:102:304'],
      [[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4], '100::ffff:102:304'],
      [[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
    ];
    for (const [bytes, text] of cases) {
      const payload = Uint8Array.from([0x06, ...bytes]);
      agree('t', payload);
      assert.ok(new TextDecoder().decode(renderDataMessage('t', payload)).endsWith(`"data":"${text}"}`));
    }
    // Every byte of the ::ffff: prefix matters: one changed byte gives IPv6 text.
    for (let i = 0; i < 12; i++) {
      const bytes = [...v4, 10, 0, 0, 1];
      bytes[i] = (bytes[i] as number) ^ 0x01;
      const text = new TextDecoder().decode(renderDataMessage('t', Uint8Array.from([0x06, ...bytes])));
      assert.ok(/"data":"[0-9a-f:]+"\}$/.test(text), text);
      agree('t', Uint8Array.from([0x06, ...bytes]));
    }
  });

  it('ports, reals, times, subnets, strings with escapes and invalid UTF-8', () => {
    const str = (b: number[]): number[] => [0x05, b.length, ...b];
    const payloads: number[][] = [
      [0x08, 0xff, 0xff, 0x00],
      [0x08, 0x00, 0x00, 0x03],
      [0x08, 0x01, 0xbb, 0x04], // protocol 4: rejected
      [0x04, ...u64(0x7ff8000000000000n)],
      [0x04, ...u64(0xffffffffffffffffn)],
      [0x04, ...u64(0xfff0000000000000n)],
      [0x04, ...u64(0x8000000000000000n)],
      [0x04, ...u64(0x0000000000000001n)],
      [0x09, ...u64(-1500000000n)],
      [0x0a, ...u64(1500000000n)],
      [0x07, ...Array<number>(16).fill(0), 0xff],
      str([0x22, 0x5c, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x1f, 0x7f]),
      str([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]),
      str([0xff, 0xc3, 0x28, 0xe2, 0x82, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]),
      [0x0b, 0x09, ...utf8.encode('Conn::LOG')],
      [0x05, 0x80, 0x01, ...Array<number>(128).fill(0x61)], // two-byte length
      [0x05, 0x85, 0x80, 0x80, 0x80, 0x00], // over-long varbyte, accepted
      [0x05, 0x80, 0x80, 0x80, 0x80, 0x10], // length above 2^32 − 1
      [0x05, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // varbyte longer than 5 bytes
      [0x05, 0x03, 0x61],
      [0x01, 0x07],
      [0x0f],
      [0x0e, 0x05, 0x00],
      [0x0c, 0x02, 0x00, 0x00], // duplicate set element
      [0x0d, 0x02, 0x00, 0x00, 0x00, 0x01, 0x01], // duplicate table key
      [0x0e, 0x02, 0x0c, 0x02, 0x00, 0x00, 0x0f], // error inside a set before its duplicate
    ];
    for (const p of payloads) agree('t', Uint8Array.from(p));
    const vector200 = Uint8Array.from([0x0e, 0xc8, 0x01, ...Array<number>(200).fill(0x00)]);
    assert.match(agree('t', vector200), /^ok /);
  });

  it('nesting: 512 levels render, 513 are rejected at the same offset, also inside sets', () => {
    assert.match(agree('t', nested(512, [0x00])), /^ok /);
    assert.equal(agree('t', nested(513, [0x00])), `DecodeError ZR_WIRE_INVALID 1024 value nested too deeply`);
    assert.match(agree('t', nested(511, [0x0c, 0x01, 0x00])), /^ok /);
    assert.match(
      agree('t', nested(512, [0x0c, 0x01, 0x00])),
      /^DecodeError .* 1024 value nested too deeply$/,
    );
    assert.match(agree('t', nested(300, [0x0d, 0x01, 0x00, ...nested(300, [0x00])])), /^DecodeError /);
  });

  it('empty payload and trailing bytes', () => {
    assert.equal(agree('t', new Uint8Array(0)), 'DecodeError ZR_WIRE_TRUNCATED 0 empty payload');
    assert.equal(
      agree('t', Uint8Array.from([0x00, 0x00])),
      'DecodeError ZR_WIRE_TRAILING_BYTES 1 1 bytes after the value',
    );
  });

  it('a result stays valid after later calls (independent regions)', () => {
    const a = encodeEvent({ name: 'a', args: [{ type: 'count', value: 1n }] });
    const b = encodeEvent({ name: 'b', args: [{ type: 'count', value: 2n }] });
    const first = renderDataMessage('t', a);
    const copy = toHex(first);
    for (let i = 0; i < 50; i++) renderDataMessage('t', b);
    assert.equal(toHex(first), copy);
    assert.throws(() => renderDataMessage('t', hex('0f')), DecodeError);
    assert.equal(toHex(renderDataMessage(utf8.encode('t'), a)), copy);
  });
});
