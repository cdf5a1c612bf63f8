/**
 * Discovery and lifecycle events (zeromq-wire.md §5, websocket-v1.md §5). Hello events are
 * published to the receiver's node-id topic with args `(sender name, sender id)`:
 * a node first sends `Cluster::Backend::ZeroMQ::hello`, then `Cluster::hello` once it has seen
 * both the peer's node-id subscription and the peer's ZeroMQ hello; the receiver raises
 * `Cluster::node_up` locally on `Cluster::hello`.
 */
import { port as portValue, string, vector, none, count } from '../build.js';
import type { ZeekEvent } from '../event.js';
import type { BrokerData } from '../value.js';
import { nodeIdTopic } from './topics.js';

/** Event names used by the cluster framework. */
export const EVENT_NAMES = {
  zeromqHello: 'Cluster::Backend::ZeroMQ::hello',
  clusterHello: 'Cluster::hello',
  nodeUp: 'Cluster::node_up',
  nodeDown: 'Cluster::node_down',
  websocketClientAdded: 'Cluster::websocket_client_added',
  websocketClientLost: 'Cluster::websocket_client_lost',
} as const;

/** A hello event with its destination topic (the receiver's node-id topic). */
export interface HelloMessage {
  readonly topic: string;
  readonly event: ZeekEvent;
}

function hello(kind: string, fromName: string, fromId: string, toId: string): HelloMessage {
  return { topic: nodeIdTopic(toId), event: { name: kind, args: [string(fromName), string(fromId)] } };
}

/** `Cluster::Backend::ZeroMQ::hello(fromName, fromId)` to `zeek.cluster.nodeid.<toId>.`. */
export function zeromqHello(fromName: string, fromId: string, toId: string): HelloMessage {
  return hello(EVENT_NAMES.zeromqHello, fromName, fromId, toId);
}

/** `Cluster::hello(fromName, fromId)` to `zeek.cluster.nodeid.<toId>.`. */
export function clusterHello(fromName: string, fromId: string, toId: string): HelloMessage {
  return hello(EVENT_NAMES.clusterHello, fromName, fromId, toId);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Recognises either hello event; returns the sender's name and id, or `undefined` for any other
 * event or a malformed argument list.
 */
export function parseHello(
  ev: ZeekEvent,
): { kind: 'zeromq' | 'cluster'; name: string; id: string } | undefined {
  const kind =
    ev.name === EVENT_NAMES.zeromqHello
      ? 'zeromq'
      : ev.name === EVENT_NAMES.clusterHello
        ? 'cluster'
        : undefined;
  if (kind === undefined || ev.args.length !== 2) return undefined;
  const [n, i] = ev.args as [BrokerData, BrokerData];
  if (n.type !== 'string' || i.type !== 'string') return undefined;
  return { kind, name: utf8.decode(n.value), id: utf8.decode(i.value) };
}

/** `Cluster::EndpointInfo` of a WebSocket client. */
export interface WebSocketEndpointInfo {
  /** The ack's `endpoint` value. */
  readonly id: string;
  /** Remote IP address as text. */
  readonly address: string;
  /** Remote TCP port. */
  readonly port: number;
  /** `X-Application-Name`, absent when the header was absent. */
  readonly applicationName?: string | undefined;
}

function endpointInfo(e: WebSocketEndpointInfo): BrokerData {
  return vector(
    string(e.id),
    vector(string(e.address), portValue(e.port, 'tcp')),
    e.applicationName === undefined ? none() : string(e.applicationName),
  );
}

/**
 * `Cluster::websocket_client_added(endpoint, subscriptions)`; `subscriptions` are made distinct and
 * sorted byte-wise as Zeek reports them.
 */
export function websocketClientAddedEvent(
  e: WebSocketEndpointInfo,
  subscriptions: readonly string[],
): ZeekEvent {
  const enc = new TextEncoder();
  const distinct = [...new Set(subscriptions)].map((s) => enc.encode(s));
  distinct.sort((a, b) => {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return a.length - b.length;
  });
  return {
    name: EVENT_NAMES.websocketClientAdded,
    args: [endpointInfo(e), vector(...distinct.map((s) => string(s)))],
  };
}

/** `Cluster::websocket_client_lost(endpoint, code, reason)`. */
export function websocketClientLostEvent(e: WebSocketEndpointInfo, code: number, reason: string): ZeekEvent {
  return { name: EVENT_NAMES.websocketClientLost, args: [endpointInfo(e), count(code), string(reason)] };
}
