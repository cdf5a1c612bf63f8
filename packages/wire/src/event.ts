/**
 * Zeek events as Broker data (broker-bin-v1.md §5): `[count 1, count 1, [name, args, metadata?]]`.
 * Both event serializers (broker-bin-v1 and broker-json-v1) and the WebSocket API carry this shape.
 */
import { DecodeError, WIRE_ERROR_CODES } from './errors.js';
import type { BrokerData, VectorData } from './value.js';

/** Metadata id of the network timestamp (`EventMetadata::NETWORK_TIMESTAMP`, value a timestamp). */
export const METADATA_NETWORK_TIMESTAMP = 1n;

/** Message type number of an event inside Broker's Zeek envelope. */
export const EVENT_MESSAGE_TYPE = 1n;
/** Protocol version number of Broker's Zeek envelope. */
export const EVENT_PROTOCOL_VERSION = 1n;

/** One metadata entry `[count id, value]`; ids 1–199 reserved for Zeek, 200+ free. */
export interface MetadataEntry {
  readonly id: bigint;
  readonly value: BrokerData;
}

/** A Zeek event as it travels between processes. */
export interface ZeekEvent {
  /** Fully qualified event name, e.g. `Cluster::hello`. */
  readonly name: string;
  /** One Broker value per declared parameter, in order. */
  readonly args: readonly BrokerData[];
  /**
   * `undefined`: the content vector has no third element (Zeek's default). `[]`: an empty
   * metadata vector is present (Zeek emits one only when re-publishing a WebSocket client's event
   * whose entries were all dropped). Entries keep their order; ids may repeat.
   */
  readonly metadata?: readonly MetadataEntry[] | undefined;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 text of an event name; short ASCII names skip TextDecoder's fixed per-call cost. */
function decodeName(b: Uint8Array): string {
  if (b.length <= 64) {
    let s = '';
    for (let i = 0; i < b.length; i++) {
      const c = b[i] as number;
      if (c >= 0x80) return decodeNameUtf8(b);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decodeNameUtf8(b);
}

function decodeNameUtf8(b: Uint8Array): string {
  try {
    return utf8Strict.decode(b);
  } catch (cause) {
    throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, 'event name is not valid UTF-8', { cause });
  }
}

function fail(reason: string): never {
  throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, reason);
}

/**
 * Builds the Broker data tree of an event, with version and type forced to 1/1 as Zeek does.
 * Metadata is emitted as a third element only when `ev.metadata` is defined.
 */
export function eventToData(ev: ZeekEvent): VectorData {
  const content: BrokerData[] = [
    { type: 'string', value: utf8.encode(ev.name) },
    { type: 'vector', value: ev.args },
  ];
  if (ev.metadata !== undefined) {
    content.push({
      type: 'vector',
      value: ev.metadata.map(
        (m): BrokerData => ({ type: 'vector', value: [{ type: 'count', value: m.id }, m.value] }),
      ),
    });
  }
  return {
    type: 'vector',
    value: [
      { type: 'count', value: EVENT_PROTOCOL_VERSION },
      { type: 'count', value: EVENT_MESSAGE_TYPE },
      { type: 'vector', value: content },
    ],
  };
}

/**
 * Reads an event out of a Broker data tree. Like Zeek, the version and message-type counts are
 * not checked (only that they are counts). Fails with `DecodeError` (`ZR_WIRE_INVALID`, offset 0)
 * when the shape is not `[count, count, [string, vector, vector-of-[count, any]?]]` or the name is
 * not valid UTF-8.
 */
export function dataToEvent(d: BrokerData): ZeekEvent {
  if (d.type !== 'vector' || d.value.length !== 3) fail('event is not a vector of 3 elements');
  const [version, type, content] = d.value as [BrokerData, BrokerData, BrokerData];
  if (version.type !== 'count' || type.type !== 'count') fail('event version/type are not counts');
  if (content.type !== 'vector' || content.value.length < 2 || content.value.length > 3) {
    fail('event content is not a vector of 2 or 3 elements');
  }
  const [name, args, meta] = content.value as [BrokerData, BrokerData, BrokerData | undefined];
  if (name.type !== 'string') fail('event name is not a string');
  if (args.type !== 'vector') fail('event arguments are not a vector');
  const nameText = decodeName(name.value);
  if (meta === undefined) return { name: nameText, args: args.value };
  if (meta.type !== 'vector') fail('event metadata is not a vector');
  const metadata = meta.value.map((e): MetadataEntry => {
    if (e.type !== 'vector' || e.value.length !== 2) fail('metadata entry is not a 2-element vector');
    const [id, value] = e.value as [BrokerData, BrokerData];
    if (id.type !== 'count') fail('metadata id is not a count');
    if (id.value === METADATA_NETWORK_TIMESTAMP && value.type !== 'timestamp') {
      fail('network timestamp metadata is not a timestamp');
    }
    return { id: id.value, value };
  });
  return { name: nameText, args: args.value, metadata };
}
