/**
 * The hub's OpenTelemetry instruments (names `zeek_relay.hub.*`; the exporter writes `_` for `.`
 * and adds `_total` to counters). Created once per hub from the `Meter` the embedder passes.
 * Attributes are low-cardinality only: `socket` (xpub|xsub), `change`, `result`, `error.type`,
 * `direction`, and Zeek's `node` on the Zeek-named traffic counters.
 *
 * Traffic counters (forwarded messages/bytes, and Zeek 8.2's eight `zeek_cluster_zeromq_proxy_*`
 * under Zeek's own names) exist only while the data path counts (`forwarding=counted|zmtp`); the
 * native proxy exposes no statistics (forwarder.ts). Drops per subscriber (`subscriber` label,
 * capped) only with `forwarding=zmtp`: libzmq's XPUB discards for a full subscriber pipe without
 * telling anybody (README, "Metrics").
 */
import type { Attributes, Counter, Meter, ObservableResult, UpDownCounter } from '@opentelemetry/api';
import type { DataPath, ProxyStatistics, SocketCount } from './forwarder.js';

export const METRIC_NODES = 'zeek_relay.hub.nodes';
export const METRIC_SUBSCRIPTIONS = 'zeek_relay.hub.subscriptions';
export const METRIC_SUBSCRIPTION_CHANGES = 'zeek_relay.hub.subscription.changes';
export const METRIC_NODE_CHANGES = 'zeek_relay.hub.node.changes';
export const METRIC_CONNECTIONS = 'zeek_relay.hub.connections';
export const METRIC_CONNECTS = 'zeek_relay.hub.connects';
export const METRIC_DISCONNECTS = 'zeek_relay.hub.disconnects';
export const METRIC_HANDSHAKE_FAILURES = 'zeek_relay.hub.handshake.failures';
export const METRIC_ZAP_REQUESTS = 'zeek_relay.hub.zap.requests';
export const METRIC_FORWARDED_MESSAGES = 'zeek_relay.hub.forwarded.messages';
export const METRIC_FORWARDED_BYTES = 'zeek_relay.hub.forwarded.bytes';
export const METRIC_SUBSCRIBER_DROPS = 'zeek_relay.hub.subscriber.drops';
export const METRIC_PEER_ERRORS = 'zeek_relay.hub.peer.errors';

/**
 * Zeek 8.2's names for its hub's proxy statistics (exported as `<name>_total`): frontend = hub
 * XSUB, backend = hub XPUB (zeromq-wire.md §7.2, §7.3).
 */
export const ZEEK_PROXY_METRICS = (['frontend', 'backend'] as const).flatMap((side) =>
  (['messages', 'bytes'] as const).flatMap((what) =>
    (['received', 'sent'] as const).map((dir) => ({
      name: `zeek_cluster_zeromq_proxy_${side}_${what}_${dir}`,
      side,
      what,
      dir,
    })),
  ),
);

/** Which hub socket a connection event concerns. */
export type HubSocketName = 'xpub' | 'xsub';

/** All hub instruments; methods are cheap and never throw. */
export class HubMetrics {
  readonly #nodes: UpDownCounter;
  readonly #subscriptions: UpDownCounter;
  readonly #subscriptionChanges: Counter;
  readonly #nodeChanges: Counter;
  readonly #connections: UpDownCounter;
  readonly #connects: Counter;
  readonly #disconnects: Counter;
  readonly #handshakeFailures: Counter;
  readonly #zapRequests: Counter;
  readonly #peerErrors: Counter;

  constructor(meter: Meter) {
    this.#nodes = meter.createUpDownCounter(METRIC_NODES, {
      description: 'Zeek nodes currently known from their nodeid subscriptions',
      unit: '{node}',
    });
    this.#subscriptions = meter.createUpDownCounter(METRIC_SUBSCRIPTIONS, {
      description: 'Distinct topic prefixes subscribed at the hub',
      unit: '{subscription}',
    });
    this.#subscriptionChanges = meter.createCounter(METRIC_SUBSCRIPTION_CHANGES, {
      description: 'Subscription messages forwarded to the publishers (change = subscribe|unsubscribe)',
      unit: '{message}',
    });
    this.#nodeChanges = meter.createCounter(METRIC_NODE_CHANGES, {
      description:
        'Zeek nodes that appeared or went away (change = up|down), or came back after a drop and were re-introduced (rejoined)',
      unit: '{node}',
    });
    this.#connections = meter.createUpDownCounter(METRIC_CONNECTIONS, {
      description: 'Open TCP/IPC connections per hub socket',
      unit: '{connection}',
    });
    this.#connects = meter.createCounter(METRIC_CONNECTS, {
      description: 'Completed ZMTP handshakes per hub socket',
      unit: '{connection}',
    });
    this.#disconnects = meter.createCounter(METRIC_DISCONNECTS, {
      description: 'Closed connections per hub socket (peer closed, heartbeat timeout, handshake failure)',
      unit: '{connection}',
    });
    this.#handshakeFailures = meter.createCounter(METRIC_HANDSHAKE_FAILURES, {
      description: 'Failed ZMTP handshakes (error.type = protocol|auth|other)',
      unit: '{connection}',
    });
    this.#zapRequests = meter.createCounter(METRIC_ZAP_REQUESTS, {
      description: 'CURVE client authentications (result = accepted|rejected)',
      unit: '{request}',
    });
    this.#peerErrors = meter.createCounter(METRIC_PEER_ERRORS, {
      description:
        'Peer connections the hub closed (forwarding=zmtp; error.type = ZR_HUB_PEER_PROTOCOL|ZR_HUB_PEER_TIMEOUT|ZR_HUB_PEER_CURVE|ZR_HUB_PEER_REFUSED)',
      unit: '{connection}',
    });
  }

  /** A peer connection closed by the zmtp path for `code` (README, "Error codes"). */
  peerError(socket: HubSocketName, code: string): void {
    this.#peerErrors.add(1, { socket, 'error.type': code });
  }

  nodeUp(): void {
    this.#nodes.add(1);
    this.#nodeChanges.add(1, { change: 'up' });
  }

  /** A node that was dropped came back with the same id and was re-introduced (rejoin.ts). */
  rejoined(): void {
    this.#nodeChanges.add(1, { change: 'rejoined' });
  }

  nodeDown(): void {
    this.#nodes.add(-1);
    this.#nodeChanges.add(1, { change: 'down' });
  }

  /** `distinctDelta` is +1/-1 when the set of distinct prefixes changed, else 0. */
  subscription(subscribe: boolean, distinctDelta: number): void {
    this.#subscriptionChanges.add(1, { change: subscribe ? 'subscribe' : 'unsubscribe' });
    if (distinctDelta !== 0) this.#subscriptions.add(distinctDelta);
  }

  accepted(socket: HubSocketName): void {
    this.#connections.add(1, { socket });
  }

  handshake(socket: HubSocketName): void {
    this.#connects.add(1, { socket });
  }

  disconnected(socket: HubSocketName): void {
    this.#connections.add(-1, { socket });
    this.#disconnects.add(1, { socket });
  }

  handshakeFailed(socket: HubSocketName, errorType: 'protocol' | 'auth' | 'other'): void {
    const attrs: Attributes = { socket, 'error.type': errorType };
    this.#handshakeFailures.add(1, attrs);
  }

  zap(accepted: boolean): void {
    this.#zapRequests.add(1, { result: accepted ? 'accepted' : 'rejected' });
  }
}

/**
 * Registers the traffic counters, read from `statistics()` at every collection (nothing per
 * message): ours per direction and Zeek's eight under its names with `node` = `zeekNode`.
 * Nothing is reported while `statistics()` is undefined (native data path, hub not running).
 */
export function observeTraffic(
  meter: Meter,
  statistics: () => ProxyStatistics | undefined,
  zeekNode: string,
): void {
  const forward = (pick: (c: SocketCount) => number) => (result: ObservableResult) => {
    const s = statistics();
    if (s === undefined) return;
    result.observe(pick(s.backend.sent), { direction: 'to_subscribers' });
    result.observe(pick(s.frontend.sent), { direction: 'to_publishers' });
  };
  meter
    .createObservableCounter(METRIC_FORWARDED_MESSAGES, {
      description:
        'Messages (whole multipart events or subscriptions) forwarded: to_subscribers = XSUB to XPUB, to_publishers = XPUB to XSUB',
      unit: '{message}',
    })
    .addCallback(forward((c) => c.messages));
  meter
    .createObservableCounter(METRIC_FORWARDED_BYTES, {
      description: 'Bytes of the forwarded messages (sum of their frames, ZMTP framing excluded)',
      unit: '{byte}',
    })
    .addCallback(forward((c) => c.bytes));
  for (const m of ZEEK_PROXY_METRICS) {
    meter
      .createObservableCounter(m.name, {
        description: `Zeek 8.2's hub statistic: ${m.what} ${m.dir} on the ${m.side === 'frontend' ? 'XSUB' : 'XPUB'} (${m.side}) socket`,
      })
      .addCallback((result) => {
        const s = statistics();
        if (s !== undefined) result.observe(s[m.side][m.dir][m.what], { node: zeekNode });
      });
  }
}

/**
 * Registers the per-subscriber drop counter, read from `drops()` at every collection (the zmtp
 * path's counts; nothing is reported on the other paths).
 */
export function observeDrops(meter: Meter, drops: () => DataPath['drops']): void {
  meter
    .createObservableCounter(METRIC_SUBSCRIBER_DROPS, {
      description:
        'Messages dropped for one subscriber whose queue was full (slowSubscriber=drop, forwarding=zmtp); subscriber = its Zeek node name, Identity or address, at most 256 values then other',
      unit: '{message}',
    })
    .addCallback((result) => {
      const d = drops();
      if (d === undefined) return;
      for (const [subscriber, n] of d.entries()) result.observe(n, { subscriber });
    });
}
