/**
 * ZeroMQ multipart framing of Zeek's ZeroMQ cluster backend (zeromq-wire.md §3.1, §6.2).
 *
 * | frame | event message              | log message                  |
 * |-------|----------------------------|------------------------------|
 * | 0     | topic (prefix-matched)     | `log-write` (not checked)    |
 * | 1     | sender node id             | sender node id (not checked) |
 * | 2     | `broker-bin-v1` / `-json-` | `zeek-bin-serializer`        |
 * | 3     | serialized event           | serialized log batch         |
 *
 * Only the envelope is handled here; payloads go through the format codecs.
 */
import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';

/** Format id of Broker's binary event serializer (Zeek's default). */
export const FORMAT_BROKER_BIN_V1 = 'broker-bin-v1';
/** Format id of Broker's JSON event serializer. */
export const FORMAT_BROKER_JSON_V1 = 'broker-json-v1';
/** Format id of Zeek's log batch serializer. */
export const FORMAT_ZEEK_BIN_SERIALIZER = 'zeek-bin-serializer';
/** Frame 0 of every log message. */
export const LOG_WRITE_TOPIC = 'log-write';

const utf8 = new TextEncoder();
const latin1 = new TextDecoder('latin1');
const FORMAT_BYTES = new Map<string, Uint8Array>();

function asBytes(v: Uint8Array | string): Uint8Array {
  if (typeof v !== 'string') return v;
  let b = FORMAT_BYTES.get(v);
  if (b === undefined) {
    b = utf8.encode(v);
    if (FORMAT_BYTES.size < 16) FORMAT_BYTES.set(v, b);
  }
  return b;
}

/** A decoded event message. Byte fields are the caller's frames (no copy). */
export interface EventMessage {
  readonly topic: Uint8Array;
  readonly sender: Uint8Array;
  /** Frame 2 as text (ASCII format id). */
  readonly format: string;
  readonly payload: Uint8Array;
}

/** Input of {@link encodeEventFrames}; strings are UTF-8 encoded (cache bytes on hot paths). */
export interface EventMessageInput {
  readonly topic: Uint8Array | string;
  readonly sender: Uint8Array | string;
  /** Defaults to `broker-bin-v1`. */
  readonly format?: string;
  readonly payload: Uint8Array;
}

/** Builds the 4 frames of a published event, in order `[topic, sender, format, payload]`. */
export function encodeEventFrames(msg: EventMessageInput): Uint8Array[] {
  return [
    typeof msg.topic === 'string' ? utf8.encode(msg.topic) : msg.topic,
    typeof msg.sender === 'string' ? utf8.encode(msg.sender) : msg.sender,
    asBytes(msg.format ?? FORMAT_BROKER_BIN_V1),
    msg.payload,
  ];
}

/**
 * Splits a received event message. Fails (`ZR_WIRE_INVALID`, offset = frame count) unless there
 * are exactly 4 frames, as Zeek's XSUB reader does. Frame 2 is not compared with a format: the
 * caller checks it against its serializer (Zeek: "Wrong format").
 */
export function decodeEventFrames(frames: readonly Uint8Array[]): EventMessage {
  if (frames.length !== 4) {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, frames.length, `expected 4 parts, have ${frames.length}`);
  }
  const [topic, sender, format, payload] = frames as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { topic, sender, format: latin1.decode(format), payload };
}

/** A decoded log message (frame 0 is kept but, like Zeek, not checked). */
export interface LogMessage {
  readonly topic: Uint8Array;
  readonly sender: Uint8Array;
  readonly format: string;
  readonly payload: Uint8Array;
}

/** Builds the 4 frames of a log write: `["log-write", sender, "zeek-bin-serializer", batch]`. */
export function encodeLogFrames(sender: Uint8Array | string, payload: Uint8Array): Uint8Array[] {
  return [
    asBytes(LOG_WRITE_TOPIC),
    typeof sender === 'string' ? utf8.encode(sender) : sender,
    asBytes(FORMAT_ZEEK_BIN_SERIALIZER),
    payload,
  ];
}

/**
 * Splits a received log message. Fails with `ZR_WIRE_INVALID` for a frame count other than 4 and
 * `ZR_WIRE_UNKNOWN_TAG` when frame 2 is not `zeek-bin-serializer` (Zeek: "Got log message in
 * format '<x>'"); frames 0 and 1 are not checked, as in Zeek.
 */
export function decodeLogFrames(frames: readonly Uint8Array[]): LogMessage {
  if (frames.length !== 4) {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, frames.length, `expected 4 parts, have ${frames.length}`);
  }
  const [topic, sender, formatBytes, payload] = frames as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const format = latin1.decode(formatBytes);
  if (format !== FORMAT_ZEEK_BIN_SERIALIZER) {
    throw new DecodeError(WIRE_ERROR_CODES.UNKNOWN_TAG, 2, `got log message in format '${format}'`);
  }
  return { topic, sender, format, payload };
}
