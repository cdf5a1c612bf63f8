import type { Logger } from 'pino';
import { Context, XPublisher, XSubscriber } from 'zeromq';
import { INTERNAL_TOPIC_PREFIX, type ClusterFrames } from './cluster-link.js';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';
import type { HubCurveKeys, HubLink } from './hub-link.js';
import { receiveNext } from './libzmq-receive.js';

/** Options of {@link LibzmqLink}: those of `ClusterLink` plus the CURVE keys. */
export interface LibzmqLinkOptions {
  readonly connectXpubEndpoint: string;
  readonly connectXsubEndpoint: string;
  readonly ipv6: boolean;
  /** Messages with a larger frame are skipped and reported through `onMalformed(-1)`. */
  readonly hubMaxMessageBytes: number;
  readonly lingerMs: number;
  readonly nodeId: string;
  readonly curve: HubCurveKeys;
  readonly log: Logger;
}

/** ZMQ_SNDHWM of the XPUB and ZMQ_RCVHWM of the XSUB: libzmq's (and Zeek's) default, in events. */
const HWM = 1000;

type HubSocket = 'XPUB' | 'XSUB';

/**
 * The hub connection through libzmq (zeromq.js), used only when the hub speaks CURVE, which the
 * gateway's own ZMTP code (`ClusterLink`) does not. Same contract as `ClusterLink` ({@link HubLink}):
 * reference-counted subscriptions sent once per transition, {@link probe} resolved by the echo on
 * the VERBOSE XPUB (one pipe keeps its order, so every earlier subscription reached the hub),
 * publications dropped and counted while the hub is not connected.
 *
 * Publishing: one in-flight send at a time (zeromq.js allows no more), queued in order; with
 * XPUB_NODROP a full pipe makes the send wait instead of dropping, and {@link backlog} grows so the
 * caller can stop reading clients until {@link onDrain}. Connection state comes from the socket
 * monitors: a CURVE handshake that succeeded makes a socket "up"; a failed one (e.g. the hub's
 * ZAP handler rejected our key) is logged and libzmq keeps retrying, the link stays not ready.
 */
export class LibzmqLink implements HubLink {
  readonly #opts: LibzmqLinkOptions;
  readonly #xpub: XPublisher;
  readonly #xsub: XSubscriber;
  #xsubChain: Promise<void> = Promise.resolve();
  readonly #probes = new Map<string, (err?: GatewayError) => void>();
  #probeCounter = 0;
  #queue: (readonly Buffer[])[] = [];
  /** Placeholder for sent queue slots (releases the frames without allocating). */
  static readonly #SENT: readonly Buffer[] = [];
  #head = 0;
  #pumping = false;
  #drainWaiters: (() => void)[] = [];
  #closed = false;
  #ready = false;
  #started = false;
  #reprobing = false;
  readonly #up = { XPUB: false, XSUB: false };
  readonly #handshakeFailures = new Set<string>();
  #loops: Promise<void>[] = [];
  readonly #monitors: Promise<void>[];
  #xpubReading = false;
  #xpubLoopDone: Promise<void> = Promise.resolve();
  #xpubDrain: NodeJS.Timeout | undefined;

  droppedWhileDown = 0;
  onMessage: (frames: ClusterFrames) => void = () => {};
  onMalformed: (frameCount: number) => void = () => {};
  onDrain: () => void = () => {};

  constructor(options: LibzmqLinkOptions) {
    this.#opts = options;
    const { serverKey, publicKey, secretKey } = options.curve;
    const curve = { curveServerKey: serverKey, curvePublicKey: publicKey, curveSecretKey: secretKey };
    try {
      const context = new Context({ ipv6: options.ipv6 });
      this.#xpub = new XPublisher({
        context,
        ...curve,
        linger: options.lingerMs,
        sendHighWaterMark: HWM,
        noDrop: true,
        // zeromq.js's synchronous send path (no ZMQ_EVENTS query per event); #pump yields itself.
        sendTimeout: 0,
        // Subscriptions are read only while a probe waits for its echo (#readXpub).
        receiveTimeout: 0,
      });
      // ZMQ_XPUB_VERBOSE, as Zeek's node XPUB: every (duplicate) subscription is visible, which the probe needs.
      this.#xpub.verbosity = 'allSubs';
      this.#xsub = new XSubscriber({
        context,
        ...curve,
        receiveHighWaterMark: HWM,
        linger: 0,
        receiveTimeout: 0,
      });
    } catch (err) {
      throw new GatewayError(
        GATEWAY_ERROR_CODES.HUB_CONNECT,
        `Could not create the CURVE ZeroMQ sockets: ${String(err)}`,
        { cause: err },
      );
    }
    this.#monitors = [this.#watch(this.#xpub, 'XPUB'), this.#watch(this.#xsub, 'XSUB')];
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Events queued for the hub and not yet handed to libzmq. */
  get backlog(): number {
    return this.#queue.length - this.#head;
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
    const ready = this.probe(this.#opts.nodeId, 0).then(() => {
      this.#ready = true;
      this.#opts.log.info('Reached the hub over CURVE: subscriptions are echoed');
    });
    return { ready };
  }

  subscribe(keys: readonly string[]): void {
    for (const k of keys) this.#sendXsub(Buffer.from('\x01' + k, 'latin1'));
  }

  unsubscribe(keys: readonly string[]): void {
    for (const k of keys) this.#sendXsub(Buffer.from('\x00' + k, 'latin1'));
  }

  /** As `ClusterLink.probe`: `ZR_GATEWAY_SUBSCRIBE_TIMEOUT` after `timeoutMs` (0 = never). */
  probe(id: string, timeoutMs: number): Promise<void> {
    if (this.#closed)
      return Promise.reject(new GatewayError(GATEWAY_ERROR_CODES.CLOSED, 'Cluster link closed'));
    const topic = Buffer.from(`${INTERNAL_TOPIC_PREFIX}${id}.${++this.#probeCounter}.`, 'utf8').toString(
      'latin1',
    );
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (err?: GatewayError): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.#probes.delete(topic);
        if (!this.#closed) this.unsubscribe([topic]);
        if (err) reject(err);
        else resolve();
      };
      this.#probes.set(topic, done);
      this.#readXpub();
      if (timeoutMs > 0) {
        timer = setTimeout(
          () =>
            done(
              new GatewayError(
                GATEWAY_ERROR_CODES.SUBSCRIBE_TIMEOUT,
                `No echo of ${topic} within ${timeoutMs} ms`,
                { closeCode: 1011 },
              ),
            ),
          timeoutMs,
        );
      }
      this.subscribe([topic]);
    });
  }

  /** Queues one event message; false (dropped, counted) while the XPUB has no hub connection. */
  publish(frames: readonly Buffer[]): boolean {
    if (this.#closed) return false;
    if (!this.#up.XPUB) {
      this.droppedWhileDown++;
      return false;
    }
    this.#queue.push(frames);
    if (!this.#pumping) {
      // Send after this turn's I/O callbacks: a burst from the clients reaches libzmq back to back.
      this.#pumping = true;
      setImmediate(this.#startPump);
    }
    return true;
  }

  readonly #startPump = (): void => void this.#pump();

  flushed(): Promise<void> {
    if (this.backlog === 0 && !this.#pumping) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /**
   * Follows one socket's monitor until the link closes: handshakes make it up, disconnects down,
   * failed handshakes are logged. Read as a loop (not `events.on`, whose internal loop would end
   * in an unhandled rejection when {@link close} closes the observer).
   */
  #watch(sock: XPublisher | XSubscriber, which: HubSocket): Promise<void> {
    const events = sock.events;
    return (async () => {
      for await (const e of events) {
        if (e.type === 'handshake') {
          this.#up[which] = true;
          this.#linked();
        } else if (e.type === 'disconnect') this.#unlinked(which);
        else if (e.type === 'handshake:error:auth') this.#handshakeFailed(which, 'auth', e.error.status);
        else if (e.type === 'handshake:error:protocol')
          this.#handshakeFailed(which, 'protocol', e.error.code);
        else if (e.type === 'handshake:error:other') this.#handshakeFailed(which, 'other', e.error.code);
      }
    })().catch((err: unknown) => {
      if (!this.#closed) this.#opts.log.error({ err, hubSocket: which }, 'Socket monitor failed');
    });
  }

  /** Logged once per socket and kind (debug afterwards): libzmq retries, a rejected key would flood the log. */
  #handshakeFailed(which: HubSocket, kind: string, detail: unknown): void {
    if (this.#closed) return;
    const key = `${which}:${kind}`;
    const level = this.#handshakeFailures.has(key) ? 'debug' : 'warn';
    this.#handshakeFailures.add(key);
    this.#opts.log[level](
      { hubSocket: which, failure: kind, detail },
      kind === 'auth'
        ? "The hub rejected the gateway's CURVE key (ZAP); not on its allow-list?"
        : 'CURVE handshake with the hub failed (wrong hub server key, or the hub is not CURVE?)',
    );
  }

  /** Both sockets are (again) up: after a loss, prove the subscriptions are active again. */
  #linked(): void {
    if (!this.#started || this.#closed || this.#ready || this.#reprobing) return;
    if (!this.#up.XPUB || !this.#up.XSUB) return;
    if ([...this.#probes.keys()].some((t) => t.startsWith(`${INTERNAL_TOPIC_PREFIX}${this.#opts.nodeId}.`))) {
      return; // the start-up probe is still out and will be answered
    }
    this.#reprobing = true;
    this.probe(this.#opts.nodeId, 0).then(
      () => {
        this.#reprobing = false;
        this.#ready = true;
        this.#opts.log.info('Reached the hub again');
      },
      (err: unknown) => {
        this.#reprobing = false;
        this.#opts.log.debug({ err }, 'Readiness probe ended');
      },
    );
  }

  #unlinked(which: HubSocket): void {
    this.#up[which] = false;
    if (this.#closed) return;
    if (this.#ready) this.#opts.log.warn({ hubSocket: which }, 'Lost the connection to the hub');
    this.#ready = false;
  }

  /**
   * Makes libzmq apply the subscriptions the hub forwarded since the last call: the XPUB is read
   * only while a probe waits, and a send processes libzmq's command queue only when ~1 ms passed
   * since it last did; querying ZMQ_EVENTS processes it at once, so a batch is filtered against
   * every subscription that arrived before it.
   */
  #applySubscriptions(): boolean {
    return this.#xpub.writable;
  }

  async #pump(): Promise<void> {
    try {
      let backoff = 1;
      let sent = 0;
      this.#applySubscriptions();
      while (this.#head < this.#queue.length && !this.#closed) {
        const msg = this.#queue[this.#head] as Buffer[];
        try {
          await this.#xpub.send(msg);
        } catch (err) {
          // XPUB_NODROP: the hub's pipe is full (EAGAIN). Keep the event, wait, retry.
          if ((err as { code?: unknown }).code !== 'EAGAIN') throw err;
          await new Promise((r) =>
            backoff < 64 ? setImmediate(r) : setTimeout(r, Math.min(backoff >> 6, 50)),
          );
          backoff *= 2;
          continue;
        }
        backoff = 1;
        this.#queue[this.#head++] = LibzmqLink.#SENT;
        if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        // Synchronous sends never yield on their own: let I/O (client reads, timers) run now and then.
        if ((++sent & 255) === 0) {
          await new Promise((r) => setImmediate(r));
          this.#applySubscriptions();
        }
      }
    } catch (err) {
      if (!this.#closed) this.#opts.log.error({ err }, 'Could not publish to the hub');
    } finally {
      this.#pumping = false;
      if (this.#head >= this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      }
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
      this.onDrain();
    }
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
      if (this.#probes.size > 0) return true;
      this.#xpubReading = false;
      return false;
    };
    try {
      for (;;) {
        const frames = await receiveNext(this.#xpub, wanted, false);
        if (frames === undefined) return;
        const frame = frames[0];
        if (frames.length !== 1 || frame === undefined || frame.length === 0 || frame[0] !== 1) continue;
        this.#probes.get(frame.toString('latin1', 1))?.();
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
    if (this.backlog > 0 || this.#pumping) {
      const wait = Math.min(drainMs, this.#opts.lingerMs);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.flushed(), new Promise((r) => (timer = setTimeout(r, wait)))]);
      clearTimeout(timer);
    }
    this.#closed = true;
    clearInterval(this.#xpubDrain);
    const closed = new GatewayError(GATEWAY_ERROR_CODES.CLOSED, 'Cluster link closed');
    for (const done of [...this.#probes.values()]) done(closed);
    // Close the monitors explicitly: one whose socket closed before it saw MONITOR_STOPPED would
    // keep a pending receive (and the process) alive.
    for (const sock of [this.#xsub, this.#xpub]) {
      sock.events.close();
      sock.close();
    }
    await Promise.allSettled([...this.#loops, ...this.#monitors, this.#xpubLoopDone, this.#xsubChain]);
  }
}
