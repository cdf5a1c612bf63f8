/**
 * Loading the Zeek 8.0.10 vectors (`@zeek-relay/fixtures`, `zeek-8.0/`) and converting their JSON
 * form of Broker values (packages/fixtures/data/zeek-8.0/VECTORS.md) into the package's value model.
 */
import { readJsonFixture } from '@zeek-relay/fixtures';
import { parseAddress, type BrokerData, type PortProtocol } from '../../src/index.js';

/** Parses a Zeek 8.0.10 vector file (path relative to packages/fixtures/data/zeek-8.0). */
export function loadFixture<T = unknown>(rel: string): T {
  return readJsonFixture<T>('zeek-8.0', ...rel.split('/'));
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A WebSocket text frame as `captured/websocket-types.json` records it (non-UTF-8 ones as hex). */
export interface CapturedFrame {
  text?: string;
  text_hex?: string;
}

/** `captured/websocket-types.json`: what a Zeek 8.0.10 manager's WebSocket API did with every type. */
export interface WebSocketTypes {
  /** Events a worker published (broker-bin-v1 payload) and the frame WebSocket client A got for each. */
  from_worker: Array<{
    name: string;
    zeromq_payload_hex: string;
    websocket_text: CapturedFrame | null;
    is_valid_json: boolean;
  }>;
  /** What client B sent, what it got back, the payload published and the frame client A got. */
  inputs: Array<{
    name: string;
    sent: string;
    server_reply: string[] | null;
    zeromq_payload_hex?: string;
    rendered_to_other_client?: CapturedFrame | null;
    rendered_is_valid_json?: boolean;
  }>;
}

/** Reads `captured/websocket-types.json`. */
export const loadWebSocketTypes = (): WebSocketTypes =>
  loadFixture<WebSocketTypes>('captured/websocket-types.json');

/** A value in the vectors' JSON form. */
export interface VectorValue {
  type: string;
  value?: unknown;
  hex?: string;
  protocol?: string;
}

function addr(text: string): Uint8Array {
  const a = parseAddress(text);
  if (a === undefined) throw new Error(`fixture address ${text}`);
  return a;
}

/** Converts the vectors' JSON form (README "JSON form of Broker values") into BrokerData. */
export function fromVector(v: VectorValue): BrokerData {
  const big = (): bigint => BigInt(v.value as number | string);
  switch (v.type) {
    case 'none':
      return { type: 'none' };
    case 'boolean':
      return { type: 'boolean', value: v.value as boolean };
    case 'count':
    case 'integer':
    case 'timestamp':
    case 'timespan':
      return { type: v.type, value: big() };
    case 'real': {
      const x = v.value;
      return { type: 'real', value: typeof x === 'string' ? Number(x) : (x as number) };
    }
    case 'string':
    case 'enum_value':
      return { type: v.type, value: v.hex !== undefined ? hex(v.hex) : utf8(v.value as string) };
    case 'address':
      return { type: 'address', value: addr(v.value as string) };
    case 'subnet': {
      const [a, len] = (v.value as string).split('/') as [string, string];
      return { type: 'subnet', address: addr(a), length: Number(len) + (a.includes(':') ? 0 : 96) };
    }
    case 'port':
      return { type: 'port', value: v.value as number, protocol: v.protocol as PortProtocol };
    case 'set':
    case 'vector':
      return { type: v.type, value: (v.value as VectorValue[]).map(fromVector) };
    case 'table':
      return {
        type: 'table',
        value: (v.value as [VectorValue, VectorValue][]).map(
          ([k, x]) => [fromVector(k), fromVector(x)] as const,
        ),
      };
    default:
      throw new Error(`unknown fixture type ${v.type}`);
  }
}

/** A fixture event view `{name, args, metadata}` → ZeekEvent fields. */
export function fromVectorEvent(e: {
  name: string;
  args: VectorValue[];
  metadata: [number, VectorValue][] | null;
}) {
  return {
    name: e.name,
    args: e.args.map(fromVector),
    ...(e.metadata === null
      ? {}
      : { metadata: e.metadata.map(([id, value]) => ({ id: BigInt(id), value: fromVector(value) })) }),
  };
}
