/**
 * Node ids of the ZeroMQ backend (zeromq-wire.md §3.4):
 * `zeromq_<node name>_<hostname>_<pid>_N<base62>`, and WebSocket client ids
 * `<hosting node id>-websocket-<n>`. Other nodes treat ids as opaque; they only must be unique.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A random `unique_id(prefix)`-style string: the prefix plus 11 base-62 characters
 * (from `crypto.getRandomValues`).
 */
export function randomUniqueId(prefix = 'N', length = 11): string {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  let s = prefix;
  for (const b of bytes) s += BASE62[b % 62];
  return s;
}

/** Parts of a ZeroMQ node id. */
export interface NodeIdParts {
  /** `Cluster::node`; empty for a standalone process. */
  readonly node: string;
  readonly hostname: string;
  readonly pid: number;
  /** Defaults to a fresh {@link randomUniqueId}. */
  readonly unique?: string;
}

/** Builds `zeromq_<node>_<hostname>_<pid>_<unique>`. */
export function makeNodeId(parts: NodeIdParts): string {
  return `zeromq_${parts.node}_${parts.hostname}_${parts.pid}_${parts.unique ?? randomUniqueId()}`;
}

const NODE_ID_RE = /^zeromq_(.*)_(\d+)_(N[0-9A-Za-z]*)$/;

/**
 * Splits a ZeroMQ node id. The node name and hostname are separated at the first `_` after
 * `zeromq_` (ambiguous when the node name itself contains `_`). `undefined` if not that shape.
 */
export function parseNodeId(id: string): Required<NodeIdParts> | undefined {
  const m = NODE_ID_RE.exec(id);
  if (m === null) return undefined;
  const nodeHost = m[1] as string;
  const sep = nodeHost.indexOf('_');
  if (sep === -1) return undefined;
  return {
    node: nodeHost.slice(0, sep),
    hostname: nodeHost.slice(sep + 1),
    pid: Number(m[2]),
    unique: m[3] as string,
  };
}

/** WebSocket client endpoint id: `<hosting node id>-websocket-<n>` (n counts from 0). */
export function websocketEndpointId(nodeId: string, n: number): string {
  return `${nodeId}-websocket-${n}`;
}
