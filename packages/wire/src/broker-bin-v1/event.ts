import { dataToEvent, EVENT_MESSAGE_TYPE, EVENT_PROTOCOL_VERSION, type ZeekEvent } from '../event.js';
import { decodeBrokerData } from './decode.js';
import { withScratch } from '../byte-writer.js';
import { writeBrokerData, writeTextBody, writeVarbyte } from './encode.js';
import { DATA_TAGS } from './tags.js';

const VECTOR = DATA_TAGS.vector;
const COUNT = DATA_TAGS.count;

/**
 * Encodes an event payload (ZeroMQ frame 3 for `broker-bin-v1`) directly, without building the
 * data tree: `[count 1, count 1, [string name, vector args, vector metadata?]]` (broker-bin-v1.md §5).
 * Throws `EncodeError`.
 */
export function encodeEvent(ev: ZeekEvent): Uint8Array {
  return withScratch((w) => {
    w.u8(VECTOR);
    w.u8(3);
    w.u8(COUNT);
    w.u64(EVENT_PROTOCOL_VERSION);
    w.u8(COUNT);
    w.u64(EVENT_MESSAGE_TYPE);
    w.u8(VECTOR);
    w.u8(ev.metadata === undefined ? 2 : 3);
    w.u8(DATA_TAGS.string);
    writeTextBody(w, ev.name);
    w.u8(VECTOR);
    writeVarbyte(w, ev.args.length);
    for (const a of ev.args) writeBrokerData(w, a);
    if (ev.metadata === undefined) return;
    w.u8(VECTOR);
    writeVarbyte(w, ev.metadata.length);
    for (const m of ev.metadata) {
      w.u8(VECTOR);
      w.u8(2);
      writeBrokerData(w, { type: 'count', value: m.id });
      writeBrokerData(w, m.value);
    }
  });
}

/** Decodes an event payload. Throws only `DecodeError`. */
export function decodeEvent(bytes: Uint8Array): ZeekEvent {
  return dataToEvent(decodeBrokerData(bytes));
}
