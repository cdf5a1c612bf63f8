/**
 * The Broker data model (broker-bin-v1.md §3): what travels inside every Zeek event, both over
 * ZeroMQ (binary) and over the WebSocket API (JSON). A discriminated union on `type`; the type
 * names are Broker's own (`enum_value` is written `enum-value` in Broker JSON).
 *
 * Losslessness: 64-bit quantities are `bigint`; strings and enum names are raw bytes
 * (`Uint8Array`), because Zeek strings are byte strings and need not be UTF-8; addresses are the
 * 16 wire bytes; a subnet keeps the raw wire length byte. Decoding and re-encoding therefore
 * reproduces the input exactly (except for unsorted sets/tables, which encoders sort).
 */

/** Tag byte of each Broker type (broker-bin-v1.md §3; the variant index in Broker's `data`). */
export const DATA_TAGS = {
  none: 0x00,
  boolean: 0x01,
  count: 0x02,
  integer: 0x03,
  real: 0x04,
  string: 0x05,
  address: 0x06,
  subnet: 0x07,
  port: 0x08,
  timestamp: 0x09,
  timespan: 0x0a,
  enum_value: 0x0b,
  set: 0x0c,
  table: 0x0d,
  vector: 0x0e,
} as const;

/** Name of a Broker data type. */
export type DataType = keyof typeof DATA_TAGS;

/** Port protocol names, indexed by the wire byte (0 unknown, 1 tcp, 2 udp, 3 icmp). */
export const PORT_PROTOCOLS = ['unknown', 'tcp', 'udp', 'icmp'] as const;
/** Transport protocol of a port value. */
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];

/** `none`: an unset record field (`{}` in JSON). */
export interface NoneData {
  readonly type: 'none';
}
/** A boolean. */
export interface BooleanData {
  readonly type: 'boolean';
  readonly value: boolean;
}
/** Unsigned 64-bit: 0 ≤ value < 2^64. */
export interface CountData {
  readonly type: 'count';
  readonly value: bigint;
}
/** Signed 64-bit: -2^63 ≤ value < 2^63. */
export interface IntegerData {
  readonly type: 'integer';
  readonly value: bigint;
}
/** IEEE binary64; NaN and ±Infinity allowed (see the CAF quirk, broker-bin-v1.md §3.1). */
export interface RealData {
  readonly type: 'real';
  readonly value: number;
}
/** Raw bytes, any content (not necessarily UTF-8). Decoders return views into their input. */
export interface StringData {
  readonly type: 'string';
  readonly value: Uint8Array;
}
/** Exactly 16 bytes in network order; IPv4 is `::ffff:a.b.c.d`. */
export interface AddressData {
  readonly type: 'address';
  readonly value: Uint8Array;
}
/**
 * `address`: 16 bytes (already masked by Zeek); `length`: the raw wire byte, relative to 128
 * bits (IPv4 prefix length + 96), 0–255 accepted on decode, 0–128 emitted by Zeek.
 */
export interface SubnetData {
  readonly type: 'subnet';
  readonly address: Uint8Array;
  readonly length: number;
}
/** `value`: 0–65535 (for ICMP Zeek's type/code number). */
export interface PortData {
  readonly type: 'port';
  readonly value: number;
  readonly protocol: PortProtocol;
}
/** Nanoseconds since 1970-01-01T00:00:00Z, signed 64-bit. */
export interface TimestampData {
  readonly type: 'timestamp';
  readonly value: bigint;
}
/** Nanoseconds, signed 64-bit. */
export interface TimespanData {
  readonly type: 'timespan';
  readonly value: bigint;
}
/** Fully qualified enum name bytes, e.g. `Conn::LOG` (raw bytes like strings). */
export interface EnumData {
  readonly type: 'enum_value';
  readonly value: Uint8Array;
}
/** Elements in wire order; encoders emit Broker order (§3.6); duplicates are invalid. */
export interface SetData {
  readonly type: 'set';
  readonly value: readonly BrokerData[];
}
/** `[key, value]` entries in wire order; encoders emit keys in Broker order; keys unique. */
export interface TableData {
  readonly type: 'table';
  readonly value: readonly (readonly [BrokerData, BrokerData])[];
}
/** Elements in order (Broker's "list"; also Zeek records, patterns, functions). */
export interface VectorData {
  readonly type: 'vector';
  readonly value: readonly BrokerData[];
}

/** One Broker value. Switch on `type`. */
export type BrokerData =
  | NoneData
  | BooleanData
  | CountData
  | IntegerData
  | RealData
  | StringData
  | AddressData
  | SubnetData
  | PortData
  | TimestampData
  | TimespanData
  | EnumData
  | SetData
  | TableData
  | VectorData;

/** Compile-time exhaustiveness check for `switch (v.type)` defaults. */
export function assertNever(x: never): never {
  throw new TypeError(`unhandled variant ${String((x as { type?: unknown }).type)}`);
}
