/**
 * broker-bin-v1 → Broker JSON v1 in one pass: a cluster event payload is read and written as the
 * WebSocket `data-message` text while it is decoded, without building the `BrokerData` tree (the
 * gateway's cluster → client fan-out; broker-bin-v1.md §3, websocket-v1.md §3.2, §3.6). The
 * mirror of json-to-bin.ts.
 *
 * Contract: the result is byte-for-byte `formatDataMessage(topic, decodeBrokerData(payload),
 * opts)`, and every rejection is the very `DecodeError` (code, offset, reason) that
 * `decodeBrokerData` throws. Both hold by construction:
 * - bytes are read in the decoder's order with its own helpers (`need`, `readVarbyte`,
 *   `readCount`), so the first problem met is the decoder's first problem, with its error;
 * - text is written with the JSON writer's own pieces (`PREFIX`, `PORT_NAMES`, `writeJsonString`
 *   and its `plain` test, `writeReal`, `formatTimestamp`, `formatTimespan`); what is written in
 *   place (decimal digits of safe integers, dotted quads, plain-ASCII strings) is the same text;
 * - everything off the hot path — sets and tables (Broker order and duplicate checks need all
 *   elements), subnets, IPv6 addresses, unknown or missing tags, invalid port protocols, too deep
 *   nesting — is rewound to its tag, read by the decoder's `read` and written by the JSON
 *   writer's `writeMembers`: that subtree takes the reference path itself;
 * - an empty payload and trailing bytes are reported by calling `decodeBrokerData` itself.
 */
import {
  decodeBrokerData,
  need,
  read,
  readCount,
  readVarbyte,
  type Cursor,
} from '../broker-bin-v1/decode.js';
import { readReal } from '../broker-bin-v1/real.js';
import { MAX_DEPTH, PORT_PROTOCOLS, TYPE_BY_TAG } from '../broker-bin-v1/tags.js';
import { withScratch, type ByteWriter } from '../byte-writer.js';
import {
  PORT_NAMES,
  PREFIX,
  writeMembers,
  writeReal,
  type JsonFormatOptions,
} from '../broker-json-v1/encode.js';
import { DATA_MESSAGE_HEAD } from '../broker-json-v1/envelope.js';
import { formatTimespan, formatTimestamp } from '../broker-json-v1/format-number.js';
import { head, RenderCursor, stringAt, u32, uintAt } from './render-primitives.js';

const utf8 = new TextEncoder();

/**
 * What goes before a value's members: nothing (top level), `{` (first element of a list), `},{`
 * (a later one, closing the element before it).
 */
type Lead = 0 | 1 | 2;
const SEPARATORS: readonly Uint8Array[] = [utf8.encode(''), utf8.encode('{'), utf8.encode('},{')];

/** Separator + `"@data-type":…,"data":`, by tag byte, then by {@link Lead}. */
const HEADS: readonly (readonly Uint8Array[])[] = TYPE_BY_TAG.map((t) =>
  SEPARATORS.map((sep) => Uint8Array.from([...sep, ...PREFIX[t]])),
);

/** `/<protocol>"` by protocol byte (0..3), the tail of a port's text. */
const PORT_TAILS: readonly Uint8Array[] = PORT_PROTOCOLS.map((p) => utf8.encode(`/${PORT_NAMES[p]}"`));

const TWO32 = 4294967296;
/** Below this high word a 64-bit value is a safe integer (|v| < 2^53). */
const SAFE_HI = 0x200000;
/** Room for the longest text written in place after a head: a 20-character count or integer. */
const SCALAR_ROOM = 24;

/** Rewinds to the value's tag and renders it through the tree (the reference path). */
function viaTree(c: Cursor, w: ByteWriter, tagAt: number, zeek: boolean, depth: number, lead: Lead): void {
  c.pos = tagAt;
  const d = read(c, depth);
  w.bytes(SEPARATORS[lead] as Uint8Array);
  writeMembers(w, d, zeek, depth);
}

/** A string or enum name: the decoder's length rules, then {@link stringAt}. */
function renderBytes(c: Cursor, w: ByteWriter, h: Uint8Array, zeek: boolean, what: string): void {
  const bytes = c.bytes;
  // A one-byte length (< 128) read in place; anything else by the decoder's readVarbyte.
  const b0 = bytes[c.pos];
  let len: number;
  if (b0 !== undefined && b0 < 0x80) {
    len = b0;
    c.pos++;
  } else len = readVarbyte(c, what);
  const at = need(c, len, what);
  w.length = head(w, h, 0);
  stringAt(w, bytes, at, at + len, zeek);
}

function renderNone(w: ByteWriter, h: Uint8Array): void {
  let p = head(w, h, 2);
  w.buf[p++] = 0x7b;
  w.buf[p++] = 0x7d;
  w.length = p;
}

function renderBoolean(c: Cursor, w: ByteWriter, h: Uint8Array): void {
  const on = c.bytes[need(c, 1, 'boolean')] !== 0;
  w.length = head(w, h, 0);
  w.latin1(on ? 'true' : 'false');
}

/** A count (tag 0x02) or integer (0x03): plain digits while safe, else through BigInt. */
function renderInteger(c: Cursor, w: ByteWriter, h: Uint8Array, tag: number): void {
  const at = need(c, 8, tag === 0x02 ? 'count' : 'integer');
  const word = u32(c.bytes, at);
  const hi = tag === 0x02 ? word : word | 0;
  let p = head(w, h, SCALAR_ROOM);
  if (hi >= -SAFE_HI && hi < SAFE_HI) {
    let v = hi * TWO32 + u32(c.bytes, at + 4);
    if (v < 0) {
      w.buf[p++] = 0x2d;
      v = -v;
    }
    w.length = uintAt(w.buf, p, v);
  } else {
    w.length = p;
    w.latin1((tag === 0x02 ? c.view.getBigUint64(at) : c.view.getBigInt64(at)).toString());
  }
}

function renderRealValue(c: Cursor, w: ByteWriter, h: Uint8Array, zeek: boolean): void {
  const x = readReal(c.view, need(c, 8, 'real'));
  w.length = head(w, h, 0);
  writeReal(w, x, zeek);
}

/**
 * An IPv4-mapped address as a dotted quad. False (nothing written) for other addresses: IPv6
 * text is formatAddress's, through the tree.
 */
function renderV4Address(c: Cursor, w: ByteWriter, h: Uint8Array): boolean {
  const bytes = c.bytes;
  const at = need(c, 16, 'address');
  for (let i = 0; i < 10; i++) if (bytes[at + i] !== 0) return false;
  if (bytes[at + 10] !== 0xff || bytes[at + 11] !== 0xff) return false;
  let p = head(w, h, SCALAR_ROOM);
  const buf = w.buf;
  buf[p++] = 0x22;
  for (let i = 12; i < 16; i++) {
    if (i > 12) buf[p++] = 0x2e;
    p = uintAt(buf, p, bytes[at + i] as number);
  }
  buf[p++] = 0x22;
  w.length = p;
  return true;
}

/** A port; false (nothing written) for an invalid protocol byte, which the decoder rejects. */
function renderPortValue(c: Cursor, w: ByteWriter, h: Uint8Array): boolean {
  const bytes = c.bytes;
  const at = need(c, 3, 'port');
  const tail = PORT_TAILS[bytes[at + 2] as number];
  if (tail === undefined) return false;
  let p = head(w, h, SCALAR_ROOM);
  const buf = w.buf;
  buf[p++] = 0x22;
  p = uintAt(buf, p, ((bytes[at] as number) << 8) | (bytes[at + 1] as number));
  for (let i = 0; i < tail.length; i++) buf[p++] = tail[i] as number;
  w.length = p;
  return true;
}

/** A timestamp (tag 0x09) or timespan (0x0a). */
function renderTime(c: Cursor, w: ByteWriter, h: Uint8Array, tag: number): void {
  const ns = c.view.getBigInt64(need(c, 8, tag === 0x09 ? 'timestamp' : 'timespan'));
  w.length = head(w, h, 0);
  w.u8(0x22);
  w.latin1(tag === 0x09 ? formatTimestamp(ns) : formatTimespan(ns));
  w.u8(0x22);
}

function renderVector(c: Cursor, w: ByteWriter, h: Uint8Array, zeek: boolean, depth: number): void {
  const n = readCount(c, 1, 'vector');
  const p = head(w, h, 1);
  w.buf[p] = 0x5b;
  w.length = p + 1;
  for (let i = 0; i < n; i++) renderValue(c, w, zeek, depth + 1, i === 0 ? 1 : 2);
  if (n > 0) w.u8(0x7d);
  w.u8(0x5d);
}

/**
 * Renders the value at the cursor: `lead`, then its members `"@data-type":…,"data":…` (no
 * closing brace). Reads exactly what the decoder's `read` reads, with the same checks in the
 * same order.
 */
function renderValue(c: Cursor, w: ByteWriter, zeek: boolean, depth: number, lead: Lead): void {
  const tagAt = c.pos;
  const tag = c.bytes[tagAt];
  const heads = tag === undefined ? undefined : HEADS[tag];
  // Missing or unknown tag: the decoder throws its own error.
  if (heads === undefined) return viaTree(c, w, tagAt, zeek, depth, lead);
  const h = heads[lead] as Uint8Array;
  c.pos = tagAt + 1;
  switch (tag) {
    case 0x00:
      return renderNone(w, h);
    case 0x01:
      return renderBoolean(c, w, h);
    case 0x02:
    case 0x03:
      return renderInteger(c, w, h, tag);
    case 0x04:
      return renderRealValue(c, w, h, zeek);
    case 0x05:
      return renderBytes(c, w, h, zeek, 'string');
    case 0x0b:
      return renderBytes(c, w, h, zeek, 'enum_value');
    case 0x06:
      if (!renderV4Address(c, w, h)) viaTree(c, w, tagAt, zeek, depth, lead);
      return;
    case 0x08:
      if (!renderPortValue(c, w, h)) viaTree(c, w, tagAt, zeek, depth, lead);
      return;
    case 0x09:
    case 0x0a:
      return renderTime(c, w, h, tag);
    case 0x0e:
      if (depth >= MAX_DEPTH) return viaTree(c, w, tagAt, zeek, depth, lead);
      return renderVector(c, w, h, zeek, depth);
    default:
      // Subnets, sets and tables.
      return viaTree(c, w, tagAt, zeek, depth, lead);
  }
}

/** An event's first bytes: a vector of 3 whose first two elements are count 1 (version, type). */
const EVENT_HEAD = Uint8Array.from([0x0e, 0x03, ...[1, 2].flatMap(() => [0x02, 0, 0, 0, 0, 0, 0, 0, 1])]);
/** Their rendering, up to where the third element's lead `},{` follows. */
const EVENT_HEAD_TEXT = utf8.encode(
  '"@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1',
);

/**
 * The payload starts with {@link EVENT_HEAD} (and has a byte after it: the third element's tag
 * is read by renderValue, which rejects a missing one as the decoder does).
 */
function isEventHead(payload: Uint8Array): boolean {
  if (payload.length <= EVENT_HEAD.length) return false;
  for (let i = 0; i < EVENT_HEAD.length; i++) if (payload[i] !== EVENT_HEAD[i]) return false;
  return true;
}

// One cursor reused across calls (rendering is synchronous, so calls never interleave).
const cursorScratch = new RenderCursor();

/**
 * Renders a cluster event straight from its broker-bin-v1 payload as a WebSocket data message,
 * UTF-8 text-frame bytes `{"type":"data-message","topic":…,"@data-type":…,"data":…}`, in one pass.
 * `topic` may be the raw ZeroMQ frame. Default dialect `json` (valid JSON); `zeek` reproduces
 * Zeek's bytes.
 *
 * Same bytes as `formatDataMessage(topic, decodeBrokerData(payload), opts)` and the same
 * failures: `DecodeError` with `decodeBrokerData`'s code, offset and reason for every payload it
 * rejects (empty, truncated, unknown tag, trailing bytes, duplicate set element or table key,
 * nesting deeper than 512, …). Nothing is returned for a rejected payload; the result is a fresh
 * region (see `ByteWriter.finish` about `byteOffset`).
 */
export function renderDataMessage(
  topic: string | Uint8Array,
  payload: Uint8Array,
  opts: JsonFormatOptions = {},
): Uint8Array {
  // An empty payload: decodeBrokerData throws its own error for it.
  if (payload.length === 0) decodeBrokerData(payload);
  return withScratch((w) => renderDataMessageTo(w, topic, payload, opts));
}

/**
 * {@link renderDataMessage} appended to the caller's writer `w` (from `w.length` on), without the
 * copy out: for a caller that frames or batches the text itself (the gateway's fan-out). Same
 * bytes, same errors; on an error `w.length` is back where it was (partial text is dropped).
 */
export function renderDataMessageTo(
  w: ByteWriter,
  topic: string | Uint8Array,
  payload: Uint8Array,
  opts: JsonFormatOptions = {},
): void {
  const zeek = opts.dialect === 'zeek';
  const topicBytes = typeof topic === 'string' ? utf8.encode(topic) : topic;
  if (payload.length === 0) decodeBrokerData(payload);
  const start = w.length;
  try {
    const c = cursorScratch;
    c.reset(payload);
    w.bytes(DATA_MESSAGE_HEAD);
    stringAt(w, topicBytes, 0, topicBytes.length, zeek);
    w.u8(0x2c);
    if (isEventHead(payload)) {
      // [count 1, count 1, …]: the first two elements as one constant, then the third.
      w.bytes(EVENT_HEAD_TEXT);
      c.pos = EVENT_HEAD.length;
      renderValue(c, w, zeek, 1, 2);
      w.u8(0x7d);
      w.u8(0x5d);
    } else renderValue(c, w, zeek, 0, 0);
    w.u8(0x7d);
    // Bytes after the value: decodeBrokerData throws its own error for them.
    if (c.pos !== payload.length) decodeBrokerData(payload);
  } catch (err) {
    w.length = start;
    throw err;
  }
}
