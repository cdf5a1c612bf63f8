/**
 * WebSocket API v1 messages (websocket-v1.md §2.2–2.5, §3.1, §3.6): the client's subscription
 * array, data messages both ways, and the server's `ack` and `error` messages, compact and with
 * keys in Zeek's order.
 */
import { ByteWriter, withScratch } from '../byte-writer.js';
import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import type { BrokerData } from '../value.js';
import { DECODE_FAILED, inputBytes, type JsonParseOptions } from './decode.js';
import { readValue, type EnvelopeFields } from './read-data.js';
import { JsonReader } from './reader.js';
import { writeMembers, type JsonFormatOptions } from './encode.js';
import { writeJsonString } from './json-string.js';

/** Zeek's exact `context` texts (websocket-v1.md §2.5). */
export const WS_ERROR_CONTEXTS = {
  invalidUri: 'Invalid URI - use /v1/messages/json',
  invalidApplicationName: 'Invalid X-Application-Name',
  subscriptionsNotArray: 'subscriptions not an array',
  subscriptionNotString: 'individual subscription not a string',
  decodeFailed: DECODE_FAILED,
  noTopic: 'no topic in top-level JSON object',
  createEventFailed: 'failed to create Zeek event',
} as const;

/** A client data message: the publish topic and the payload value (normally an event vector). */
export interface DataMessage {
  readonly topic: string;
  readonly data: BrokerData;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses the client's first message: a JSON array of topic-prefix strings (may be empty,
 * duplicates allowed, returned as sent). Strict JSON. Throws `DecodeError` whose `reason` is
 * Zeek's context: `subscriptions not an array` (invalid JSON, invalid UTF-8, not an array) or
 * `individual subscription not a string`.
 */
export function parseSubscriptions(input: string | Uint8Array): string[] {
  let tree: unknown;
  try {
    tree = JSON.parse(typeof input === 'string' ? input : utf8Fatal.decode(input));
  } catch (cause) {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, WS_ERROR_CONTEXTS.subscriptionsNotArray, { cause });
  }
  if (!Array.isArray(tree))
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, WS_ERROR_CONTEXTS.subscriptionsNotArray);
  tree.forEach((t: unknown, i) => {
    if (typeof t !== 'string')
      throw new DecodeError(WIRE_ERROR_CODES.INVALID, i, WS_ERROR_CONTEXTS.subscriptionNotString);
  });
  return tree as string[];
}

/**
 * Parses a client data message. Checks in Zeek's order: JSON and value decoding (`reason`
 * `failed to decode JSON object`; `type` and unknown keys are ignored), then the topic (`reason`
 * `no topic in top-level JSON object` when missing, not a string, or the reserved `<$>`).
 * Event construction (`failed to create Zeek event`) is the caller's step (`dataToEvent`).
 */
export function parseDataMessage(input: string | Uint8Array, opts: JsonParseOptions = {}): DataMessage {
  const r = new JsonReader(inputBytes(input), DECODE_FAILED, opts.dialect === 'zeek');
  const fields: EnvelopeFields = {};
  const data = readValue(r, 0, fields);
  r.end();
  const topic = fields.topic;
  if (typeof topic !== 'string' || topic === '<$>') {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, WS_ERROR_CONTEXTS.noTopic);
  }
  return { topic, data };
}

const utf8 = new TextEncoder();
/** `{"type":"data-message","topic":` (shared with the one-pass renderer). */
export const DATA_MESSAGE_HEAD = utf8.encode('{"type":"data-message","topic":');

/**
 * Renders a server→client data message as UTF-8 text-frame bytes:
 * `{"type":"data-message","topic":…,"@data-type":…,"data":…}`. `topic` may be the raw ZeroMQ
 * frame. Default dialect `json` (valid JSON); `zeek` reproduces Zeek's bytes. Throws `EncodeError`.
 */
export function formatDataMessage(
  topic: string | Uint8Array,
  data: BrokerData,
  opts: JsonFormatOptions = {},
): Uint8Array {
  const zeek = opts.dialect === 'zeek';
  const topicBytes = typeof topic === 'string' ? utf8.encode(topic) : topic;
  return withScratch((w) => {
    w.bytes(DATA_MESSAGE_HEAD);
    writeJsonString(w, topicBytes, zeek);
    w.u8(0x2c);
    writeMembers(w, data, zeek);
    w.u8(0x7d);
  });
}

function jsonText(s: string): string {
  const w = new ByteWriter(64);
  writeJsonString(w, utf8.encode(s), false);
  return new TextDecoder().decode(w.finish());
}

/** `{"type":"ack","endpoint":…,"version":…}` (compact, Zeek's key order). */
export function formatAck(endpoint: string, version: string): string {
  return `{"type":"ack","endpoint":${jsonText(endpoint)},"version":${jsonText(version)}}`;
}

/** `{"type":"error","code":…,"context":…}` (compact, Zeek's key order). */
export function formatError(code: string, context: string): string {
  return `{"type":"error","code":${jsonText(code)},"context":${jsonText(context)}}`;
}
