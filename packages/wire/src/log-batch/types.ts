/**
 * Value model of `zeek-bin-serializer` log batches (spec/log-batch.md §3): Zeek values as the
 * logging framework hands them to a writer (`threading::Value`). Lossless: decode → encode gives
 * the same bytes for everything Zeek can send. 64-bit integers are `bigint`, byte strings are
 * `Uint8Array` (Zeek strings are byte strings, not text).
 */

/** Zeek `TypeTag` numbering (zeek src/Type.h), used by field descriptors and values (§3.3). */
export const LOG_TYPE_TAGS = {
  void: 0,
  bool: 1,
  int: 2,
  count: 3,
  double: 4,
  time: 5,
  interval: 6,
  string: 7,
  pattern: 8,
  enum: 9,
  port: 10,
  addr: 11,
  subnet: 12,
  any: 13,
  table: 14,
  record: 15,
  list: 16,
  func: 17,
  file: 18,
  vector: 19,
  opaque: 20,
  type: 21,
  error: 22,
} as const;

/** Name of a Zeek type tag, as used in the spec and the test vectors. */
export type LogTypeName = keyof typeof LOG_TYPE_TAGS;

/** Zeek type names indexed by tag number (inverse of {@link LOG_TYPE_TAGS}). */
export const LOG_TYPE_NAMES: readonly LogTypeName[] = Object.keys(LOG_TYPE_TAGS) as LogTypeName[];

/** Port protocol codes on the wire: 0 unknown, 1 tcp, 2 udp, 3 icmp (§3.2). */
export const LOG_PORT_PROTOCOLS = ['unknown', 'tcp', 'udp', 'icmp'] as const;
/** A port's transport protocol. */
export type LogPortProtocol = (typeof LOG_PORT_PROTOCOLS)[number];

/** bool: wire body i64 1/0 (any non-zero i64 decodes as true). */
export interface LogBool {
  readonly type: 'bool';
  readonly value: boolean;
  /** Raw value subtype when it is not 0 (Zeek itself always sends 0; readers ignore it). */
  readonly subtype?: number;
}
/** int (signed 64-bit) or count (unsigned 64-bit). */
export interface LogInteger {
  readonly type: 'int' | 'count';
  readonly value: bigint;
  readonly subtype?: number;
}
/** double, time (seconds since the epoch) and interval (seconds): raw IEEE-754 binary64. */
export interface LogReal {
  readonly type: 'double' | 'time' | 'interval';
  readonly value: number;
  readonly subtype?: number;
}
/**
 * string, enum (full enum name, e.g. `Notice::ACTION_LOG`), func (Zeek's description of the
 * function) and file (the file's name): raw bytes. Decoded values are views into the input.
 */
export interface LogBytes {
  readonly type: 'string' | 'enum' | 'func' | 'file';
  readonly value: Uint8Array;
  readonly subtype?: number;
}
/** port: number (u64 on the wire, limited to 2^53 − 1 here) and protocol. */
export interface LogPort {
  readonly type: 'port';
  readonly value: number;
  readonly protocol: LogPortProtocol;
  readonly subtype?: number;
}
/** addr: 4 (IPv4) or 16 (IPv6) bytes in network order. Decoded values are views into the input. */
export interface LogAddr {
  readonly type: 'addr';
  readonly value: Uint8Array;
  readonly subtype?: number;
}
/**
 * subnet: network address (4 or 16 bytes) and the prefix length exactly as on the wire, i.e.
 * IPv6-relative: an IPv4 /24 has `prefix` 120 (§3.2). Text rendering subtracts 96 for IPv4.
 */
export interface LogSubnet {
  readonly type: 'subnet';
  readonly value: Uint8Array;
  readonly prefix: number;
  readonly subtype?: number;
}
/**
 * table (a set; Zeek logs only sets) or vector: elements in wire order (set order is the sender's
 * hash order — keep it). `null` elements are unset (vector holes) with the column's subtype.
 */
export interface LogContainer {
  readonly type: 'table' | 'vector';
  readonly value: readonly LogElement[];
  readonly subtype?: number;
}
/**
 * An unset value whose header does not match the default shape (type tag = column type, or for
 * container elements the column subtype, and subtype 0). Zeek never produces it; it keeps decode →
 * encode lossless for crafted input. Renders like `null`.
 */
export interface LogUnset {
  readonly type: 'unset';
  /** Raw i32 type tag on the wire. */
  readonly tag: number;
  /** Raw i32 subtype on the wire. */
  readonly subtype: number;
}

/** A present value (or an explicit {@link LogUnset}). */
export type LogValue =
  | LogBool
  | LogInteger
  | LogReal
  | LogBytes
  | LogPort
  | LogAddr
  | LogSubnet
  | LogContainer
  | LogUnset;

/** A record column or container element: `null` = unset (present byte 00). */
export type LogElement = LogValue | null;

/** One record: exactly one element per field of the header, in field order. */
export type LogRecord = readonly LogElement[];

/** Column descriptor (§3.1, `threading::Field`). */
export interface LogField {
  /** Flattened column name, e.g. `id.orig_h`. */
  readonly name: string;
  /** Column type; `table` is shown as `set[...]` by the ASCII writer. */
  readonly type: LogTypeName;
  /** Element type for set/vector columns, else `void`. */
  readonly subtype: LogTypeName;
  /** True for `&optional` (and `&default`) record fields. */
  readonly optional: boolean;
  /** Secondary name (input framework only; never set for log writes). */
  readonly secondaryName?: string;
}

/**
 * Everything before the records. All records of a batch share it. Strings are UTF-8 text (Zeek
 * sends enum names, filter names, paths and column names; invalid UTF-8 is a DecodeError).
 */
export interface LogBatchHeader {
  /** Full enum name of the `Log::ID`, e.g. `Conn::LOG`. */
  readonly stream: string;
  /** Full enum name of the `Log::Writer`, e.g. `Log::WRITER_ASCII`. */
  readonly writer: string;
  /** Filter name, e.g. `default`. */
  readonly filter: string;
  /** Path (file name without `.log`), e.g. `conn`. */
  readonly path: string;
  readonly fields: readonly LogField[];
}

/** A decoded batch: header plus records in send order. */
export interface LogBatch {
  readonly header: LogBatchHeader;
  readonly records: readonly LogRecord[];
}

/** Number formatting of the ASCII writer: Zeek 8.0/8.1 (modp) or 8.2 and later (exact). §5.3/5.4. */
export type LogNumberProfile = 'zeek-8.0' | 'zeek-8.2';
