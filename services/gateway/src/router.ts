import { FORMAT_BROKER_BIN_V1, encodeEvent, type ZeekEvent } from '@zeek-relay/wire';
import type { ClusterFrames, ClusterLink } from './cluster-link.js';
import type { Codec } from './codec.js';
import { GatewayMetrics } from './metrics.js';
import { TopicIndex } from './topic-index.js';

/** What the router needs from a client connection. */
export interface Member {
  /** Endpoint id `<gateway id>-websocket-<n>`: the sender frame of everything it publishes. */
  readonly id: string;
  /** `id` as UTF-8 bytes (frame 1 of its publications). */
  readonly idBytes: Buffer;
  /** True once acked: cluster messages before the ack are discarded (websocket-v1.md §2.4). */
  readonly acked: boolean;
  /** Sends one pre-rendered text frame (shared by all recipients; must not be modified). */
  deliver(frame: Buffer): void;
  /** Stop / restart reading the client's socket (publish backpressure). */
  pause(): void;
  resume(): void;
}

const FORMAT_FRAME = Buffer.from(FORMAT_BROKER_BIN_V1, 'latin1');

/**
 * Connects client connections to the shared cluster link: subscription reference counts, the
 * per-client ack probe, fan-out of cluster messages, and publishing with backpressure.
 */
export class Router {
  readonly #index = new TopicIndex<Member>();
  readonly #keys = new Map<Member, string[]>();
  readonly #members = new Set<Member>();
  #paused = false;

  constructor(
    private readonly link: ClusterLink,
    private readonly codec: Codec,
    private readonly metrics: GatewayMetrics,
    private readonly options: {
      readonly nodeId: string;
      readonly subscribeTimeoutMs: number;
      readonly publishQueueLimit: number;
    },
  ) {
    link.onMessage = (frames) => this.#fanOut(frames);
    link.onMalformed = () => GatewayMetrics.bump(metrics.dropped, 'frames');
    link.onDrain = () => this.#resumeAll();
  }

  /** Registers a connection (for backpressure) before its subscriptions are known. */
  add(m: Member): void {
    this.#members.add(m);
    if (this.#paused) m.pause();
  }

  /**
   * Subscribes `m` to `prefixes` and resolves once they provably reached the hub (see
   * ClusterLink.probe). Cluster messages for `m` arriving before its ack are discarded by it.
   * Rejects with `ZR_GATEWAY_SUBSCRIBE_TIMEOUT` / `ZR_GATEWAY_CLOSED`.
   */
  async join(m: Member, prefixes: readonly string[]): Promise<void> {
    const keys = [...new Set(prefixes)].map(TopicIndex.key);
    this.#keys.set(m, keys);
    this.link.subscribe(this.#index.add(m, keys));
    await this.link.probe(m.id, this.options.subscribeTimeoutMs);
  }

  /** Removes `m` everywhere; prefixes nobody holds any more are unsubscribed at the hub. */
  remove(m: Member): void {
    this.#members.delete(m);
    const keys = this.#keys.get(m);
    if (keys === undefined) return;
    this.#keys.delete(m);
    this.link.unsubscribe(this.#index.remove(m, keys));
  }

  /** Publishes a client's event (already broker-bin-v1) with the client's id as sender. */
  publish(m: Member, topic: string, payload: Uint8Array): void {
    this.link.publish([Buffer.from(topic, 'utf8'), m.idBytes, FORMAT_FRAME, payload as Buffer]);
    if (!this.#paused && this.link.backlog >= this.options.publishQueueLimit) this.#pauseAll();
  }

  /** Publishes an event of the gateway itself (lifecycle events), sender = the gateway id. */
  publishOwn(topic: string, event: ZeekEvent): void {
    this.link.publish([Buffer.from(topic, 'utf8'), Buffer.from(this.options.nodeId, 'utf8'), FORMAT_FRAME, Buffer.from(encodeEvent(event))]);
  }

  /** Connections registered. */
  get size(): number {
    return this.#members.size;
  }

  /** Every registered connection (for shutdown). */
  members(): Member[] {
    return [...this.#members];
  }

  #fanOut(frames: ClusterFrames): void {
    const start = process.hrtime.bigint();
    const [topicFrame, senderFrame, format, payload] = frames;
    const sender = senderFrame.toString('latin1');
    let frame: Buffer | undefined;
    let failed = false;
    const matched = this.#index.match(topicFrame.toString('latin1'), (m) => {
      if (!m.acked || failed || m.id === sender) return;
      if (frame === undefined) {
        const r = this.codec.renderCluster(topicFrame, format, payload);
        if (typeof r === 'string') {
          failed = true;
          GatewayMetrics.bump(this.metrics.dropped, r);
          return;
        }
        frame = r;
      }
      m.deliver(frame);
    });
    if (matched > 0 && frame !== undefined) this.metrics.latency('outbound', start);
  }

  #pauseAll(): void {
    this.#paused = true;
    for (const m of this.#members) m.pause();
  }

  #resumeAll(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const m of this.#members) m.resume();
  }
}
