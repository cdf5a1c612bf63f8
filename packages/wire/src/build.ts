/**
 * Small constructors for Broker values, for code that builds events by hand (hello events,
 * WebSocket lifecycle events, tests). Text arguments are UTF-8 encoded; numbers must be safe
 * integers where a `bigint` is stored (pass a `bigint` for the full 64-bit range).
 */
import { isV4Mapped, maskAddress, parseAddress } from './address.js';
import { EncodeError } from './errors.js';
import type {
  AddressData,
  BooleanData,
  BrokerData,
  CountData,
  EnumData,
  IntegerData,
  NoneData,
  PortData,
  PortProtocol,
  RealData,
  SetData,
  StringData,
  SubnetData,
  TableData,
  TimespanData,
  TimestampData,
  VectorData,
} from './value.js';

const utf8 = new TextEncoder();
const big = (n: number | bigint): bigint => (typeof n === 'bigint' ? n : BigInt(n));

/** Zeek `none` (an unset record field). */
export const none = (): NoneData => ({ type: 'none' });
/** A boolean. */
export const boolean = (value: boolean): BooleanData => ({ type: 'boolean', value });
/** A count (unsigned 64-bit); pass a bigint beyond 2^53. */
export const count = (value: number | bigint): CountData => ({ type: 'count', value: big(value) });
/** An integer (signed 64-bit); pass a bigint beyond 2^53. */
export const integer = (value: number | bigint): IntegerData => ({ type: 'integer', value: big(value) });
/** A real (double). */
export const real = (value: number): RealData => ({ type: 'real', value });
/** A string from text (UTF-8) or raw bytes. */
export const string = (value: string | Uint8Array): StringData => ({
  type: 'string',
  value: typeof value === 'string' ? utf8.encode(value) : value,
});
/** An enum value by its fully qualified name, e.g. `Conn::LOG`. */
export const enumValue = (name: string): EnumData => ({ type: 'enum_value', value: utf8.encode(name) });
/** Address from text; throws `EncodeError` for unparsable text. */
export function address(text: string): AddressData {
  const value = parseAddress(text);
  if (value === undefined) throw new EncodeError(`invalid address '${text}'`);
  return { type: 'address', value };
}
/** Subnet from `addr/len` text (usual prefix length); host bits are masked like Broker does. */
export function subnet(text: string): SubnetData {
  const slash = text.lastIndexOf('/');
  const a = slash > 0 ? parseAddress(text.slice(0, slash)) : undefined;
  const len = Number(text.slice(slash + 1));
  if (a === undefined || !Number.isInteger(len) || len < 0) throw new EncodeError(`invalid subnet '${text}'`);
  const v4 = isV4Mapped(a);
  const length = v4 ? len + 96 : len;
  if (length > 128) throw new EncodeError(`invalid subnet '${text}'`);
  return { type: 'subnet', address: maskAddress(a, length), length };
}
/** A port; protocol defaults to tcp. */
export const port = (value: number, protocol: PortProtocol = 'tcp'): PortData => ({
  type: 'port',
  value,
  protocol,
});
/** Timestamp from nanoseconds since the epoch. */
export const timestamp = (ns: number | bigint): TimestampData => ({ type: 'timestamp', value: big(ns) });
/** Timespan from nanoseconds. */
export const timespan = (ns: number | bigint): TimespanData => ({ type: 'timespan', value: big(ns) });
/** A set (encoders sort it; duplicates make encoding fail). */
export const set = (...value: BrokerData[]): SetData => ({ type: 'set', value });
/** A table of `[key, value]` entries (encoders sort by key; keys must be unique). */
export const table = (...value: (readonly [BrokerData, BrokerData])[]): TableData => ({
  type: 'table',
  value,
});
/** A vector (also Zeek records, positional). */
export const vector = (...value: BrokerData[]): VectorData => ({ type: 'vector', value });

/**
 * A Zeek pattern as Zeek sends it (broker-bin-v1.md §6.1): `[exact, anywhere]` texts built from the
 * regular expression source `re` (without slashes): `^?(re)$?` and `^?(.|\n)*(re)`.
 */
export const pattern = (re: string): VectorData => vector(string(`^?(${re})$?`), string(`^?(.|\\n)*(${re})`));

/** A Zeek record: one value per declared field in declaration order, `none()` for unset fields. */
export const record = (...fields: BrokerData[]): VectorData => vector(...fields);
