import type { XPublisher, XSubscriber } from 'zeromq';
import type { ClusterFrames, ClusterLinkOptions } from './cluster-link.js';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';
import type { HubCurveKeys, HubLink } from './hub-link.js';
import { HubReadiness } from './hub-readiness.js';
import { PublishQueue } from './libzmq-publisher.js';
import { createCurveSockets, receiveNext, watchHubSocket, type HubSocket } from './libzmq-sockets.js';

/** Options of {@link LibzmqLink}: those of `ClusterLink` plus the CURVE keys. */
export interface LibzmqLinkOptions extends ClusterLinkOptions {
  readonly curve: HubCurveKeys;
}

/**
 * The hub connection through libzmq (zeromq.js), used only when the hub speaks CURVE, which the
 * gateway's own ZMTP code (`ClusterLink`) does not. Same contract as `ClusterLink` ({@link HubLink}):
 * reference-counted subscriptions sent once per transition, {@link probe} resolved by the echo on
 * the VERBOSE XPUB (one pipe keeps its order, so every earlier subscription reached the hub),
 * publications dropped (false from `publish`) while the hub is not connected.
 *
 * Publishing: through a {@link PublishQueue} (in order, waiting at a full pipe instead of
 * dropping); {@link backlog} grows so the caller can stop reading clients until {@link onDrain}. Connection state comes from the socket
 * monitors: a CURVE handshake that succeeded makes a socket "up"; a failed one (e.g. the hub's
 * ZAP handler rejected our key) is logged and libzmq keeps retrying, the link stays not ready.
 */
export class LibzmqLink implements HubLink {
  readonly #opts: LibzmqLinkOptions;
  readonly #xpub: XPublisher;
  readonly #xsub: XSubscriber;
  #xsubChain: Promise<void> = Promise.resolve();
  readonly #readiness: HubReadiness;
  readonly #queue: PublishQueue;
  #closed = false;
  #started = false;
  readonly #up = { XPUB: false, XSUB: false };
  #loops: Promise<void>[] = [];
  readonly #monitors: Promise<void>[];
  #xpubReading = false;
  #xpubLoopDone: Promise<void> = Promise.resolve();
  #xpubDrain: NodeJS.Timeout | undefined;

  onMessage: (frames: ClusterFrames) => void = () => {};
  onMalformed: (frameCount: number) => void = () => {};
  onDrain: () => void = () => {};

  constructor(options: LibzmqLinkOptions) {
    this.#opts = options;
    const { xpub, xsub } = createCurveSockets(options);
    this.#xpub = xpub;
    this.#xsub = xsub;
    this.#queue = new PublishQueue(xpub, options.log);
    this.#queue.onDrain = () => this.onDrain();
    this.#readiness = new HubReadiness(
      {
        subscribe: (keys) => this.subscribe(keys),
        unsubscribe: (keys) => this.unsubscribe(keys),
        connected: () => this.#up.XPUB && this.#up.XSUB,
        waiting: () => this.#readXpub(),
      },
      options.nodeId,
      options.log,
    );
    const watch = (sock: XPublisher | XSubscriber, which: HubSocket): Promise<void> =>
      watchHubSocket(sock, which, {
        up: () => {
          this.#up[which] = true;
          this.#readiness.linked();
        },
        down: () => {
          this.#up[which] = false;
          this.#readiness.unlinked(which);
        },
        closed: () => this.#closed,
        log: options.log,
      });
    this.#monitors = [watch(xpub, 'XPUB'), watch(xsub, 'XSUB')];
  }

  get ready(): boolean {
    return this.#readiness.ready;
  }

  /** Events queued for the hub and not yet handed to libzmq. */
  get backlog(): number {
    return this.#queue.length;
  }

  /** Connects both sockets (libzmq reconnects by itself) and starts the start-up probe. */
  start(): { ready: Promise<void> } {
    try {
      this.#xsub.connect(this.#opts.connectXsubEndpoint);
      this.#xpub.connect(this.#opts.connectXpubEndpoint);
    } catch (err) {
      throw new GatewayError(GATEWAY_ERROR_CODES.HUB_CONNECT, `Bad hub endpoint: ${String(err)}`, {
        cause: err,
      });
    }
    this.#started = true;
    this.#loops.push(this.#readXsub());
    // Queued subscription messages are drained now and then even when no probe waits.
    this.#xpubDrain = setInterval(() => this.#readXpub(), 1000).unref();
    return { ready: this.#readiness.start() };
  }

  subscribe(keys: readonly string[]): void {
    for (const k of keys) this.#sendXsub(Buffer.from('\x01' + k, 'latin1'));
  }

  unsubscribe(keys: readonly string[]): void {
    for (const k of keys) this.#sendXsub(Buffer.from('\x00' + k, 'latin1'));
  }

  /** As `ClusterLink.probe`: `ZR_GATEWAY_SUBSCRIBE_TIMEOUT` after `timeoutMs` (0 = never). */
  probe(id: string, timeoutMs: number): Promise<void> {
    return this.#readiness.probe(id, timeoutMs);
  }

  /** Queues one event message; false (dropped) while the XPUB has no hub connection. */
  publish(frames: readonly Buffer[]): boolean {
    if (this.#closed) return false;
    if (!this.#up.XPUB) return false;
    this.#queue.push(frames);
    return true;
  }

  /** Resolves when everything queued so far was handed to libzmq. */
  flushed(): Promise<void> {
    return this.#queue.flushed();
  }

  #sendXsub(msg: Buffer): void {
    this.#xsubChain = this.#xsubChain
      .then(() => (this.#closed ? undefined : this.#xsub.send(msg)))
      .catch((err: unknown) => {
        if (!this.#closed) this.#opts.log.error({ err }, 'Could not send a subscription to the hub');
      });
  }

  /**
   * Reads the subscription messages the hub forwards to our VERBOSE XPUB, resolving probes on their
   * echo; waits for more only while a probe is outstanding (a pending receive on the XPUB would
   * make zeromq.js query ZMQ_EVENTS after every send on it).
   */
  #readXpub(): void {
    if (this.#xpubReading || this.#closed || !this.#started) return;
    this.#xpubReading = true;
    this.#xpubLoopDone = this.#xpubLoop();
  }

  async #xpubLoop(): Promise<void> {
    const wanted = (): boolean => {
      if (this.#readiness.waiting) return true;
      this.#xpubReading = false;
      return false;
    };
    try {
      for (;;) {
        const frames = await receiveNext(this.#xpub, wanted, false);
        if (frames === undefined) return;
        this.#readiness.echo(frames);
      }
    } catch (err) {
      this.#xpubReading = false;
      if (!this.#closed) this.#opts.log.error({ err }, 'XPUB receive loop failed');
    }
  }

  /** Receives cluster messages in batches; yields to the event loop every 256 messages. */
  async #readXsub(): Promise<void> {
    let n = 0;
    const max = this.#opts.hubMaxMessageBytes;
    try {
      while (!this.#closed) {
        const frames = await receiveNext(this.#xsub, () => true, true);
        if (frames === undefined) continue;
        if (frames.some((f) => f.length > max)) this.onMalformed(-1);
        else if (frames.length === 4) this.onMessage(frames as unknown as ClusterFrames);
        else this.onMalformed(frames.length);
        if ((++n & 255) === 0) await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      if (!this.#closed) this.#opts.log.error({ err }, 'XSUB receive loop failed');
    }
  }

  /**
   * Hands queued events to libzmq (waiting at most `drainMs` or `lingerMs`, whichever is shorter),
   * then closes both sockets; the XPUB lingers `lingerMs` so accepted events still leave. Idempotent.
   */
  async close(drainMs = this.#opts.lingerMs): Promise<void> {
    if (this.#closed) return;
    if (this.backlog > 0) {
      const wait = Math.min(drainMs, this.#opts.lingerMs);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.flushed(), new Promise((r) => (timer = setTimeout(r, wait)))]);
      clearTimeout(timer);
    }
    this.#closed = true;
    this.#queue.close();
    clearInterval(this.#xpubDrain);
    this.#readiness.close();
    // Close the monitors explicitly: one whose socket closed before it saw MONITOR_STOPPED would
    // keep a pending receive (and the process) alive.
    for (const sock of [this.#xsub, this.#xpub]) {
      sock.events.close();
      sock.close();
    }
    await Promise.allSettled([...this.#loops, ...this.#monitors, this.#xpubLoopDone, this.#xsubChain]);
  }
}
