/**
 * Data messages of the WebSocket API v1 (websocket-v1 §3) ⇄ Zeek events, through
 * @zeek-relay/wire's Broker JSON v1 codec, so what the client sends is exactly what Zeek's own
 * server parses (strict JSON, reals always with a fraction, 64-bit counts as bigint).
 */
import {
  dataToEvent,
  eventToData,
  formatDataMessage,
  parseDataMessage,
  type ZeekEvent as WireEvent,
} from '@zeek-relay/wire';
import { CLIENT_ERROR_CODES, ClientError } from './errors.js';

/** An event to publish: name, Broker-typed arguments, optional metadata (see `@zeek-relay/wire` `data.*` constructors). */
export type OutgoingEvent = WireEvent;

/** An event received from the server, with the topic it was published on. */
export interface ZeekEvent extends WireEvent {
  readonly topic: string;
}

/**
 * Encodes `{"type":"data-message","topic":…,"@data-type":"vector","data":[…]}` as UTF-8 bytes of
 * a text frame. Throws INVALID_ARGUMENT for an empty topic or a value the format cannot carry.
 */
export function encodeEventMessage(topic: string, event: OutgoingEvent): Uint8Array {
  if (typeof topic !== 'string' || topic.length === 0 || topic === '<$>') {
    throw new ClientError(CLIENT_ERROR_CODES.INVALID_ARGUMENT, `Invalid topic ${JSON.stringify(topic)}`);
  }
  if (typeof event?.name !== 'string' || event.name.length === 0 || !Array.isArray(event.args)) {
    throw new ClientError(
      CLIENT_ERROR_CODES.INVALID_ARGUMENT,
      'An event needs a non-empty name and an args array',
    );
  }
  try {
    return formatDataMessage(topic, eventToData(event));
  } catch (cause) {
    throw new ClientError(
      CLIENT_ERROR_CODES.INVALID_ARGUMENT,
      `Cannot encode event ${event.name}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/** Decodes a server data message into an event; throws DECODE_FAILED (with the wire error as cause). */
export function decodeEventMessage(bytes: Uint8Array): ZeekEvent {
  try {
    const msg = parseDataMessage(bytes);
    const ev = dataToEvent(msg.data);
    return ev.metadata === undefined
      ? { topic: msg.topic, name: ev.name, args: ev.args }
      : { topic: msg.topic, name: ev.name, args: ev.args, metadata: ev.metadata };
  } catch (cause) {
    throw new ClientError(
      CLIENT_ERROR_CODES.DECODE_FAILED,
      `Undecodable data message: ${(cause as Error).message}`,
      { cause },
    );
  }
}
