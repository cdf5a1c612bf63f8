/**
 * In-place recognizers for the compact forms every serializer writes, the transcoder's fast
 * paths (json-to-bin.ts): each one either reads exactly the bytes it knows and writes what the
 * general path would, or returns a miss having consumed and written nothing, so the general
 * path reads the same bytes again and decides (including every error).
 */
import { PROTOCOL_BYTES } from '../broker-bin-v1/tags.js';
import { TYPE_NAMES } from '../broker-json-v1/read-data.js';
import type { JsonReader } from '../broker-json-v1/reader.js';
import { DATA_TAGS } from '../value.js';
import type { BrokerBinWriter } from './bin-writer.js';

const T = DATA_TAGS;

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Index of a `@data-type` name in TYPE_NAMES (what JsonReader.match(TYPE_BYTES) returns). */
export function typeIndex(name: (typeof TYPE_NAMES)[number]): number {
  return TYPE_NAMES.indexOf(name);
}

/** The names as bytes, index = type index. */
const NAMES = TYPE_NAMES.map((n) => ascii(n));

/**
 * The candidate type of a name starting at `p`, told apart by its first bytes (the caller then
 * compares the whole name): -1 when no name starts that way.
 */
function candidateType(s: Uint8Array, p: number): number {
  switch (s[p]) {
    case 0x63: // count
      return 2;
    case 0x76: // vector
      return 14;
    case 0x73: // string, subnet, set
      return s[p + 1] === 0x74 ? 5 : s[p + 1] === 0x75 ? 7 : 12;
    case 0x61: // address
      return 6;
    case 0x70: // port
      return 8;
    case 0x69: // integer
      return 3;
    case 0x72: // real
      return 4;
    case 0x62: // boolean
      return 1;
    case 0x6e: // none
      return 0;
    case 0x65: // enum-value
      return 11;
    case 0x74: // table, timestamp, timespan
      return s[p + 1] === 0x61 ? 13 : s[p + 5] === 0x74 ? 9 : 10;
    default:
      return -1;
  }
}

/**
 * `"@data-type":"<type>","data":` right after a value's `{`: returns the type's index and moves
 * past `"data":`, or -1 (nothing consumed) for anything else, which the member loop then reads.
 */
export function compactHead(r: JsonReader): number {
  const s = r.s;
  let p = r.pos;
  if (!typeKeyAt(s, p)) return -1;
  p += 14;
  const t = candidateType(s, p);
  if (t < 0) return -1;
  const name = NAMES[t] as Uint8Array;
  // The first byte chose the candidate.
  for (let k = 1; k < name.length; k++) if (s[p + k] !== name[k]) return -1;
  p += name.length;
  if (!dataKeyAt(s, p)) return -1;
  r.pos = p + 9;
  return t;
}

// The two fixed parts of the head are compared in line, byte by byte: measured clearly faster
// than a loop over a pattern array (the head is read once per value).

/** `"@data-type":"` (14 bytes) at `p`. */
function typeKeyAt(s: Uint8Array, p: number): boolean {
  return (
    s[p] === 0x22 &&
    s[p + 1] === 0x40 &&
    s[p + 2] === 0x64 &&
    s[p + 3] === 0x61 &&
    s[p + 4] === 0x74 &&
    s[p + 5] === 0x61 &&
    s[p + 6] === 0x2d &&
    s[p + 7] === 0x74 &&
    s[p + 8] === 0x79 &&
    s[p + 9] === 0x70 &&
    s[p + 10] === 0x65 &&
    s[p + 11] === 0x22 &&
    s[p + 12] === 0x3a &&
    s[p + 13] === 0x22
  );
}

/** `","data":` (9 bytes) at `p`. */
function dataKeyAt(s: Uint8Array, p: number): boolean {
  return (
    s[p] === 0x22 &&
    s[p + 1] === 0x2c &&
    s[p + 2] === 0x22 &&
    s[p + 3] === 0x64 &&
    s[p + 4] === 0x61 &&
    s[p + 5] === 0x74 &&
    s[p + 6] === 0x61 &&
    s[p + 7] === 0x22 &&
    s[p + 8] === 0x3a
  );
}

/**
 * An event's head as compact serializers write it, from the data message's `@data-type` on:
 * the vector `[count 1, count 1, [` up to the first element of the inner vector (name, args,
 * metadata), i.e. the value members of every event a client publishes.
 */
const EVENT_HEAD = ascii(
  '"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},' +
    '{"@data-type":"vector","data":[',
);
/** What the general path writes for it: vector of 3, count 1, count 1, the inner vector's tag. */
const EVENT_HEAD_BIN = Uint8Array.from([
  T.vector, 3,
  T.count, 0, 0, 0, 0, 0, 0, 0, 1,
  T.count, 0, 0, 0, 0, 0, 0, 0, 1,
  T.vector,
]); // prettier-ignore

/**
 * {@link EVENT_HEAD} at the reader's position: moves past it and writes {@link EVENT_HEAD_BIN}
 * (the caller writes the inner vector's count and elements and closes both vectors), or returns
 * false having consumed and written nothing. Five values' heads, two counts and the vectors'
 * brackets in one comparison instead of the general path's five value reads.
 */
export function compactEventHead(r: JsonReader, out: BrokerBinWriter): boolean {
  const s = r.s;
  const p = r.pos;
  const n = EVENT_HEAD.length;
  if (s.length - p < n) return false;
  for (let k = 0; k < n; k++) if (s[p + k] !== EVENT_HEAD[k]) return false;
  r.pos = p + n;
  out.bytes(EVENT_HEAD_BIN);
  return true;
}

const ENVELOPE_HEAD = ascii('{"type":"data-message","topic":"');
/** Longer topics are not remembered (nor kept alive). */
const TOPIC_CACHE_MAX = 256;
let lastTopicBytes = new Uint8Array(0);
let lastTopic = '';

/**
 * `{"type":"data-message","topic":"<printable ASCII, no escapes>",` at the start of a message:
 * returns the topic (the previous call's string when the bytes repeat, as they do for a client
 * publishing to one topic; topics up to 256 bytes are remembered) and moves past the comma, or undefined (nothing consumed). The
 * members read this way are the ones the member loop would read: `type` is ignored there, and a
 * later `topic` member still replaces this one.
 */
export function compactEnvelope(r: JsonReader): string | undefined {
  const s = r.s;
  let p = r.pos;
  for (let k = 0; k < ENVELOPE_HEAD.length; k++) if (s[p + k] !== ENVELOPE_HEAD[k]) return undefined;
  p += ENVELOPE_HEAD.length;
  const start = p;
  for (;;) {
    const c = s[p];
    if (c === undefined || c < 0x20 || c > 0x7e || c === 0x5c) return undefined;
    if (c === 0x22) break;
    p++;
  }
  if (s[p + 1] !== 0x2c) return undefined;
  r.pos = p + 2;
  const n = p - start;
  if (n === lastTopicBytes.length) {
    let same = true;
    for (let k = 0; k < n; k++) {
      if (lastTopicBytes[k] !== s[start + k]) {
        same = false;
        break;
      }
    }
    if (same) return lastTopic;
  }
  let topic = '';
  for (let k = start; k < p; k++) topic += String.fromCharCode(s[k] as number);
  if (n <= TOPIC_CACHE_MAX) {
    lastTopicBytes = s.slice(start, p);
    lastTopic = topic;
  }
  return topic;
}

/**
 * A string data without escapes, control characters or non-ASCII bytes, copied straight into
 * the output after its tag and length; false (nothing consumed or written) for any other token.
 */
export function compactString(r: JsonReader, out: BrokerBinWriter, tag: number): boolean {
  const s = r.s;
  let p = r.pos;
  if (s[p] !== 0x22) return false;
  const start = ++p;
  for (;;) {
    const c = s[p];
    if (c === undefined || c < 0x20 || c >= 0x80 || c === 0x5c) return false;
    if (c === 0x22) break;
    p++;
  }
  const n = p - start;
  r.pos = p + 1;
  out.u8(tag);
  out.varbyte(n);
  out.ensure(n);
  const buf = out.buf;
  let o = out.length;
  if (n > 32) buf.set(s.subarray(start, p), o);
  else for (let k = start; k < p; k++) buf[o++] = s[k] as number;
  out.length += n;
  return true;
}

/**
 * An IPv4 dotted quad `"a.b.c.d"` (octets 0–255, no leading zeros: parseAddress's rules) written
 * IPv4-mapped; false (nothing consumed or written) for anything else, left to parseAddress.
 */
export function compactAddress(r: JsonReader, out: BrokerBinWriter): boolean {
  const s = r.s;
  let p = r.pos;
  if (s[p] !== 0x22) return false;
  p++;
  let a = 0;
  for (let part = 0; part < 4; part++) {
    const c0 = s[p];
    if (c0 === undefined || c0 < 0x30 || c0 > 0x39) return false;
    let v = c0 - 0x30;
    p++;
    if (c0 !== 0x30) {
      for (let k = 0; k < 2; k++) {
        const c = s[p];
        if (c === undefined || c < 0x30 || c > 0x39) break;
        v = v * 10 + c - 0x30;
        p++;
      }
      if (v > 255) return false;
    }
    if (s[p] !== (part === 3 ? 0x22 : 0x2e)) return false;
    p++;
    a = a * 256 + v;
  }
  r.pos = p;
  out.ensure(17);
  const buf = out.buf;
  const o = out.length;
  buf[o] = T.address;
  buf.fill(0, o + 1, o + 11);
  buf[o + 11] = 0xff;
  buf[o + 12] = 0xff;
  out.view.setUint32(o + 13, a);
  out.length += 17;
  return true;
}

const PORT_PROTOCOLS_BY_FIRST: Readonly<Record<number, readonly [Uint8Array, number]>> = {
  0x74: [ascii('tcp'), PROTOCOL_BYTES.tcp],
  0x75: [ascii('udp'), PROTOCOL_BYTES.udp],
  0x69: [ascii('icmp'), PROTOCOL_BYTES.icmp],
  0x3f: [ascii('?'), PROTOCOL_BYTES.unknown],
};

/**
 * `"<1–5 digits>/<tcp|udp|icmp|?>"` written in place (what parsePort gives for it: the number
 * truncated to 16 bits); false (nothing consumed) for any other text, left to parsePort.
 */
export function compactPort(r: JsonReader, out: BrokerBinWriter): boolean {
  const s = r.s;
  let p = r.pos;
  if (s[p] !== 0x22) return false;
  p++;
  let v = 0;
  const start = p;
  for (let c = s[p]; c !== undefined && c >= 0x30 && c <= 0x39 && p - start < 5; c = s[++p])
    v = v * 10 + c - 0x30;
  if (p === start || s[p] !== 0x2f) return false;
  const proto = PORT_PROTOCOLS_BY_FIRST[s[p + 1] as number];
  if (proto === undefined) return false;
  const [name, byte] = proto;
  for (let k = 0; k < name.length; k++) if (s[p + 1 + k] !== name[k]) return false;
  p += 1 + name.length;
  if (s[p] !== 0x22) return false;
  r.pos = p + 1;
  out.ensure(4);
  out.buf[out.length] = T.port;
  out.view.setUint16(out.length + 1, v & 0xffff);
  out.buf[out.length + 3] = byte;
  out.length += 4;
  return true;
}
