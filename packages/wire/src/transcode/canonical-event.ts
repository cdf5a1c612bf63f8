/**
 * Recognizes, on the bytes, an event payload that is already in Zeek's canonical form, so a
 * transcoded client message can be published without building its tree (broker-bin-v1.md §5).
 */
import { utf8Sequence } from '../broker-json-v1/json-string.js';
import { DATA_TAGS } from '../value.js';

/** `[count 1, count 1, [string …` up to the name's length: 23 fixed bytes. */
const HEAD = Uint8Array.from([
  DATA_TAGS.vector, 3,
  DATA_TAGS.count, 0, 0, 0, 0, 0, 0, 0, 1,
  DATA_TAGS.count, 0, 0, 0, 0, 0, 0, 0, 1,
  DATA_TAGS.vector, 2,
  DATA_TAGS.string,
]); // prettier-ignore

/**
 * True when `payload` — a complete, valid broker-bin-v1 value such as `encodeBrokerData` or
 * `transcodeDataMessage` produce — is an event without metadata, version/type 1/1, a valid UTF-8
 * name in minimal varbyte form and a vector of arguments: exactly the bytes
 * `encodeEvent(dataToEvent(decodeBrokerData(payload)))` would give, so they can be forwarded
 * as they are. False means "take the tree path" (metadata, other versions, not an event, …), not
 * "invalid". Arbitrary bytes are not validated beyond this prefix.
 */
export function isCanonicalEventPayload(payload: Uint8Array): boolean {
  if (payload.length < HEAD.length + 3) return false;
  for (let i = 0; i < HEAD.length; i++) if (payload[i] !== HEAD[i]) return false;
  // Name length: minimal unsigned LEB128 of at most 5 bytes (what encodeEvent writes).
  let p = HEAD.length;
  let len = 0;
  let scale = 1;
  for (let k = 0; ; k++) {
    const b = payload[p++];
    if (b === undefined || k === 5) return false;
    len += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) {
      if (b === 0 && k > 0) return false;
      break;
    }
  }
  const end = p + len;
  if (end >= payload.length || payload[end] !== DATA_TAGS.vector) return false;
  // The usual name is ASCII: checked in place; a view only for names with other bytes.
  let ascii = p;
  while (ascii < end && (payload[ascii] as number) < 0x80) ascii++;
  if (ascii === end) return true;
  const name = payload.subarray(ascii, end);
  for (let i = 0; i < name.length; ) {
    if ((name[i] as number) < 0x80) {
      i++;
      continue;
    }
    const n = utf8Sequence(name, i);
    if (n < 0) return false;
    i += n;
  }
  return true;
}
