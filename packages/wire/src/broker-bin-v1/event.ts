import { dataToEvent, eventToData, type ZeekEvent } from '../event.js';
import { FORMAT_BROKER_BIN_V1 } from '../zeromq/frames.js';
import type { Serializer } from '../serializer.js';
import { decodeBrokerData } from './decode.js';
import { encodeBrokerData } from './encode.js';

/** Encodes an event payload (ZeroMQ frame 3 for `broker-bin-v1`). Throws `EncodeError`. */
export function encodeEvent(ev: ZeekEvent): Uint8Array {
  return encodeBrokerData(eventToData(ev));
}

/** Decodes an event payload. Throws only `DecodeError`. */
export function decodeEvent(bytes: Uint8Array): ZeekEvent {
  return dataToEvent(decodeBrokerData(bytes));
}

/** The `broker-bin-v1` event serializer. */
export const brokerBinV1Serializer: Serializer<ZeekEvent> = {
  format: FORMAT_BROKER_BIN_V1,
  encode: encodeEvent,
  decode: decodeEvent,
};
