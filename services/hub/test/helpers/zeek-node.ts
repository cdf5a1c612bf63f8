/**
 * An emulated Zeek node speaking Zeek 8.0's ZeroMQ bytes through @zeek-relay/wire: node socket
 * options of zeromq-wire.md §2.1, the default subscriptions of §4.4 and the hello / node_up /
 * node_down logic of §5.1–5.2. Used in-process and, via node-process.ts, as a child process.
 */
import { Context, XPublisher, XSubscriber } from 'zeromq';
import {
  clusterHello,
  decodeEvent,
  decodeEventFrames,
  defaultSubscriptions,
  encodeEvent,
  encodeEventFrames,
  encodeSubscriptionFrame,
  makeNodeId,
  nodeIdFromTopic,
  parseHello,
  parseSubscriptionFrame,
  zeromqHello,
  type NodeRole,
  type ZeekEvent,
} from '@zeek-relay/wire';

export interface ZeekNodeOptions {
  readonly name: string;
  readonly role: NodeRole;
  /** Hub XSUB (the node's connect_xpub_endpoint). */
  readonly connectXpub: string;
  /** Hub XPUB (the node's connect_xsub_endpoint). */
  readonly connectXsub: string;
  /** Extra subscriptions after the defaults. */
  readonly extraSubscriptions?: readonly string[];
  /** XSUB receive HWM (Zeek: 1000). */
  readonly receiveHighWaterMark?: number;
  readonly receiveBufferSize?: number;
  /** Read events at most this often (ms between reads) to emulate a slow node. */
  readonly readDelayMs?: number;
  readonly curve?: { serverKey: string; publicKey: string; secretKey: string };
}

const utf8 = new TextDecoder();

export class EmulatedZeekNode {
  readonly id: string;
  readonly context = new Context();
  readonly xpub: XPublisher;
  readonly xsub: XSubscriber;
  /** Topics seen subscribed on the XPUB (Zeek raises `subscription` only the first time). */
  readonly seenTopics = new Set<string>();
  /** Every notification in arrival order, as `+topic` / `-topic`. */
  readonly notifications: string[] = [];
  /** node_up / node_down raised locally, as `up:<name>` / `down:<name>`. */
  readonly lifecycle: string[] = [];
  /** Peers this node considers up: id → name. */
  readonly up = new Map<string, string>();
  /** Non-hello events received: count per topic. */
  readonly received = new Map<string, number>();
  receivedTotal = 0;
  /** Frames of the last non-hello event received. */
  lastFrames: Uint8Array[] | undefined;
  readonly #nodeidSubs = new Set<string>();
  readonly #hellos = new Set<string>();
  readonly #loops: Promise<void>[] = [];
  #closed = false;

  constructor(readonly options: ZeekNodeOptions) {
    this.id = makeNodeId({ node: options.name, hostname: 'testhost', pid: process.pid });
    const curve = options.curve
      ? {
          curveServerKey: options.curve.serverKey,
          curvePublicKey: options.curve.publicKey,
          curveSecretKey: options.curve.secretKey,
        }
      : {};
    this.xpub = new XPublisher({
      context: this.context,
      linger: 500,
      noDrop: true,
      verbosity: 'allSubs',
      sendHighWaterMark: 1000,
      ...curve,
    });
    this.xsub = new XSubscriber({
      context: this.context,
      receiveHighWaterMark: options.receiveHighWaterMark ?? 1000,
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
      linger: 0,
      ...curve,
    });
  }

  /** Connects (XSUB first, as Zeek does) and sends the default subscriptions. */
  async start(): Promise<void> {
    this.xsub.connect(this.options.connectXsub);
    this.xpub.connect(this.options.connectXpub);
    this.#loops.push(this.#xpubLoop(), this.#xsubLoop());
    const subs = [
      ...defaultSubscriptions(this.options.role, this.options.name, this.id),
      ...(this.options.extraSubscriptions ?? []),
    ];
    for (const t of subs) await this.subscribe(t);
  }

  subscribe(topic: string): Promise<void> {
    return this.xsub.send(encodeSubscriptionFrame(true, topic));
  }

  unsubscribe(topic: string): Promise<void> {
    return this.xsub.send(encodeSubscriptionFrame(false, topic));
  }

  /** Publishes an event (4 frames, broker-bin-v1) on the node XPUB. */
  publish(topic: string, event: ZeekEvent): Promise<void> {
    return this.publishRaw(topic, encodeEvent(event));
  }

  publishRaw(topic: string, payload: Uint8Array): Promise<void> {
    return this.xpub.send(encodeEventFrames({ topic, sender: this.id, payload }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.xpub.linger = 0;
    this.xsub.close();
    this.xpub.close();
    await Promise.allSettled(this.#loops);
  }

  async #xpubLoop(): Promise<void> {
    try {
      for await (const [frame] of this.xpub) {
        if (frame === undefined) continue;
        const { subscribe, prefix } = parseSubscriptionFrame(frame);
        const topic = utf8.decode(prefix);
        this.notifications.push(`${subscribe ? '+' : '-'}${topic}`);
        const peer = nodeIdFromTopic(topic);
        if (subscribe) {
          if (this.seenTopics.has(topic)) continue;
          this.seenTopics.add(topic);
          if (peer === undefined || peer === this.id) continue;
          const h = zeromqHello(this.options.name, this.id, peer);
          await this.publish(h.topic, h.event);
          if (this.#hellos.has(peer)) await this.#sendClusterHello(peer);
          else this.#nodeidSubs.add(peer);
        } else {
          this.seenTopics.delete(topic);
          if (peer !== undefined && this.up.has(peer)) {
            this.lifecycle.push(`down:${this.up.get(peer)}`);
            this.up.delete(peer);
          }
        }
      }
    } catch (err) {
      if (!this.#closed) throw err;
    }
  }

  async #sendClusterHello(peer: string): Promise<void> {
    this.#nodeidSubs.delete(peer);
    this.#hellos.delete(peer);
    const h = clusterHello(this.options.name, this.id, peer);
    await this.publish(h.topic, h.event);
  }

  async #xsubLoop(): Promise<void> {
    try {
      for await (const frames of this.xsub) {
        if (this.options.readDelayMs) await new Promise((r) => setTimeout(r, this.options.readDelayMs));
        const msg = decodeEventFrames(frames);
        if (utf8.decode(msg.sender) === this.id) continue;
        const topic = utf8.decode(msg.topic);
        const hello = topic.startsWith('zeek.cluster.nodeid.')
          ? parseHello(decodeEvent(msg.payload))
          : undefined;
        if (hello === undefined) {
          // Not set for hellos: a node joining later must not replace the frames a test checks.
          this.lastFrames = frames;
          this.receivedTotal++;
          this.received.set(topic, (this.received.get(topic) ?? 0) + 1);
          continue;
        }
        if (hello.kind === 'zeromq') {
          if (this.#nodeidSubs.has(hello.id)) await this.#sendClusterHello(hello.id);
          else this.#hellos.add(hello.id);
        } else if (!this.up.has(hello.id)) {
          this.up.set(hello.id, hello.name);
          this.lifecycle.push(`up:${hello.name}`);
        }
      }
    } catch (err) {
      if (!this.#closed) throw err;
    }
  }
}
