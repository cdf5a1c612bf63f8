/**
 * The `broker-json-v1` cluster event serializer (broker-bin-v1.md appendix A): the event tree as
 * Broker JSON without the WebSocket `type`/`topic` keys, in Zeek's dialect (this format is only
 * read by Zeek nodes, whose reader accepts `nan`/`inf`). Lossy like Zeek's: reals keep 6
 * decimals, timestamps milliseconds. Decoding accepts Zeek's non-JSON output (`nan`, raw bytes).
 */
import { dataToEvent, eventToData, type ZeekEvent } from '../event.js';
import type { Serializer } from '../serializer.js';
import { FORMAT_BROKER_JSON_V1 } from '../zeromq/frames.js';
import { jsonToData } from './decode.js';
import { dataToJsonBytes } from './encode.js';

/** The `broker-json-v1` event serializer. Decoding throws only `DecodeError`. */
export const brokerJsonV1Serializer: Serializer<ZeekEvent> = {
  format: FORMAT_BROKER_JSON_V1,
  encode: (ev) => dataToJsonBytes(eventToData(ev), { dialect: 'zeek' }),
  decode: (bytes) => dataToEvent(jsonToData(bytes, { dialect: 'zeek' })),
};
