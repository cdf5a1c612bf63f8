/**
 * Broker JSON v1 values read straight from JSON bytes (websocket-v1.md §3.2): the accepted forms
 * are Zeek 8.0.10's (parse-text.ts), plus the `json` dialect's strings for non-finite reals.
 */
import { parseAddress } from '../address.js';
import { sortedUnique } from '../broker-bin-v1/order.js';
import type { BrokerData } from '../value.js';
import { parsePort, parseSubnet, parseTimespan, parseTimestamp } from './parse-text.js';
import type { JsonReader } from './reader.js';
import { MAX_DEPTH, names } from './reader.js';

/** `@data-type` names, index = position in this list. */
export const TYPE_NAMES = [
  'none',
  'boolean',
  'count',
  'integer',
  'real',
  'string',
  'address',
  'subnet',
  'port',
  'timestamp',
  'timespan',
  'enum-value',
  'set',
  'table',
  'vector',
] as const;
export const TYPE_BYTES = names(...TYPE_NAMES);
export const KEY_TYPE = 0;
export const KEY_DATA = 1;
export const KEY_TOPIC = 2;
/** Member names of a value object (index = KEY_*). */
export const VALUE_KEYS = names('@data-type', 'data', 'topic');
const ENTRY_KEYS = names('key', 'value');

export const U64_MAX = (1n << 64n) - 1n;
export const I64_MIN = -(1n << 63n);
export const I64_MAX = (1n << 63n) - 1n;

/** An integer literal in [min, max] (Zeek's count/integer forms). */
export function integer(r: JsonReader, what: string, min: bigint, max: bigint): bigint {
  const c = r.peek();
  if (c !== 0x2d && (c === undefined || c < 0x30 || c > 0x39)) r.fail(`${what} data is not a number`);
  const [start, end, isInt] = r.number();
  if (!isInt) r.fail(`${what} data is not an integer literal`, start);
  // No leading zeros in JSON: more than 20 digits (+ sign) is out of range; checking first keeps
  // BigInt parsing of hostile megabyte-long literals off the table.
  if (end - start > 21) r.fail(`${what} out of range`, start);
  const n = r.bigint(start, end);
  if (n < min || n > max) r.fail(`${what} out of range`, start);
  return n;
}

const ZEEK_NON_FINITE: readonly [string, number][] = [
  ['nan', NaN],
  ['inf', Infinity],
  ['-inf', -Infinity],
];

/** A real: a number with `.`/exponent, or the non-finite spellings of the dialect. */
export function real(r: JsonReader): number {
  const c = r.peek();
  if (r.zeek && (c === 0x6e || c === 0x69 || (c === 0x2d && r.s[r.pos + 1] === 0x69))) {
    for (const [word, value] of ZEEK_NON_FINITE) {
      if (r.text(r.pos, r.pos + word.length) === word) {
        r.pos += word.length;
        return value;
      }
    }
  }
  if (c === 0x22) {
    const t = r.string();
    if (t === 'NaN') return NaN;
    if (t === 'Infinity') return Infinity;
    if (t === '-Infinity') return -Infinity;
    return r.fail('real data is not a number');
  }
  const [start, end, isInt] = r.number();
  if (isInt) r.fail('real data is an integer literal', start);
  return Number(r.text(start, end));
}

/** The elements of a JSON array, `item` reading each one. */
export function array(r: JsonReader, item: () => void): void {
  if (r.peek() !== 0x5b) r.fail('data is not an array');
  r.pos++;
  if (r.peek() === 0x5d) {
    r.pos++;
    return;
  }
  do item();
  while (r.more(0x5d));
}

function tableEntry(r: JsonReader, depth: number): readonly [BrokerData, BrokerData] {
  r.expect(0x7b);
  let key: BrokerData | undefined;
  let value: BrokerData | undefined;
  if (r.peek() === 0x7d) r.fail('table entry without key/value');
  do {
    const k = r.match(ENTRY_KEYS);
    r.expect(0x3a);
    if (k === 0) key = readValue(r, depth + 1);
    else if (k === 1) value = readValue(r, depth + 1);
    else r.skip(depth + 1);
  } while (r.more(0x7d));
  if (key === undefined || value === undefined) r.fail('table entry without key/value');
  return [key, value];
}

/** Reads the `data` member for a known `@data-type`. */
export function readData(r: JsonReader, type: string, depth: number): BrokerData {
  switch (type) {
    case 'none':
      r.skip(depth);
      return { type: 'none' };
    case 'boolean': {
      const c = r.peek();
      if (c === 0x74) {
        r.literal('true');
        return { type: 'boolean', value: true };
      }
      if (c === 0x66) {
        r.literal('false');
        return { type: 'boolean', value: false };
      }
      return r.fail('boolean data is not true/false');
    }
    case 'count':
      return { type: 'count', value: integer(r, 'count', 0n, U64_MAX) };
    case 'integer':
      return { type: 'integer', value: integer(r, 'integer', I64_MIN, I64_MAX) };
    case 'real':
      return { type: 'real', value: real(r) };
    case 'string':
      return { type: 'string', value: r.stringBytes() };
    case 'enum-value':
      return { type: 'enum_value', value: r.stringBytes() };
    case 'address': {
      const a = parseAddress(r.string());
      return a === undefined ? r.fail('unparsable address') : { type: 'address', value: a };
    }
    case 'subnet':
      return parseSubnet(r.string()) ?? r.fail('unparsable subnet');
    case 'port': {
      const p = parsePort(r.string());
      return p === undefined
        ? r.fail('unparsable port')
        : { type: 'port', value: p.value, protocol: p.protocol };
    }
    case 'timestamp': {
      const ns = parseTimestamp(r.string());
      if (ns === undefined || ns < I64_MIN || ns > I64_MAX) r.fail('unparsable timestamp');
      return { type: 'timestamp', value: ns };
    }
    case 'timespan': {
      const ns = parseTimespan(r.string());
      if (ns === undefined || ns < I64_MIN || ns > I64_MAX) r.fail('unparsable timespan');
      return { type: 'timespan', value: ns };
    }
    case 'vector':
    case 'set': {
      const at = r.pos;
      const items: BrokerData[] = [];
      array(r, () => items.push(readValue(r, depth + 1)));
      if (type === 'vector') return { type: 'vector', value: items };
      if (sortedUnique(items, (x) => x) === undefined) r.fail('duplicate set element', at);
      return { type: 'set', value: items };
    }
    case 'table': {
      const at = r.pos;
      const entries: (readonly [BrokerData, BrokerData])[] = [];
      array(r, () => entries.push(tableEntry(r, depth)));
      if (sortedUnique(entries, (e) => e[0]) === undefined) r.fail('duplicate table key', at);
      return { type: 'table', value: entries };
    }
    default:
      return r.fail(`unknown @data-type '${type}'`);
  }
}

/** Extra top-level members of a data message. */
export interface EnvelopeFields {
  topic?: string | undefined;
}

/**
 * Reads one `{"@data-type":…,"data":…}` object. When `envelope` is given, a string `topic` member
 * is stored there (a non-string topic leaves it undefined).
 */
export function readValue(r: JsonReader, depth: number, envelope?: EnvelopeFields): BrokerData {
  if (depth > MAX_DEPTH) r.fail('nested too deeply');
  if (r.peek() !== 0x7b) r.fail('value is not an object');
  r.pos++;
  let type: string | undefined;
  let dataAt = -1;
  let result: BrokerData | undefined;
  let resultType: string | undefined;
  if (r.peek() !== 0x7d) {
    do {
      const k = r.match(VALUE_KEYS);
      r.expect(0x3a);
      if (k === KEY_TYPE) {
        if (r.peek() !== 0x22) r.fail('@data-type is not a string');
        const t = r.match(TYPE_BYTES);
        if (t < 0) r.fail('unknown @data-type');
        type = TYPE_NAMES[t];
      } else if (k === KEY_DATA) {
        r.ws();
        dataAt = r.pos;
        if (type !== undefined) {
          result = readData(r, type, depth);
          resultType = type;
        } else {
          // `data` before `@data-type`: validate now, convert once the type is known.
          r.skip(depth + 1);
          r.rescanBudget -= r.pos - dataAt;
          if (r.rescanBudget < 0) r.fail('too many nested objects with data before @data-type');
          result = undefined;
        }
      } else if (envelope !== undefined && k === KEY_TOPIC) {
        envelope.topic = r.peek() === 0x22 ? r.string() : (r.skip(depth + 1), undefined);
      } else {
        r.skip(depth + 1);
      }
    } while (r.more(0x7d));
  } else {
    r.pos++;
  }
  if (type === undefined) return r.fail('missing @data-type');
  if (result !== undefined && resultType === type) return result;
  if (dataAt < 0) return type === 'none' ? { type: 'none' } : r.fail('missing data');
  const end = r.pos;
  r.pos = dataAt;
  const v = readData(r, type, depth);
  r.pos = end;
  return v;
}
