/**
 * Broker JSON v1 → broker-bin-v1 in one pass: a WebSocket data message is read and its value
 * written as binary while it is parsed, without building the `BrokerData` tree (the gateway's
 * client → cluster hot path; websocket-v1.md §3, broker-bin-v1.md §3).
 *
 * Contract: the result is byte-for-byte `encodeBrokerData(parseDataMessage(input).data)` with the
 * same topic, and every failure is the very error the two-step path throws. The streaming pass
 * handles the usual shapes; anything unusual — a `data` member before its `@data-type`, repeated
 * members after the data, sets and tables (Broker order needs the elements), any error — is
 * handed to the two-step path, which then decides (and throws its own exact error). Sets and
 * tables are converted through the tree locally, only for that subtree.
 */
import { parseAddress } from '../address.js';
import { encodeBrokerData } from '../broker-bin-v1/encode.js';
import { writeReal } from '../broker-bin-v1/real.js';
import { PROTOCOL_BYTES } from '../broker-bin-v1/tags.js';
import { DECODE_FAILED, inputBytes, type JsonParseOptions } from '../broker-json-v1/decode.js';
import { parseDataMessage } from '../broker-json-v1/envelope.js';
import { parsePort, parseSubnet, parseTimespan, parseTimestamp } from '../broker-json-v1/parse-text.js';
import {
  I64_MAX,
  I64_MIN,
  KEY_DATA,
  KEY_TOPIC,
  KEY_TYPE,
  TYPE_BYTES,
  TYPE_NAMES,
  U64_MAX,
  VALUE_KEYS,
  integer,
  readData,
  real,
  type EnvelopeFields,
} from '../broker-json-v1/read-data.js';
import { JsonReader, MAX_DEPTH } from '../broker-json-v1/reader.js';
import { DATA_TAGS } from '../value.js';
import { OutBuffer } from './out-buffer.js';

/** A client data message transcoded for the cluster. */
export interface TranscodedMessage {
  readonly topic: string;
  /** broker-bin-v1 payload (a fresh region; see ByteWriter.finish about `byteOffset`). */
  readonly payload: Uint8Array;
}

/** Thrown inside the streaming pass for shapes it leaves to the two-step path. */
class Unstreamable extends Error {}

const T = DATA_TAGS;
const TWO32 = 4294967296;

/** `count`/`integer` data written directly; short non-negative literals skip BigInt. */
function writeInteger(r: JsonReader, out: OutBuffer, tag: number, signed: boolean): void {
  const c = r.peek();
  const s = r.s;
  if (c !== undefined && c >= 0x30 && c <= 0x39) {
    const start = r.pos;
    let p = start;
    while (p - start < 16) {
      const d = s[p];
      if (d === undefined || d < 0x30 || d > 0x39) break;
      p++;
    }
    const next = s[p];
    // Up to 15 digits, no leading zero (JSON), followed by neither digit, '.', nor exponent.
    if (
      p - start <= 15 &&
      (p - start === 1 || c !== 0x30) &&
      next !== 0x2e &&
      next !== 0x65 &&
      next !== 0x45 &&
      (next === undefined || next < 0x30 || next > 0x39)
    ) {
      let v = 0;
      for (let k = start; k < p; k++) v = v * 10 + ((s[k] as number) - 0x30);
      r.pos = p;
      out.tag64(tag, Math.floor(v / TWO32), v >>> 0);
      return;
    }
  }
  if (signed) out.tagBigI64(tag, integer(r, 'integer', I64_MIN, I64_MAX));
  else out.tagBigU64(tag, integer(r, 'count', 0n, U64_MAX));
}

function writeTime(out: OutBuffer, tag: number, ns: bigint | undefined, r: JsonReader, what: string): void {
  if (ns === undefined || ns < I64_MIN || ns > I64_MAX) r.fail(`unparsable ${what}`);
  out.tagBigI64(tag, ns);
}

/** Writes the `data` member for a known `@data-type` (mirrors readData). */
function writeData(r: JsonReader, out: OutBuffer, type: string, depth: number): void {
  switch (type) {
    case 'none':
      r.skip(depth);
      out.u8(T.none);
      return;
    case 'boolean': {
      const c = r.peek();
      if (c === 0x74) r.literal('true');
      else if (c === 0x66) r.literal('false');
      else r.fail('boolean data is not true/false');
      out.u8(T.boolean);
      out.u8(c === 0x74 ? 1 : 0);
      return;
    }
    case 'count':
      writeInteger(r, out, T.count, false);
      return;
    case 'integer':
      writeInteger(r, out, T.integer, true);
      return;
    case 'real': {
      const v = real(r);
      out.ensure(9);
      out.buf[out.length] = T.real;
      writeReal(out.view, out.length + 1, v);
      out.length += 9;
      return;
    }
    case 'string':
    case 'enum-value': {
      const b = r.stringBytes();
      out.u8(type === 'string' ? T.string : T.enum_value);
      out.varbyte(b.length);
      out.bytes(b);
      return;
    }
    case 'address': {
      const a = parseAddress(r.string());
      if (a === undefined) r.fail('unparsable address');
      out.u8(T.address);
      out.bytes(a);
      return;
    }
    case 'subnet': {
      const n = parseSubnet(r.string());
      if (n === undefined) r.fail('unparsable subnet');
      if (n.address.length !== 16 || !Number.isInteger(n.length) || n.length < 0 || n.length > 255) {
        throw new Unstreamable('subnet the encoder rejects');
      }
      out.u8(T.subnet);
      out.bytes(n.address);
      out.u8(n.length);
      return;
    }
    case 'port': {
      r.ws();
      if (compactPort(r, out)) return;
      const p = parsePort(r.string());
      if (p === undefined) r.fail('unparsable port');
      const proto = PROTOCOL_BYTES[p.protocol];
      if (!Number.isInteger(p.value) || p.value < 0 || p.value > 0xffff || proto === undefined) {
        throw new Unstreamable('port the encoder rejects');
      }
      out.u8(T.port);
      out.ensure(3);
      out.view.setUint16(out.length, p.value);
      out.buf[out.length + 2] = proto;
      out.length += 3;
      return;
    }
    case 'timestamp':
      writeTime(out, T.timestamp, parseTimestamp(r.string()), r, 'timestamp');
      return;
    case 'timespan':
      writeTime(out, T.timespan, parseTimespan(r.string()), r, 'timespan');
      return;
    case 'vector': {
      out.u8(T.vector);
      const at = out.reserveCount();
      let n = 0;
      // array() inlined: no closure per vector on the hot path.
      if (r.peek() !== 0x5b) r.fail('data is not an array');
      r.pos++;
      if (r.peek() === 0x5d) r.pos++;
      else {
        do {
          writeValue(r, out, depth + 1);
          n++;
        } while (r.more(0x5d));
      }
      out.patchCount(at, n);
      return;
    }
    case 'set':
    case 'table':
      // Broker order and duplicate checks need all elements: convert this subtree via the tree.
      out.bytes(encodeBrokerData(readData(r, type, depth)));
      return;
    default:
      r.fail(`unknown @data-type '${type}'`);
  }
}

const HEAD = Uint8Array.from('"@data-type":"', (c) => c.charCodeAt(0));
const DATA_MEMBER = Uint8Array.from('","data":', (c) => c.charCodeAt(0));

/**
 * The compact form every serializer writes, `"@data-type":"<type>","data":`, recognized in place
 * right after `{`: returns the type's index and moves past `"data":`, or -1 (nothing consumed)
 * for anything else, which the general member loop then reads.
 */
function compactHead(r: JsonReader): number {
  const s = r.s;
  const p = r.pos;
  for (let k = 0; k < HEAD.length; k++) if (s[p + k] !== HEAD[k]) return -1;
  const start = p + HEAD.length;
  let q = start;
  while (q < start + 12 && s[q] !== 0x22) q++;
  const len = q - start;
  let t = -1;
  outer: for (let i = 0; i < TYPE_BYTES.length; i++) {
    const n = TYPE_BYTES[i] as Uint8Array;
    if (n.length !== len) continue;
    for (let k = 0; k < len; k++) if (n[k] !== s[start + k]) continue outer;
    t = i;
    break;
  }
  if (t < 0) return -1;
  for (let k = 0; k < DATA_MEMBER.length; k++) if (s[q + k] !== DATA_MEMBER[k]) return -1;
  r.pos = q + DATA_MEMBER.length;
  return t;
}

const PORT_PROTOCOLS_BY_FIRST: Readonly<Record<number, readonly [Uint8Array, number]>> = {
  0x74: [Uint8Array.from([0x74, 0x63, 0x70]), PROTOCOL_BYTES.tcp],
  0x75: [Uint8Array.from([0x75, 0x64, 0x70]), PROTOCOL_BYTES.udp],
  0x69: [Uint8Array.from([0x69, 0x63, 0x6d, 0x70]), PROTOCOL_BYTES.icmp],
  0x3f: [Uint8Array.from([0x3f]), PROTOCOL_BYTES.unknown],
};

/**
 * `"<1–5 digits>/<tcp|udp|icmp|?>"` written in place (what parsePort gives for it: the number
 * truncated to 16 bits); false (nothing consumed) for any other text, left to parsePort.
 */
function compactPort(r: JsonReader, out: OutBuffer): boolean {
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

/** Writes one `{"@data-type":…,"data":…}` object (mirrors readValue). */
function writeValue(r: JsonReader, out: OutBuffer, depth: number, envelope?: EnvelopeFields): void {
  if (depth > MAX_DEPTH) r.fail('nested too deeply');
  if (r.peek() !== 0x7b) r.fail('value is not an object');
  r.pos++;
  let type: string | undefined;
  let written = false;
  const compact = compactHead(r);
  if (compact >= 0) {
    type = TYPE_NAMES[compact] as string;
    writeData(r, out, type, depth);
    written = true;
    if (!r.more(0x7d)) return;
  } else if (r.peek() === 0x7d) r.fail('missing @data-type');
  do {
    const k = r.match(VALUE_KEYS);
    r.expect(0x3a);
    if (k === KEY_TYPE) {
      if (written) throw new Unstreamable('@data-type after data');
      if (r.peek() !== 0x22) r.fail('@data-type is not a string');
      const t = r.match(TYPE_BYTES);
      if (t < 0) r.fail('unknown @data-type');
      type = TYPE_NAMES[t];
    } else if (k === KEY_DATA) {
      if (type === undefined || written) throw new Unstreamable('data before @data-type, or twice');
      writeData(r, out, type, depth);
      written = true;
    } else if (envelope !== undefined && k === KEY_TOPIC) {
      envelope.topic = r.peek() === 0x22 ? r.string() : (r.skip(depth + 1), undefined);
    } else {
      r.skip(depth + 1);
    }
  } while (r.more(0x7d));
  if (type === undefined) r.fail('missing @data-type');
  if (!written) {
    if (type !== 'none') r.fail('missing data');
    out.u8(T.none);
  }
}

let scratch = new OutBuffer(1024);

/**
 * The streaming pass alone: the transcoded message, or undefined when it leaves the message to
 * the two-step path (unusual shapes and every error). Exported for the tests, which check that
 * the fast path really runs; callers use {@link transcodeDataMessage}.
 */
export function streamDataMessage(bytes: Uint8Array, zeek: boolean): TranscodedMessage | undefined {
  const out = scratch;
  out.length = 0;
  try {
    const r = new JsonReader(bytes, DECODE_FAILED, zeek);
    const fields: EnvelopeFields = {};
    writeValue(r, out, 0, fields);
    r.end();
    const topic = fields.topic;
    if (typeof topic === 'string' && topic !== '<$>') return { topic, payload: out.finish() };
  } catch (err) {
    // Not a loss: transcodeDataMessage's two-step path re-reads the message and throws its exact
    // error (or, for the shapes the streaming pass leaves to it, returns the result).
    void err;
  } finally {
    if (out.buf.length > 1 << 20) scratch = new OutBuffer(1024);
  }
  return undefined;
}

/**
 * Transcodes a client data message (`{"type":"data-message","topic":…,"@data-type":…,"data":…}`)
 * to its topic and broker-bin-v1 payload. Same result and same errors as
 * `encodeBrokerData(parseDataMessage(input, opts).data)`: `DecodeError` with Zeek's `reason`
 * (`failed to decode JSON object`, then `no topic in top-level JSON object`), `EncodeError` for
 * values broker-bin-v1 cannot carry.
 */
export function transcodeDataMessage(
  input: string | Uint8Array,
  opts: JsonParseOptions = {},
): TranscodedMessage {
  const bytes = inputBytes(input);
  const fast = streamDataMessage(bytes, opts.dialect === 'zeek');
  if (fast !== undefined) return fast;
  const { topic, data } = parseDataMessage(bytes, opts);
  return { topic, payload: encodeBrokerData(data) };
}
