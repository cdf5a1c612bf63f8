import type { Logger } from 'pino';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';
import { HubReadiness } from './hub-readiness.js';
import { parseEndpoint, type Target } from './zmtp/endpoint.js';
import { ZmtpPeer, type ZmtpCurveOptions } from './zmtp/peer.js';

/** Options of {@link ZmtpLink}: where the hub is, and Zeek's node socket settings. */
export interface ZmtpLinkOptions {
  /** Hub XSUB endpoint our XPUB connects to (Zeek's `connect_xpub_endpoint`). */
  readonly connectXpubEndpoint: string;
  /** Hub XPUB endpoint our XSUB connects to (Zeek's `connect_xsub_endpoint`). */
  readonly connectXsubEndpoint: string;
  readonly ipv6: boolean;
  /** Largest cluster message frame accepted from the hub; larger messages are skipped. */
  readonly hubMaxMessageBytes: number;
  /** How long {@link close} waits for queued events to reach the kernel. */
  readonly lingerMs: number;
  /** The gateway's own node id (used for its start-up readiness probe). */
  readonly nodeId: string;
  /** Set: both connections use CURVE (RFC 26) with these keys. */
  readonly curve?: ZmtpCurveOptions | undefined;
  readonly log: Logger;
}

/** A received 4-frame event message: topic, sender node id, format, payload (zeromq-wire.md §3.1). */
export type ClusterFrames = readonly [Buffer, Buffer, Buffer, Buffer];

/**
 * What the router and the gateway need from the connection to the hub (implemented by
 * {@link ZmtpLink}, the gateway's own ZMTP 3.1 with the NULL or CURVE mechanism; tests may stand in).
 * See `ZmtpLink` for the semantics of each member.
 */
export interface HubLink {
  /** True once the start-up probe came back (and again after a reconnect was re-probed). */
  readonly ready: boolean;
  /** Events accepted for the hub and not yet handed on (backpressure signal). */
  readonly backlog: number;
  onMessage: (frames: ClusterFrames) => void;
  onMalformed: (frameCount: number) => void;
  onDrain: () => void;
  start(): { ready: Promise<void> };
  subscribe(keys: readonly string[]): void;
  unsubscribe(keys: readonly string[]): void;
  probe(id: string, timeoutMs: number): Promise<void>;
  /**
   * Queues one event message; false if it was dropped (hub down). The frames are copied (framed,
   * with CURVE boxed) before it returns: callers may pass views of scratch buffers.
   */
  publish(frames: readonly Uint8Array[]): boolean;
  flushed(): Promise<void>;
  close(drainMs?: number): Promise<void>;
}

function target(endpoint: string, ipv6: boolean): Target {
  const t = parseEndpoint(endpoint, ipv6);
  if (typeof t === 'string') throw new GatewayError(GATEWAY_ERROR_CODES.HUB_CONNECT, `Bad hub endpoint ${t}`);
  return t;
}

/**
 * The gateway's one XSUB/XPUB pair to the hub, shared by all clients (websocket-v1.md §4.7,
 * "a gateway that shares one XPUB/XSUB pair"), each a ZMTP 3.1 connection (zmtp/peer.ts).
 *
 * Subscriptions: callers pass binary-string prefixes (see TopicIndex) that became needed or
 * unneeded; the link sends exactly one `0x01`/`0x00` per transition, so the hub's counts never
 * leak (zeromq-wire.md §4.5), and re-sends the whole set after a reconnect, as a libzmq XSUB does.
 *
 * Knowing a subscription reached the hub: {@link probe} subscribes a unique topic
 * `zeek.zeromq.internal.<id>.<k>.` after whatever subscriptions are pending, and resolves when the
 * hub's XSUB echoes it back to our XPUB. One connection keeps its order, so the hub XPUB
 * registered every earlier prefix of ours before the probe, and forwarded those prefixes to every
 * publisher before the echo; and our XPUB, which got the hub's subscription set on connecting,
 * has seen all existing subscribers. This is Zeek's own ready-to-publish check, made per client.
 *
 * Publishing: events are framed into the XPUB connection's output buffer at once and written once
 * per event-loop turn; {@link backlog} counts those the kernel has not taken yet, so the caller can
 * stop reading clients (TCP backpressure) until {@link onDrain}. While the hub is unreachable
 * publications are dropped (`publish` returns false; the router counts them as `hub_down`), as a libzmq XPUB without a peer drops them.
 */
export class ZmtpLink implements HubLink {
  readonly #opts: ZmtpLinkOptions;
  readonly #xpub: ZmtpPeer;
  readonly #xsub: ZmtpPeer;
  /** Active prefixes (binary strings), in subscription order, re-sent after a reconnect. */
  readonly #subs = new Set<string>();
  readonly #readiness: HubReadiness;
  #closed = false;

  /** Called for every well-formed 4-frame message received from the hub. */
  onMessage: (frames: ClusterFrames) => void = () => {};
  /** Called for every message with a frame count other than 4, or too large (counted, dropped). */
  onMalformed: (frameCount: number) => void = () => {};
  /** Called when the publish backlog has fallen back to empty. */
  onDrain: () => void = () => {};

  constructor(options: ZmtpLinkOptions) {
    this.#opts = options;
    const common = {
      ipv6: options.ipv6,
      maxFrameBytes: options.hubMaxMessageBytes,
      log: options.log,
      ...(options.curve ? { curve: options.curve } : {}),
    };
    this.#xsub = new ZmtpPeer({
      ...common,
      type: 'XSUB',
      target: target(options.connectXsubEndpoint, options.ipv6),
    });
    this.#xpub = new ZmtpPeer({
      ...common,
      type: 'XPUB',
      target: target(options.connectXpubEndpoint, options.ipv6),
    });
    this.#xsub.onMessage = (frames) => {
      if (frames.length === 4) this.onMessage(frames as unknown as ClusterFrames);
      else this.onMalformed(frames.length);
    };
    this.#xsub.onDropped = () => this.onMalformed(-1);
    this.#readiness = new HubReadiness(
      {
        subscribe: (keys) => this.subscribe(keys),
        unsubscribe: (keys) => this.unsubscribe(keys),
        connected: () => this.#xsub.connected && this.#xpub.connected,
        waiting: () => {},
      },
      options.nodeId,
      options.log,
    );
    this.#xpub.onMessage = (frames) => this.#readiness.echo(frames);
    this.#xpub.onDrain = () => this.onDrain();
    this.#xsub.onConnect = () => {
      for (const k of this.#subs) this.#xsub.send([Buffer.from('\x01' + k, 'latin1')]);
      this.#readiness.linked();
    };
    this.#xpub.onConnect = () => this.#readiness.linked();
    this.#xsub.onDisconnect = (why) => this.#readiness.unlinked('XPUB', why);
    this.#xpub.onDisconnect = (why) => this.#readiness.unlinked('XSUB', why);
  }

  /** True once the start-up probe came back (the gateway can publish without loss). */
  get ready(): boolean {
    return this.#readiness.ready;
  }

  /** Events accepted for the hub and not yet taken by the kernel. */
  get backlog(): number {
    return this.#xpub.pending;
  }

  /**
   * Starts connecting both directions (reconnecting until closed). Returns at once; `ready`
   * resolves when the hub answered the gateway's own readiness probe (never, if there is no hub:
   * the gateway then stays not-ready and clients wait for their ack).
   */
  start(): { ready: Promise<void> } {
    this.#xsub.start();
    this.#xpub.start();
    return { ready: this.#readiness.start() };
  }

  /** Sends `0x01<prefix>` for each binary-string prefix (caller guarantees each is newly needed). */
  subscribe(keys: readonly string[]): void {
    for (const k of keys) {
      this.#subs.add(k);
      this.#xsub.send([Buffer.from('\x01' + k, 'latin1')]);
    }
  }

  /** Sends `0x00<prefix>` for each binary-string prefix no longer needed by anyone. */
  unsubscribe(keys: readonly string[]): void {
    for (const k of keys) {
      this.#subs.delete(k);
      this.#xsub.send([Buffer.from('\x00' + k, 'latin1')]);
    }
  }

  /** See {@link HubReadiness.probe}: resolves when every subscription sent so far reached the hub. */
  probe(id: string, timeoutMs: number): Promise<void> {
    return this.#readiness.probe(id, timeoutMs);
  }

  /** Queues one event message `[topic, sender, format, payload]`; false if dropped (hub down). */
  publish(frames: readonly Uint8Array[]): boolean {
    if (this.#closed) return false;
    return this.#xpub.send(frames);
  }

  /** Resolves when everything queued so far was handed to the kernel. */
  flushed(): Promise<void> {
    return this.#xpub.drained();
  }

  /**
   * Hands queued events to the kernel, waiting at most `drainMs` or `lingerMs`, whichever is
   * shorter (ZMQ_LINGER's role), then closes both connections. Idempotent.
   */
  async close(drainMs = this.#opts.lingerMs): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#readiness.close();
    await Promise.all([this.#xpub.close(Math.min(drainMs, this.#opts.lingerMs)), this.#xsub.close(0)]);
  }
}
