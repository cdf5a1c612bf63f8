import type { Histogram, Meter, UpDownCounter } from '@opentelemetry/api';

/** Metric names (`zeek_relay.<service>.<noun>`; the exporter adds `_total` to counters). */
export const METRIC_CONNECTIONS = 'zeek_relay.gateway.connections';
export const METRIC_MESSAGES = 'zeek_relay.gateway.messages';
export const METRIC_BYTES = 'zeek_relay.gateway.bytes';
export const METRIC_ERRORS = 'zeek_relay.gateway.errors';
export const METRIC_DROPPED = 'zeek_relay.gateway.dropped';
export const METRIC_SLOW_CLIENT_CLOSES = 'zeek_relay.gateway.slow_client.closes';
export const METRIC_REJECTED = 'zeek_relay.gateway.rejected';
export const METRIC_LATENCY = 'zeek_relay.gateway.message.duration';
export const METRIC_PUBLISH_BACKLOG = 'zeek_relay.gateway.publish.backlog';
export const METRIC_PUBLISH_PAUSES = 'zeek_relay.gateway.publish.pauses';

/** Message direction attribute values. */
export type Direction = 'inbound' | 'outbound';

/**
 * The gateway's instruments. Hot-path counts are plain numbers read by observable counters at
 * collection time, so the data path pays an increment, not an attribute lookup per message.
 * Attributes are low-cardinality only (direction, error type, reason): never a topic or peer.
 */
export class GatewayMetrics {
  /** Client → cluster messages and bytes accepted; cluster → client frames and bytes sent. */
  inboundMessages = 0;
  inboundBytes = 0;
  outboundMessages = 0;
  outboundBytes = 0;
  readonly errors = new Map<string, number>();
  readonly dropped = new Map<string, number>();
  readonly rejected = new Map<string, number>();
  slowClientCloses = 0;
  /** Times reading clients stopped because the publish queue reached its limit. */
  publishPauses = 0;
  /** Counter used to sample inbound latency (1 in 16). */
  inboundSampled = 0;
  readonly #connections: UpDownCounter;
  readonly #latency: Histogram;

  constructor(meter: Meter, backlog: () => number) {
    this.#connections = meter.createUpDownCounter(METRIC_CONNECTIONS, {
      description: 'Open WebSocket connections',
      unit: '{connection}',
    });
    this.#latency = meter.createHistogram(METRIC_LATENCY, {
      description: 'Time from receiving a message to handing it on (cluster → clients, client → hub queue)',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      },
    });
    meter
      .createObservableCounter(METRIC_MESSAGES, { description: 'Data messages', unit: '{message}' })
      .addCallback((r) => {
        r.observe(this.inboundMessages, { direction: 'inbound' });
        r.observe(this.outboundMessages, { direction: 'outbound' });
      });
    meter
      .createObservableCounter(METRIC_BYTES, { description: 'Data message bytes', unit: 'By' })
      .addCallback((r) => {
        r.observe(this.inboundBytes, { direction: 'inbound' });
        r.observe(this.outboundBytes, { direction: 'outbound' });
      });
    const byKey = (
      name: string,
      description: string,
      unit: string,
      attr: string,
      map: Map<string, number>,
    ): void => {
      meter.createObservableCounter(name, { description, unit }).addCallback((r) => {
        for (const [k, v] of map) r.observe(v, { [attr]: k });
      });
    };
    byKey(
      METRIC_ERRORS,
      'Error messages sent to clients, by Zeek error',
      '{error}',
      'error.type',
      this.errors,
    );
    byKey(METRIC_DROPPED, 'Cluster messages not delivered, by reason', '{message}', 'reason', this.dropped);
    byKey(
      METRIC_REJECTED,
      'Connections refused or closed by the gateway, by reason',
      '{connection}',
      'reason',
      this.rejected,
    );
    meter
      .createObservableCounter(METRIC_SLOW_CLIENT_CLOSES, {
        description: 'Clients closed because their send queue overflowed',
        unit: '{connection}',
      })
      .addCallback((r) => r.observe(this.slowClientCloses));
    meter
      .createObservableGauge(METRIC_PUBLISH_BACKLOG, {
        description: 'Events waiting for the hub',
        unit: '{message}',
      })
      .addCallback((r) => r.observe(backlog()));
    meter
      .createObservableCounter(METRIC_PUBLISH_PAUSES, {
        description: 'Times clients stopped being read because the publish queue to the hub was full',
        unit: '{pause}',
      })
      .addCallback((r) => r.observe(this.publishPauses));
  }

  connectionOpened(): void {
    this.#connections.add(1);
  }
  connectionClosed(): void {
    this.#connections.add(-1);
  }
  /** Seconds since `startNs` (from `process.hrtime.bigint()`). */
  latency(direction: Direction, startNs: bigint): void {
    this.#latency.record(Number(process.hrtime.bigint() - startNs) / 1e9, { direction });
  }
  static bump(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}
