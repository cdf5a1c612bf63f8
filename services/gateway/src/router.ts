import {
  FORMAT_BROKER_BIN_V1,
  dataToEvent,
  decodeBrokerData,
  encodeEvent,
  type ZeekEvent,
} from '@zeek-relay/wire';
import type { ClusterFrames, HubLink } from './zmtp-link.js';
import type { Codec } from './codec.js';
import { FrameArena, type ArenaFrame } from './client-frames.js';
import { GatewayMetrics } from './metrics.js';
import { TopicIndex } from './topic-index.js';
import {
  REQUEST_SIGNATURES_EVENT,
  REQUEST_SIGNATURES_TOPIC,
  SIGNATURES_TOPIC,
  type Signatures,
} from './signatures.js';

/** What the router needs from a client connection. */
export interface Member {
  /** Endpoint id `<gateway id>-websocket-<n>`: the sender frame of everything it publishes. */
  readonly id: string;
  /** `id` as UTF-8 bytes (frame 1 of its publications). */
  readonly idBytes: Buffer;
  /** True once acked: cluster messages before the ack are discarded (websocket-v1.md §2.4). */
  readonly acked: boolean;
  /**
   * Queues one pre-rendered text frame (a range of the shared arena, read during the call only;
   * never modified) until {@link flush}.
   */
  deliver(frame: ArenaFrame): void;
  /** Writes the frames queued by {@link deliver} (the router calls it once per burst). */
  flush(): void;
  /** Stop / restart reading the client's socket (publish backpressure). */
  pause(): void;
  resume(): void;
}

const FORMAT_FRAME = Buffer.from(FORMAT_BROKER_BIN_V1, 'latin1');
const SIGNATURES_FRAME = Buffer.from(SIGNATURES_TOPIC, 'utf8');

/** The gateway's own hold on the signatures topic: never acked, so nothing is delivered to it. */
const SIGNATURES_HOLDER: Member = {
  id: '',
  idBytes: Buffer.alloc(0),
  acked: false,
  deliver: () => {},
  flush: () => {},
  pause: () => {},
  resume: () => {},
};

/**
 * The string of a frame (latin1, one char per byte), kept for the next message with the same
 * bytes: a burst of cluster messages mostly repeats its topic and sender, so this compares a few
 * bytes instead of making two strings per message.
 */
class FrameString {
  #bytes: Buffer = Buffer.alloc(0);
  #text = '';

  of(frame: Buffer): string {
    const last = this.#bytes;
    const n = last.length;
    if (frame.length === n) {
      let i = 0;
      while (i < n && frame[i] === last[i]) i++;
      if (i === n) return this.#text;
    }
    // A copy: the frame is a view of the read buffer, valid during this message only.
    this.#bytes = Buffer.from(frame);
    return (this.#text = frame.toString('latin1'));
  }
}

/**
 * Connects client connections to the shared cluster link: subscription reference counts, the
 * per-client ack probe, fan-out of cluster messages, and publishing with backpressure.
 */
export class Router {
  readonly #index = new TopicIndex<Member>();
  readonly #keys = new Map<Member, string[]>();
  readonly #members = new Set<Member>();
  #paused = false;
  /** Members with frames queued in the current burst of cluster messages (flushed after it). */
  readonly #queued = new Set<Member>();
  readonly #flushAll = (): void => {
    for (const m of this.#queued) m.flush();
    this.#queued.clear();
  };
  /** Where cluster messages are rendered, once for all their recipients. */
  readonly #arena = new FrameArena();
  readonly #topic = new FrameString();
  readonly #sender = new FrameString();

  constructor(
    private readonly link: HubLink,
    private readonly codec: Codec,
    private readonly metrics: GatewayMetrics,
    private readonly options: {
      readonly subscribeTimeoutMs: number;
      readonly publishQueueLimit: number;
    },
    /** Where published event signatures go (see signatures.ts); undefined: not subscribed. */
    private readonly signatures?: Signatures,
  ) {
    link.onMessage = (frames) => this.#fanOut(frames);
    if (signatures !== undefined) {
      link.subscribe(this.#index.add(SIGNATURES_HOLDER, [TopicIndex.key(SIGNATURES_TOPIC)]));
    }
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
   * ZmtpLink.probe). Cluster messages for `m` arriving before its ack are discarded by it.
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
    if (this.#queued.delete(m)) m.flush();
    const keys = this.#keys.get(m);
    if (keys === undefined) return;
    this.#keys.delete(m);
    this.link.unsubscribe(this.#index.remove(m, keys));
  }

  /** Topic frames of recent publications: clients publish to few topics, so reuse the bytes. */
  readonly #topicFrames = new Map<string, Buffer>();

  #topicFrame(topic: string): Buffer {
    let frame = this.#topicFrames.get(topic);
    if (frame === undefined) {
      if (this.#topicFrames.size >= 1024) this.#topicFrames.clear();
      frame = Buffer.from(topic, 'utf8');
      this.#topicFrames.set(topic, frame);
    }
    return frame;
  }

  /** Publishes a client's event (already broker-bin-v1) with the client's id as sender. */
  publish(m: Member, topic: string, payload: Uint8Array): void {
    if (!this.link.publish([this.#topicFrame(topic), m.idBytes, FORMAT_FRAME, payload])) {
      GatewayMetrics.bump(this.metrics.dropped, 'hub_down');
    }
    if (!this.#paused && this.link.backlog >= this.options.publishQueueLimit) this.#pauseAll();
  }

  /**
   * Publishes an event about `m` generated by the gateway (client added/lost). The sender frame is
   * the client's own id, so a match-all client never receives events about itself, as with Zeek,
   * where these events are never sent to clients at all.
   */
  publishAbout(m: Member, topic: string, event: ZeekEvent): void {
    this.link.publish([Buffer.from(topic, 'utf8'), m.idBytes, FORMAT_FRAME, encodeEvent(event)]);
  }

  /**
   * Asks the Zeek nodes running event-signatures.zeek to publish their signatures now (sent with
   * the gateway's id as sender; lost when no node listens yet, the nodes also publish periodically).
   */
  requestSignatures(gatewayId: string): void {
    const event: ZeekEvent = {
      name: REQUEST_SIGNATURES_EVENT,
      args: [{ type: 'string', value: Buffer.from(gatewayId, 'utf8') }],
    };
    const id = Buffer.from(gatewayId, 'utf8');
    this.link.publish([Buffer.from(REQUEST_SIGNATURES_TOPIC, 'utf8'), id, FORMAT_FRAME, encodeEvent(event)]);
  }

  #takeSignatures(format: Buffer, payload: Uint8Array): void {
    if (format.toString('latin1') !== FORMAT_BROKER_BIN_V1) return;
    try {
      this.signatures?.update(dataToEvent(decodeBrokerData(payload)));
    } catch (err) {
      void err; // not an event: ignored like any other undecodable publication
    }
  }

  /** Connections registered. */
  get size(): number {
    return this.#members.size;
  }

  /** Every registered connection (for shutdown). */
  members(): Member[] {
    return [...this.#members];
  }

  #sampled = 0;

  #fanOut(frames: ClusterFrames): void {
    // Latency is sampled (1 message in 16): two clock reads and a histogram update per message
    // would be a noticeable share of the per-message cost.
    const start = (this.#sampled++ & 15) === 0 ? process.hrtime.bigint() : undefined;
    const [topicFrame, senderFrame, format, payload] = frames;
    if (
      this.signatures !== undefined &&
      topicFrame.length >= SIGNATURES_FRAME.length &&
      SIGNATURES_FRAME.equals(topicFrame.subarray(0, SIGNATURES_FRAME.length))
    ) {
      this.#takeSignatures(format, payload);
    }
    const sender = this.#sender.of(senderFrame);
    const subscribers = this.#index.subscribers(this.#topic.of(topicFrame));
    let rendered = false;
    for (const m of subscribers) {
      if (!m.acked || m.id === sender) continue;
      if (!rendered) {
        const r = this.codec.renderCluster(topicFrame, format, payload, this.#arena);
        if (r !== undefined) {
          GatewayMetrics.bump(this.metrics.dropped, r);
          return;
        }
        rendered = true;
      }
      if (!this.#queued.has(m)) {
        // One write per client per burst instead of one per frame (the dominant cost at 1 client).
        if (this.#queued.size === 0) setImmediate(this.#flushAll);
        this.#queued.add(m);
      }
      m.deliver(this.#arena);
    }
    if (start !== undefined && rendered) this.metrics.latency('outbound', start);
  }

  #pauseAll(): void {
    this.#paused = true;
    this.metrics.publishPauses++;
    for (const m of this.#members) m.pause();
  }

  #resumeAll(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const m of this.#members) m.resume();
  }
}
