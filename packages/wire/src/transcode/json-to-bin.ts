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
 * tables are converted through the tree locally, only for that subtree. The compact forms
 * serializers write (envelope head, `"@data-type":"…","data":`, plain strings, dotted quads,
 * ports) are recognized in place first (compact.ts), falling back to the general reading.
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
import {
  compactAddress,
  compactEnvelope,
  compactEventHead,
  compactHead,
  compactPort,
  compactString,
  typeIndex,
} from './compact.js';
import { BrokerBinWriter } from './bin-writer.js';

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
function writeInteger(r: JsonReader, out: BrokerBinWriter, tag: number, signed: boolean): void {
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

function writeTime(
  out: BrokerBinWriter,
  tag: number,
  ns: bigint | undefined,
  r: JsonReader,
  what: string,
): void {
  if (ns === undefined || ns < I64_MIN || ns > I64_MAX) r.fail(`unparsable ${what}`);
  out.tagBigI64(tag, ns);
}

const NONE = typeIndex('none');
const BOOLEAN = typeIndex('boolean');
const COUNT = typeIndex('count');
const INTEGER = typeIndex('integer');
const REAL = typeIndex('real');
const STRING = typeIndex('string');
const ENUM_VALUE = typeIndex('enum-value');
const ADDRESS = typeIndex('address');
const SUBNET = typeIndex('subnet');
const PORT = typeIndex('port');
const TIMESTAMP = typeIndex('timestamp');
const TIMESPAN = typeIndex('timespan');
const VECTOR = typeIndex('vector');
const SET = typeIndex('set');
const TABLE = typeIndex('table');

/** A vector: its elements written in place, the count patched in after. */
function writeVector(r: JsonReader, out: BrokerBinWriter, depth: number): void {
  out.u8(T.vector);
  // array() inlined: no closure per vector on the hot path.
  if (r.peek() !== 0x5b) r.fail('data is not an array');
  r.pos++;
  writeElements(r, out, depth + 1);
}

/** A vector's elements from just after its `[` to its `]`, each at `depth`, and their count. */
function writeElements(r: JsonReader, out: BrokerBinWriter, depth: number): void {
  const at = out.reserveCount();
  let n = 0;
  if (r.peek() === 0x5d) r.pos++;
  else {
    do {
      writeValue(r, out, depth);
      n++;
    } while (r.more(0x5d));
  }
  out.patchCount(at, n);
}

/** A string or enum value: its bytes as the JSON string decodes. */
function writeStringData(r: JsonReader, out: BrokerBinWriter, tag: number): void {
  r.ws();
  if (compactString(r, out, tag)) return;
  const b = r.stringBytes();
  out.u8(tag);
  out.varbyte(b.length);
  out.bytes(b);
}

function writeAddressData(r: JsonReader, out: BrokerBinWriter): void {
  r.ws();
  if (compactAddress(r, out)) return;
  const a = parseAddress(r.string());
  if (a === undefined) r.fail('unparsable address');
  out.u8(T.address);
  out.bytes(a);
}

function writePortData(r: JsonReader, out: BrokerBinWriter): void {
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
}

function writeBooleanData(r: JsonReader, out: BrokerBinWriter): void {
  const c = r.peek();
  if (c === 0x74) r.literal('true');
  else if (c === 0x66) r.literal('false');
  else r.fail('boolean data is not true/false');
  out.u8(T.boolean);
  out.u8(c === 0x74 ? 1 : 0);
}

function writeRealData(r: JsonReader, out: BrokerBinWriter): void {
  const v = real(r);
  out.ensure(9);
  out.buf[out.length] = T.real;
  writeReal(out.view, out.length + 1, v);
  out.length += 9;
}

function writeSubnetData(r: JsonReader, out: BrokerBinWriter): void {
  const n = parseSubnet(r.string());
  if (n === undefined) r.fail('unparsable subnet');
  if (n.address.length !== 16 || !Number.isInteger(n.length) || n.length < 0 || n.length > 255) {
    throw new Unstreamable('subnet the encoder rejects');
  }
  out.u8(T.subnet);
  out.bytes(n.address);
  out.u8(n.length);
}

/** Writes the `data` member for a known `@data-type` (its index in TYPE_NAMES; mirrors readData). */
function writeData(r: JsonReader, out: BrokerBinWriter, type: number, depth: number): void {
  switch (type) {
    case COUNT:
      return writeInteger(r, out, T.count, false);
    case VECTOR:
      return writeVector(r, out, depth);
    case STRING:
      return writeStringData(r, out, T.string);
    case ENUM_VALUE:
      return writeStringData(r, out, T.enum_value);
    case ADDRESS:
      return writeAddressData(r, out);
    case PORT:
      return writePortData(r, out);
    case INTEGER:
      return writeInteger(r, out, T.integer, true);
    case NONE:
      r.skip(depth);
      out.u8(T.none);
      return;
    case BOOLEAN:
      return writeBooleanData(r, out);
    case REAL:
      return writeRealData(r, out);
    case SUBNET:
      return writeSubnetData(r, out);
    case TIMESTAMP:
      return writeTime(out, T.timestamp, parseTimestamp(r.string()), r, 'timestamp');
    case TIMESPAN:
      return writeTime(out, T.timespan, parseTimespan(r.string()), r, 'timespan');
    case SET:
    case TABLE:
      // Broker order and duplicate checks need all elements: convert this subtree via the tree.
      out.bytes(encodeBrokerData(readData(r, TYPE_NAMES[type] as string, depth)));
      return;
    default:
      r.fail(`unknown @data-type #${type}`);
  }
}

/** Writes one `{"@data-type":…,"data":…}` object (mirrors readValue). */
function writeValue(r: JsonReader, out: BrokerBinWriter, depth: number, envelope?: EnvelopeFields): void {
  if (depth > MAX_DEPTH) r.fail('nested too deeply');
  if (r.peek() !== 0x7b) r.fail('value is not an object');
  r.pos++;
  writeMembers(r, out, depth, envelope);
}

/**
 * After {@link compactEventHead}: the inner vector's elements (name, args, metadata: depth 2, as
 * the general path reads them) and count, then the closing `}` of the inner vector's value and `]`
 * of the outer vector. Anything else there (more members, a fourth element) is left to the
 * two-step path: the outer count is already written.
 */
function writeEventBody(r: JsonReader, out: BrokerBinWriter): void {
  writeElements(r, out, 2);
  if (r.peek() !== 0x7d) throw new Unstreamable('more members in an event vector');
  r.pos++;
  if (r.peek() !== 0x5d) throw new Unstreamable('an event vector of more than 3 elements');
  r.pos++;
}

/**
 * The members of a value object, from just after its `{` (or after a comma, for the envelope's
 * members read in place) to its `}`. `envelope` collects the top level's `topic`.
 */
function writeMembers(r: JsonReader, out: BrokerBinWriter, depth: number, envelope?: EnvelopeFields): void {
  let type = -1;
  let written = false;
  // A data message's event (the usual message) in one step, else a compact head, else the loop.
  const compact = envelope !== undefined && compactEventHead(r, out) ? -2 : compactHead(r);
  if (compact === -2) {
    writeEventBody(r, out);
    type = VECTOR;
    written = true;
    if (!r.more(0x7d)) return;
  } else if (compact >= 0) {
    type = compact;
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
      type = r.match(TYPE_BYTES);
      if (type < 0) r.fail('unknown @data-type');
    } else if (k === KEY_DATA) {
      if (type < 0 || written) throw new Unstreamable('data before @data-type, or twice');
      writeData(r, out, type, depth);
      written = true;
    } else if (envelope !== undefined && k === KEY_TOPIC) {
      envelope.topic = r.peek() === 0x22 ? r.string() : (r.skip(depth + 1), undefined);
    } else {
      r.skip(depth + 1);
    }
  } while (r.more(0x7d));
  if (type < 0) r.fail('missing @data-type');
  if (!written) {
    if (type !== NONE) r.fail('missing data');
    out.u8(T.none);
  }
}

let scratch = new BrokerBinWriter(1024);
/** One reader for every call (reset per message): the pass is synchronous and not re-entered. */
const NO_INPUT = new Uint8Array(0);
const reader = new JsonReader(NO_INPUT, DECODE_FAILED);

/**
 * The streaming pass alone: the transcoded message, or undefined when it leaves the message to
 * the two-step path (unusual shapes and every error). Exported for the tests, which check that
 * the fast path really runs; callers use {@link transcodeDataMessage}.
 */
export function streamDataMessage(
  bytes: Uint8Array,
  zeek: boolean,
  view = false,
): TranscodedMessage | undefined {
  const out = scratch;
  out.length = 0;
  try {
    const r = reader;
    r.reset(bytes, zeek);
    const fields: EnvelopeFields = {};
    const topicInPlace = compactEnvelope(r);
    if (topicInPlace !== undefined) {
      fields.topic = topicInPlace;
      writeMembers(r, out, 0, fields);
    } else writeValue(r, out, 0, fields);
    r.end();
    const topic = fields.topic;
    if (typeof topic === 'string' && topic !== '<$>')
      return { topic, payload: view ? out.buf.subarray(0, out.length) : out.finish() };
  } catch (err) {
    // Not a loss: transcodeDataMessage's two-step path re-reads the message and throws its exact
    // error (or, for the shapes the streaming pass leaves to it, returns the result).
    void err;
  } finally {
    reader.reset(NO_INPUT, false); // keeps no message alive between calls
    if (out.buf.length > 1 << 20) scratch = new BrokerBinWriter(1024);
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
  return transcode(input, opts, false);
}

/**
 * {@link transcodeDataMessage} for a caller that uses the payload at once (e.g. copies it into a
 * socket buffer) and keeps nothing: the payload may be a view of the transcoder's scratch
 * buffer, valid only until the next call of either function (no copy out, ≈ 0.1–0.2 µs less per
 * event). Same results, same errors.
 */
export function transcodeDataMessageView(
  input: string | Uint8Array,
  opts: JsonParseOptions = {},
): TranscodedMessage {
  return transcode(input, opts, true);
}

function transcode(input: string | Uint8Array, opts: JsonParseOptions, view: boolean): TranscodedMessage {
  const bytes = inputBytes(input);
  const fast = streamDataMessage(bytes, opts.dialect === 'zeek', view);
  if (fast !== undefined) return fast;
  const { topic, data } = parseDataMessage(bytes, opts);
  return { topic, payload: encodeBrokerData(data) };
}
