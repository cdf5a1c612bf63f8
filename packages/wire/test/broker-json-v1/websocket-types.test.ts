/**
 * captured/websocket-types.json (Zeek 8.0.10): the exact text frames Zeek rendered for worker
 * events, and what Zeek made of client input (error reply or the broker-bin-v1 it published).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeError,
  WS_ERROR_CONTEXTS,
  dataToEvent,
  decodeBrokerData,
  encodeBrokerData,
  eventToData,
  formatDataMessage,
  parseDataMessage,
} from '../../src/index.js';
import { hex, loadFixture, loadWebSocketTypes, toHex } from '../helpers/broker-fixtures.js';

const fx = loadWebSocketTypes();
const frameBytes = (t: { text?: string; text_hex?: string }): Uint8Array =>
  t.text_hex !== undefined ? hex(t.text_hex) : new TextEncoder().encode(t.text as string);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Our answers where we differ from Zeek 8.0.10 by choice, derived by hand from the capture and
 * docs/protocol (zeek-8.0/gateway-choices.json): the frame of an event Zeek withheld, and the
 * payload of client input Zeek parsed with a quirk or filtered through its metadata registry.
 */
const choices = loadFixture<{
  from_worker: Record<string, { websocket_text: { text: string } }>;
  inputs: Record<string, { zeromq_payload_hex: string }>;
}>('gateway-choices.json');

describe('broker-json-v1 rendering of worker events (websocket-types from_worker)', () => {
  for (const v of fx.from_worker) {
    // A null frame: the hosting node could not convert the event (a lambda) and withheld it; we
    // render it like any other event (websocket-v1.md §9, decision 2).
    const frame = v.websocket_text ?? choices.from_worker[v.name]?.websocket_text ?? null;
    const valid = v.websocket_text === null ? true : v.is_valid_json;
    it(`${v.name}${v.websocket_text === null ? ' (withheld by Zeek)' : ''}`, () => {
      assert.ok(frame !== null, 'Zeek withheld it and gateway-choices.json has no answer');
      const data = decodeBrokerData(hex(v.zeromq_payload_hex));
      const expected = frameBytes(frame);
      const topic = /"topic":"([^"]*)"/.exec(new TextDecoder('latin1').decode(expected))?.[1] ?? '';
      assert.equal(toHex(formatDataMessage(topic, data, { dialect: 'zeek' })), toHex(expected));
      const ours = formatDataMessage(topic, data);
      JSON.parse(strictUtf8.decode(ours)); // json dialect: always valid UTF-8 JSON
      if (valid) assert.equal(toHex(ours), toHex(expected));
      // Zeek's own frame (valid JSON or not) read back in the zeek dialect renders identically.
      const back = parseDataMessage(expected, { dialect: 'zeek' });
      assert.equal(toHex(formatDataMessage(back.topic, back.data, { dialect: 'zeek' })), toHex(expected));
      if (!valid) assert.throws(() => parseDataMessage(expected), DecodeError);
    });
  }
});

describe('broker-json-v1 client input (websocket-types inputs)', () => {
  for (const v of fx.inputs) {
    it(v.name, () => {
      const reply = v.server_reply?.[0];
      const context = reply === undefined ? undefined : (JSON.parse(reply) as { context: string }).context;
      if (context === WS_ERROR_CONTEXTS.decodeFailed || context === WS_ERROR_CONTEXTS.noTopic) {
        assert.throws(
          () => parseDataMessage(v.sent),
          (e: unknown) => e instanceof DecodeError && e.reason === context,
        );
        return;
      }
      const msg = parseDataMessage(v.sent);
      assert.equal(msg.topic, JSON.parse(v.sent).topic);
      if (context === WS_ERROR_CONTEXTS.createEventFailed) return; // needs event declarations (gateway)
      const canonical = encodeBrokerData(eventToData(dataToEvent(msg.data)));
      if (v.name === 'ping-empty-metadata') {
        // The codec keeps the client's empty metadata vector; dropping it is the gateway's
        // canonicalization (websocket-v1.md §3.5), whose bytes equal Zeek's (gateway types.test.ts).
        const ours = dataToEvent(decodeBrokerData(canonical));
        const theirs = dataToEvent(decodeBrokerData(hex(v.zeromq_payload_hex as string)));
        assert.deepStrictEqual(ours.metadata, []);
        assert.deepStrictEqual({ ...ours, metadata: undefined }, { ...theirs, metadata: undefined });
        return;
      }
      // Zeek's bytes, or our documented answer where Zeek's parser has a quirk (\/ read as '?',
      // DBL_MAX as +inf, time through a double) or drops metadata ids it has not registered.
      assert.equal(toHex(canonical), choices.inputs[v.name]?.zeromq_payload_hex ?? v.zeromq_payload_hex);
    });
  }
});

describe('gateway-choices.json against the capture', () => {
  it('every answer names a case of the capture and differs from what Zeek did (no stale choice)', () => {
    for (const [name, ours] of Object.entries(choices.from_worker)) {
      const zeek = fx.from_worker.find((v) => v.name === name);
      assert.ok(zeek, name);
      assert.equal(zeek.websocket_text, null, `${name}: Zeek delivered it, so there is nothing to choose`);
      assert.ok(ours.websocket_text.text.length > 0);
    }
    for (const [name, ours] of Object.entries(choices.inputs)) {
      const zeek = fx.inputs.find((v) => v.name === name);
      assert.ok(zeek?.zeromq_payload_hex, name);
      assert.notEqual(ours.zeromq_payload_hex, zeek.zeromq_payload_hex, `${name}: same bytes as Zeek`);
    }
  });
});
