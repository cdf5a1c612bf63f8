/**
 * broker-bin-v1 tag bytes (broker-bin-v1.md §3) and body layouts:
 *
 * | tag  | type       | body                                                  |
 * |------|------------|-------------------------------------------------------|
 * | 0x00 | none       | —                                                     |
 * | 0x01 | boolean    | u8 (non-zero = true)                                  |
 * | 0x02 | count      | u64 BE                                                |
 * | 0x03 | integer    | i64 BE                                                |
 * | 0x04 | real       | 8 bytes, CAF packing (real.ts)                        |
 * | 0x05 | string     | varbyte length + bytes                                |
 * | 0x06 | address    | 16 bytes                                              |
 * | 0x07 | subnet     | 16 bytes + u8 length (relative to 128)                |
 * | 0x08 | port       | u16 BE number + u8 protocol (0..3)                    |
 * | 0x09 | timestamp  | i64 BE ns since epoch                                 |
 * | 0x0a | timespan   | i64 BE ns                                             |
 * | 0x0b | enum_value | varbyte length + bytes                                |
 * | 0x0c | set        | varbyte count + elements                              |
 * | 0x0d | table      | varbyte count + key, value, key, value …              |
 * | 0x0e | vector     | varbyte count + elements                              |
 *
 * varbyte: unsigned LEB128 of a 32-bit value, at most 5 bytes (§2.1).
 */
import { DATA_TAGS, PORT_PROTOCOLS, type DataType, type PortProtocol } from '../value.js';

export { DATA_TAGS };

/** Type name by tag byte (index = tag). */
export const TYPE_BY_TAG: readonly DataType[] = Object.entries(DATA_TAGS)
  .sort((a, b) => a[1] - b[1])
  .map(([name]) => name as DataType);

/** Protocol byte of a port protocol name. */
export const PROTOCOL_BYTES: Readonly<Record<PortProtocol, number>> = { unknown: 0, tcp: 1, udp: 2, icmp: 3 };
export { PORT_PROTOCOLS };

/** Deepest container nesting accepted by the decoder (guards the call stack). */
export const MAX_DEPTH = 512;
