/**
 * Broker JSON v1 writer (websocket-v1.md §3.2, §3.6): `{"@data-type":<name>,"data":<repr>}`,
 * compact, keys in Zeek's order, sets/tables in Broker order.
 *
 * Two dialects:
 * - `json` (default): always valid JSON and valid UTF-8. Differences from Zeek, only where Zeek's
 *   output is not JSON: `\v` and other control bytes become `\u00XX`; invalid UTF-8 sequences
 *   become U+FFFD (one per maximal invalid subpart, as TextDecoder does); NaN/±Infinity become the
 *   strings `"NaN"`, `"Infinity"`, `"-Infinity"` (protobuf's JSON convention; accepted back by
 *   `jsonToData`).
 * - `zeek`: Zeek 8.0.10's exact bytes, including `\v`, raw control bytes, raw invalid UTF-8 and
 *   bare `nan`/`inf`/`-inf`.
 */
import { formatAddress, isV4Mapped } from '../address.js';
import { sortedUnique } from '../broker-bin-v1/order.js';
import { withScratch, type ByteWriter } from '../byte-writer.js';
import { EncodeError } from '../errors.js';
import type { BrokerData } from '../value.js';
import { formatRealFixed6, formatTimespan, formatTimestamp } from './format-number.js';
import { writeJsonString } from './json-string.js';

/** Output dialect, see the module doc. */
export type JsonDialect = 'json' | 'zeek';

/** Options of the JSON writers. */
export interface JsonFormatOptions {
  readonly dialect?: JsonDialect;
}

/** JSON names of the Broker types (`@data-type`). */
export const JSON_TYPE_NAMES = {
  none: 'none',
  boolean: 'boolean',
  count: 'count',
  integer: 'integer',
  real: 'real',
  string: 'string',
  address: 'address',
  subnet: 'subnet',
  port: 'port',
  timestamp: 'timestamp',
  timespan: 'timespan',
  enum_value: 'enum-value',
  set: 'set',
  table: 'table',
  vector: 'vector',
} as const;

/** `"@data-type":"<name>","data":` of each type, as bytes (shared with the one-pass renderer). */
export const PREFIX: Readonly<Record<BrokerData['type'], Uint8Array>> = Object.fromEntries(
  Object.entries(JSON_TYPE_NAMES).map(([k, v]) => [
    k,
    new TextEncoder().encode(`"@data-type":"${v}","data":`),
  ]),
) as Record<BrokerData['type'], Uint8Array>;

export const PORT_NAMES = { unknown: '?', tcp: 'tcp', udp: 'udp', icmp: 'icmp' } as const;

export function writeReal(w: ByteWriter, x: number, zeek: boolean): void {
  if (Number.isFinite(x)) w.latin1(formatRealFixed6(x));
  else if (zeek) w.latin1(Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');
  else w.latin1(Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"');
}

function subnetText(address: Uint8Array, raw: number): string {
  const len = isV4Mapped(address) ? (raw - 96) & 0xff : raw;
  return `${formatAddress(address)}/${len}`;
}

/** Writes the members `"@data-type":…,"data":…` (no braces) of one value. */
export function writeMembers(w: ByteWriter, d: BrokerData, zeek: boolean, depth = 0): void {
  if (depth > 512) throw new EncodeError('value nested too deeply');
  w.bytes(PREFIX[d.type]);
  switch (d.type) {
    case 'none':
      w.latin1('{}');
      return;
    case 'boolean':
      w.latin1(d.value ? 'true' : 'false');
      return;
    case 'count':
    case 'integer':
      w.latin1(d.value.toString());
      return;
    case 'real':
      writeReal(w, d.value, zeek);
      return;
    case 'string':
    case 'enum_value':
      writeJsonString(w, d.value, zeek);
      return;
    case 'address':
      w.latin1(`"${formatAddress(d.value)}"`);
      return;
    case 'subnet':
      w.latin1(`"${subnetText(d.address, d.length)}"`);
      return;
    case 'port':
      w.latin1(`"${d.value}/${PORT_NAMES[d.protocol]}"`);
      return;
    case 'timestamp':
      w.latin1(`"${formatTimestamp(d.value)}"`);
      return;
    case 'timespan':
      w.latin1(`"${formatTimespan(d.value)}"`);
      return;
    case 'set':
    case 'vector': {
      const items = d.type === 'set' ? sortedUnique(d.value, (x) => x) : d.value;
      if (items === undefined) throw new EncodeError('set has duplicate elements');
      w.u8(0x5b);
      for (let i = 0; i < items.length; i++) {
        if (i > 0) w.u8(0x2c);
        w.u8(0x7b);
        writeMembers(w, items[i] as BrokerData, zeek, depth + 1);
        w.u8(0x7d);
      }
      w.u8(0x5d);
      return;
    }
    case 'table': {
      const entries = sortedUnique(d.value, (e) => e[0]);
      if (entries === undefined) throw new EncodeError('table has duplicate keys');
      w.u8(0x5b);
      for (let i = 0; i < entries.length; i++) {
        const [k, v] = entries[i] as readonly [BrokerData, BrokerData];
        w.latin1(i > 0 ? ',{"key":{' : '{"key":{');
        writeMembers(w, k, zeek, depth + 1);
        w.latin1('},"value":{');
        writeMembers(w, v, zeek, depth + 1);
        w.latin1('}}');
      }
      w.u8(0x5d);
      return;
    }
    default: {
      const never: never = d;
      throw new EncodeError(`unknown data type '${String((never as { type?: unknown }).type)}'`);
    }
  }
}

const utf8 = new TextDecoder();

/** Renders one value as UTF-8 bytes `{"@data-type":…,"data":…}`. Throws `EncodeError`. */
export function dataToJsonBytes(d: BrokerData, opts: JsonFormatOptions = {}): Uint8Array {
  const zeek = opts.dialect === 'zeek';
  return withScratch((w) => {
    w.u8(0x7b);
    writeMembers(w, d, zeek);
    w.u8(0x7d);
  });
}

/**
 * Renders one value as text. With the `zeek` dialect, use {@link dataToJsonBytes} when strings
 * may hold invalid UTF-8 (a JS string cannot carry it).
 */
export function dataToJson(d: BrokerData, opts: JsonFormatOptions = {}): string {
  return utf8.decode(dataToJsonBytes(d, opts));
}
