/**
 * Reference Broker JSON v1 reader for differential tests: lossless-json (a well-kept,
 * number-preserving JSON parser) for the syntax, then a plain tree walk. The production reader
 * (src/broker-json-v1/reader.ts) must agree with it on every input.
 */
import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';
import { parseAddress } from '../../src/address.js';
import { sortedUnique } from '../../src/broker-bin-v1/order.js';
import { DecodeError, WIRE_ERROR_CODES } from '../../src/errors.js';
import type { BrokerData } from '../../src/value.js';
import {
  parsePort,
  parseSubnet,
  parseTimespan,
  parseTimestamp,
} from '../../src/broker-json-v1/parse-text.js';

/** Zeek's context text for every value decoding failure. */
export const DECODE_FAILED = 'failed to decode JSON object';

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const INT_RE = /^-?(0|[1-9]\d*)$/;
const utf8 = new TextEncoder();
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** Internal failure signal, turned into a DecodeError at the API boundary. */
export class JsonValueError extends Error {}

function bad(detail: string): never {
  throw new JsonValueError(detail);
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isLosslessNumber(v);
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string') bad(`${what} data is not a string`);
  return v;
}

/** UTF-8 bytes of a JSON string; lone surrogates (e.g. `\ud800`) are rejected like Zeek does. */
function stringBytes(v: unknown, what: string): Uint8Array {
  const s = text(v, what);
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) bad(`${what} has a lone surrogate`);
  return utf8.encode(s);
}

function integer(v: unknown, what: string, min: bigint, max: bigint): bigint {
  if (!isLosslessNumber(v) || !INT_RE.test(v.value)) bad(`${what} data is not an integer literal`);
  const n = BigInt((v as LosslessNumber).value);
  if (n < min || n > max) bad(`${what} ${n} out of range`);
  return n;
}

function real(v: unknown): number {
  if (isLosslessNumber(v)) {
    if (INT_RE.test(v.value)) bad('real data is an integer literal');
    return Number(v.value);
  }
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return bad('real data is not a number');
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) bad(`${what} data is not an array`);
  return v;
}

/** Converts one parsed `{"@data-type", "data"}` object. Throws JsonValueError. */
export function objectToData(o: unknown, depth = 0): BrokerData {
  if (depth > 512) bad('value nested too deeply');
  if (!isObject(o)) bad('value is not an object');
  const t = o['@data-type'];
  const v = o['data'];
  switch (t) {
    case 'none':
      return { type: 'none' };
    case 'boolean':
      if (typeof v !== 'boolean') bad('boolean data is not true/false');
      return { type: 'boolean', value: v };
    case 'count':
      return { type: 'count', value: integer(v, 'count', 0n, U64_MAX) };
    case 'integer':
      return { type: 'integer', value: integer(v, 'integer', I64_MIN, I64_MAX) };
    case 'real':
      return { type: 'real', value: real(v) };
    case 'string':
      return { type: 'string', value: stringBytes(v, 'string') };
    case 'enum-value':
      return { type: 'enum_value', value: stringBytes(v, 'enum-value') };
    case 'address': {
      const a = parseAddress(text(v, 'address'));
      if (a === undefined) bad('unparsable address');
      return { type: 'address', value: a };
    }
    case 'subnet':
      return parseSubnet(text(v, 'subnet')) ?? bad('unparsable subnet');
    case 'port': {
      const p = parsePort(text(v, 'port'));
      if (p === undefined) bad('unparsable port');
      return { type: 'port', ...p };
    }
    case 'timestamp': {
      const ns = parseTimestamp(text(v, 'timestamp'));
      if (ns === undefined || ns < I64_MIN || ns > I64_MAX) bad('unparsable timestamp');
      return { type: 'timestamp', value: ns };
    }
    case 'timespan': {
      const ns = parseTimespan(text(v, 'timespan'));
      if (ns === undefined || ns < I64_MIN || ns > I64_MAX) bad('unparsable timespan');
      return { type: 'timespan', value: ns };
    }
    case 'vector':
      return { type: 'vector', value: list(v, 'vector').map((x) => objectToData(x, depth + 1)) };
    case 'set': {
      const items = list(v, 'set').map((x) => objectToData(x, depth + 1));
      if (sortedUnique(items, (x) => x) === undefined) bad('duplicate set element');
      return { type: 'set', value: items };
    }
    case 'table': {
      const entries = list(v, 'table').map((e): readonly [BrokerData, BrokerData] => {
        if (!isObject(e) || !('key' in e) || !('value' in e)) bad('table entry without key/value');
        return [objectToData(e['key'], depth + 1), objectToData(e['value'], depth + 1)];
      });
      if (sortedUnique(entries, (e) => e[0]) === undefined) bad('duplicate table key');
      return { type: 'table', value: entries };
    }
    default:
      return bad(`unknown @data-type ${JSON.stringify(typeof t === 'string' ? t : String(t))}`);
  }
}

function positionOf(err: unknown): number {
  const m = err instanceof Error ? /position (\d+)/.exec(err.message) : null;
  return m ? Number(m[1]) : 0;
}

/** Parses JSON text (or UTF-8 bytes) with lossless numbers; throws DecodeError(reason). */
export function parseJsonText(input: string | Uint8Array, reason: string): unknown {
  let textValue: string;
  try {
    textValue = typeof input === 'string' ? input : utf8Fatal.decode(input);
  } catch (cause) {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, reason, { cause });
  }
  try {
    return parse(textValue);
  } catch (cause) {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, positionOf(cause), reason, { cause });
  }
}

/** Runs a conversion, turning any failure into DecodeError(reason). */
export function convert<T>(f: () => T, reason: string): T {
  try {
    return f();
  } catch (cause) {
    // JsonValueError, or RangeError from extreme nesting: every failure is a DecodeError.
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, reason, { cause });
  }
}

/**
 * Parses one value `{"@data-type":…,"data":…}` from JSON text or UTF-8 bytes. Throws only
 * `DecodeError` (`reason` = `failed to decode JSON object`, detail in `cause`).
 */
export function referenceJsonToData(input: string | Uint8Array): BrokerData {
  const tree = parseJsonText(input, DECODE_FAILED);
  return convert(() => objectToData(tree), DECODE_FAILED);
}
