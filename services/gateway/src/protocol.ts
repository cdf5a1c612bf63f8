/**
 * Constants of Zeek's WebSocket API v1 that clients can observe (websocket-v1.md §2, §4).
 * Every text here is byte-for-byte what Zeek 8.0.10 sends; clients match on `code`, some on
 * `context`, so none of these may change.
 */

/** The one path served (§1.3); compared with the raw request target, query string included. */
export const API_PATH = '/v1/messages/json';

/** `code` values of `{"type":"error"}` messages (§2.5), plus the gateway's own ACL code. */
export const ERROR_CODES = {
  invalidUri: 'invalid_uri',
  invalidApplicationName: 'invalid_application_name',
  deserializationFailed: 'deserialization_failed',
  /** Not Zeek: a token's topic ACL forbids the subscription or publication (README "Auth"). */
  forbiddenTopic: 'forbidden_topic',
} as const;
/** Union of the error codes the gateway sends. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Exact `context` strings Zeek sends with the errors above (§2.5). */
export const ERROR_CONTEXTS = {
  invalidUri: 'Invalid URI - use /v1/messages/json',
  invalidApplicationName: 'Invalid X-Application-Name',
  subscriptionsNotArray: 'subscriptions not an array',
  subscriptionNotString: 'individual subscription not a string',
  decodeFailed: 'failed to decode JSON object',
  noTopic: 'no topic in top-level JSON object',
  createEventFailed: 'failed to create Zeek event',
} as const;

/** WebSocket close codes and reasons (§2.7, §4.6) and the gateway's own additions. */
export const CLOSE = {
  invalidUri: { code: 1008, reason: ERROR_CONTEXTS.invalidUri },
  invalidApplicationName: { code: 1008, reason: ERROR_CONTEXTS.invalidApplicationName },
  pingTimeout: { code: 1011, reason: 'Ping timeout' },
  subscribeFailed: { code: 1011, reason: 'Could not subscribe. Something bad happened!' },
  terminating: { code: 1001, reason: 'Terminating' },
  invalidUtf8: { code: 1007, reason: 'Invalid frame payload data' },
  /** Not Zeek (Zeek closes the TCP socket without a close frame): bounded send queue overflowed. */
  slowClient: { code: 1008, reason: 'Send queue full' },
  /** Not Zeek: a token's ACL forbids one of the subscriptions. */
  forbiddenSubscription: { code: 1008, reason: 'Forbidden subscription' },
  /** Not Zeek: too many data messages sent before the ack. */
  tooManyPending: { code: 1008, reason: 'Too many messages before ack' },
} as const;

/** Close code/reason reported in `websocket_client_lost` when the TCP connection just ended. */
export const ABNORMAL_CLOSURE = { code: 1006, reason: 'Abnormal closure' } as const;
/** Reported for a client close frame without a status code (§4.6). */
export const NO_STATUS_CODE = { code: 1005, reason: 'No status code' } as const;

/**
 * `X-Application-Name` check (§1.5): `[-/_.=:*@a-zA-Z0-9]*` on the trimmed value; empty is fine.
 */
const APP_NAME_RE = /^[-/_.=:*@a-zA-Z0-9]*$/;

/** True when the (already trimmed) header value is acceptable to Zeek. */
export function isValidApplicationName(value: string): boolean {
  return APP_NAME_RE.test(value);
}

/** `{"type":"error",...}` exactly as Zeek serializes it (compact, keys in this order, §2.5). */
export function formatError(code: ErrorCode, context: string): string {
  return `{"type":"error","code":${JSON.stringify(code)},"context":${JSON.stringify(context)}}`;
}

/** `{"type":"ack",...}` exactly as Zeek serializes it (§2.3). */
export function formatAck(endpoint: string, version: string): string {
  return `{"type":"ack","endpoint":${JSON.stringify(endpoint)},"version":${JSON.stringify(version)}}`;
}

/** Pre-rendered error frames, so the hot path does not re-serialize constants. */
export const ERROR_FRAMES = {
  invalidUri: formatError(ERROR_CODES.invalidUri, ERROR_CONTEXTS.invalidUri),
  invalidApplicationName: formatError(
    ERROR_CODES.invalidApplicationName,
    ERROR_CONTEXTS.invalidApplicationName,
  ),
  subscriptionsNotArray: formatError(ERROR_CODES.deserializationFailed, ERROR_CONTEXTS.subscriptionsNotArray),
  subscriptionNotString: formatError(ERROR_CODES.deserializationFailed, ERROR_CONTEXTS.subscriptionNotString),
  decodeFailed: formatError(ERROR_CODES.deserializationFailed, ERROR_CONTEXTS.decodeFailed),
  noTopic: formatError(ERROR_CODES.deserializationFailed, ERROR_CONTEXTS.noTopic),
  createEventFailed: formatError(ERROR_CODES.deserializationFailed, ERROR_CONTEXTS.createEventFailed),
} as const;

/** Zeek's server PING payload (§4.5): `ixwebsocket::heartbeat::<interval>s::<n>`, n from 0. */
export function pingPayload(intervalSeconds: number, counter: number): string {
  return `ixwebsocket::heartbeat::${intervalSeconds}s::${counter}`;
}
