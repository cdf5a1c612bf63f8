import { DecodeError, EncodeError, WIRE_ERROR_CODES } from '../errors.js';
import type { BrokerData } from '../value.js';
import type { JsonFormatOptions } from './encode.js';

/** Error codes of WebSocket `error` messages (websocket-v1.md §2.5). */
export const WS_ERROR_CODES = {
  invalidUri: 'invalid_uri',
  invalidApplicationName: 'invalid_application_name',
  deserializationFailed: 'deserialization_failed',
  brokerError: 'broker_error',
} as const;

/** Zeek's exact `context` texts (websocket-v1.md §2.5). */
export const WS_ERROR_CONTEXTS = {
  invalidUri: 'Invalid URI - use /v1/messages/json',
  invalidApplicationName: 'Invalid X-Application-Name',
  subscriptionsNotArray: 'subscriptions not an array',
  subscriptionNotString: 'individual subscription not a string',
  decodeFailed: 'failed to decode JSON object',
  noTopic: 'no topic in top-level JSON object',
  createEventFailed: 'failed to create Zeek event',
} as const;

/** A client data message. */
export interface DataMessage {
  readonly topic: string;
  readonly data: BrokerData;
}

export function parseSubscriptions(text: string | Uint8Array): string[] {
  void text;
  throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, 'not implemented');
}

export function parseDataMessage(text: string | Uint8Array): DataMessage {
  void text;
  throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, 'not implemented');
}

export function formatDataMessage(topic: string | Uint8Array, data: BrokerData, opts: JsonFormatOptions = {}): Uint8Array {
  void topic;
  void data;
  void opts;
  throw new EncodeError('not implemented');
}

export function formatAck(endpoint: string, version: string): string {
  return `{"type":"ack","endpoint":${JSON.stringify(endpoint)},"version":${JSON.stringify(version)}}`;
}

export function formatError(code: string, context: string): string {
  return `{"type":"error","code":${JSON.stringify(code)},"context":${JSON.stringify(context)}}`;
}
