import type { Logger } from 'pino';
import { Context, XPublisher, XSubscriber } from 'zeromq';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';
import { receiveNext } from './zmq-receive.js';

/** Options of {@link ClusterLink}: Zeek's node socket settings (zeromq-wire.md §2.1). */
export interface ClusterLinkOptions {
  /** Hub XSUB endpoint our XPUB connects to (Zeek's `connect_xpub_endpoint`). */
  readonly connectXpubEndpoint: string;
  /** Hub XPUB endpoint our XSUB connects to (Zeek's `connect_xsub_endpoint`). */
  readonly connectXsubEndpoint: string;
  readonly ipv6: boolean;
  readonly xpubSndhwm: number;
  readonly xsubRcvhwm: number;
  readonly lingerMs: number;
  /** The gateway's own node id (used for its start-up readiness probe). */
  readonly nodeId: string;
  readonly log: Logger;
}

/** Prefix of Zeek's readiness-check topics (`Cluster::Backend::ZeroMQ::internal_topic_prefix`). */
export const INTERNAL_TOPIC_PREFIX = 'zeek.zeromq.internal.';

/** A received 4-frame event message: topic, sender node id, format, payload (zeromq-wire.md §3.1). */
export type ClusterFrames = readonly [Buffer, Buffer, Buffer, Buffer];

/**
 * The gateway's one XPUB/XSUB pair to the hub, shared by all clients (websocket-v1.md §4.7,
 * "a gateway that shares one XPUB/XSUB pair").
 *
 * Subscriptions: callers pass binary-string prefixes (see TopicIndex) that became needed or
 * unneeded; the link sends exactly one `0x01`/`0x00` per transition, so the hub's counts never
 * leak (zeromq-wire.md §4.5).
 *
 * Knowing a subscription reached the hub: {@link probe} subscribes a unique topic
 * `zeek.zeromq.internal.<id>.<k>.` after whatever subscriptions are pending, and resolves when the
 * hub's XSUB echoes it back to our VERBOSE XPUB. ZeroMQ keeps one pipe in order, so the hub XPUB
 * registered every earlier prefix of ours before the probe, and forwarded those prefixes to every
 * publisher before the echo; and our XPUB, which got the hub's cached subscription set on attach,
 * has seen all existing subscribers. This is Zeek's own ready-to-publish check, made per client.
 *
 * Publishing: one in-flight send at a time (zeromq.js allows no more), queued in order; with
 * XPUB_NODROP a full pipe makes the send wait instead of dropping, and {@link backlog} grows so the
 * caller can stop reading clients (TCP backpressure) until {@link onDrain}.
 */
export class ClusterLink {
  readonly #opts: ClusterLinkOptions;
  readonly #context: Context;
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
  #loops: Promise<void>[] = [];
  #xpubReading = false;
  #xpubLoopDone: Promise<void> = Promise.resolve();
  #xpubDrain: NodeJS.Timeout | undefined;

  /** Times a publication waited because the hub's pipe was at its high-water mark. */
  hwmWaits = 0;

  /** Called for every well-formed 4-frame message received from the hub. */
  onMessage: (frames: ClusterFrames) => void = () => {};
  /** Called for every message with a frame count other than 4 (counted, then dropped). */
  onMalformed: (frameCount: number) => void = () => {};
  /** Called when the publish backlog has fallen back to empty. */
  onDrain: () => void = () => {};

  constructor(options: ClusterLinkOptions) {
    this.#opts = options;
    try {
      this.#context = new Context({ ipv6: options.ipv6 });
      this.#xpub = new XPublisher({
        context: this.#context,
        linger: options.lingerMs,
        sendHighWaterMark: options.xpubSndhwm,
        noDrop: true,
        // Always take zeromq.js's synchronous send path: with the default (-1) every send first
        // asks libzmq for ZMQ_EVENTS (which processes its command mailbox), ≈ 1 µs per event; an
        // XPUB reports POLLOUT anyway, and with XPUB_NODROP a full pipe is EAGAIN either way.
        // #pump yields to the event loop itself (zeromq.js's own yield needs the default).
        sendTimeout: 0,
        // Subscriptions are read only while a probe waits for its echo (#readXpub).
        receiveTimeout: 0,
      });
      // ZMQ_XPUB_VERBOSE, as Zeek's node XPUB: every (duplicate) subscription is visible, which the probe needs.
      this.#xpub.verbosity = 'allSubs';
      this.#xsub = new XSubscriber({
        context: this.#context,
        receiveHighWaterMark: options.xsubRcvhwm,
        linger: 0,
        // Receive synchronously while messages are queued (see #readXsub).
        receiveTimeout: 0,
      });
    } catch (err) {
      throw new GatewayError(GATEWAY_ERROR_CODES.HUB_CONNECT, 'Could not create ZeroMQ sockets', {
        cause: err,
      });
    }
  }

  /** True once the start-up probe came back (the gateway can publish without loss). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Events queued for the hub and not yet handed to libzmq. */
  get backlog(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Connects both sockets and starts the receive loops. Returns at once; the returned `ready`
   * promise resolves when the hub answered the gateway's own readiness probe (never, if there is no
   * hub: the gateway then stays not-ready and clients wait for their ack).
   */
  start(): { ready: Promise<void> } {
    try {
      this.#xsub.connect(this.#opts.connectXsubEndpoint);
      this.#xpub.connect(this.#opts.connectXpubEndpoint);
    } catch (err) {
      throw new GatewayError(
        GATEWAY_ERROR_CODES.HUB_CONNECT,
        `Could not connect to the hub: ${String(err)}`,
        { cause: err },
      );
    }
    this.#loops.push(this.#readXsub());
    // Queued subscription messages are drained now and then even when no probe waits.
    this.#xpubDrain = setInterval(() => this.#readXpub(), 1000).unref();
    // Readiness follows the hub: lost on disconnect; after a reconnect libzmq re-sends our
    // subscriptions, and a fresh probe proves they are active again.
    let lost = false;
    this.#xsub.events.on('disconnect', () => {
      if (this.#closed || lost) return;
      lost = true;
      this.#ready = false;
      this.#opts.log.warn('Lost the connection to the hub');
    });
    this.#xsub.events.on('handshake', () => {
      if (this.#closed || !lost) return;
      lost = false;
      this.probe(this.#opts.nodeId, 0).then(
        () => {
          this.#ready = true;
          this.#opts.log.info('Reached the hub again');
        },
        (err: unknown) => this.#opts.log.debug({ err }, 'Readiness probe ended'),
      );
    });
    const ready = this.probe(this.#opts.nodeId, 0).then(() => {
      this.#ready = true;
      this.#opts.log.info('Reached the hub: subscriptions are echoed');
    });
    return { ready };
  }

  /** Sends `0x01<prefix>` for each binary-string prefix (caller guarantees each is newly needed). */
  subscribe(keys: readonly string[]): void {
    for (const k of keys) this.#sendXsub(Buffer.from('\x01' + k, 'latin1'));
  }

  /** Sends `0x00<prefix>` for each binary-string prefix no longer needed by anyone. */
  unsubscribe(keys: readonly string[]): void {
    for (const k of keys) this.#sendXsub(Buffer.from('\x00' + k, 'latin1'));
  }

  /**
   * Proves that every subscription sent so far reached the hub: subscribes
   * `zeek.zeromq.internal.<id>.<k>.` (k process-wide from 1), waits for its echo, unsubscribes it.
   * Rejects with `ZR_GATEWAY_SUBSCRIBE_TIMEOUT` after `timeoutMs` (0 = wait forever) and with
   * `ZR_GATEWAY_CLOSED` when the link closes first.
   */
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
        if (!this.#closed) this.#sendXsub(Buffer.from('\x00' + topic, 'latin1'));
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
      this.#sendXsub(Buffer.from('\x01' + topic, 'latin1'));
    });
  }

  /** Queues one event message `[topic, sender, format, payload]`; order is kept. */
  publish(frames: readonly Buffer[]): void {
    if (this.#closed) return;
    this.#queue.push(frames);
    if (this.#pumping) return;
    // Start sending after this turn's I/O callbacks: everything the clients' sockets delivered
    // in this turn then goes to libzmq back to back, so its I/O thread is woken once and writes
    // many events per syscall instead of one wake-up and one write per event.
    this.#pumping = true;
    setImmediate(this.#startPump);
  }

  readonly #startPump = (): void => void this.#pump();

  /** Resolves when everything queued so far was handed to libzmq. */
  flushed(): Promise<void> {
    if (this.backlog === 0 && !this.#pumping) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /**
   * Makes libzmq apply the subscriptions the hub forwarded since the last call. The XPUB is read
   * only while a probe waits (#readXpub), and a send processes libzmq's command queue only when
   * ~1 ms passed since it last did; querying ZMQ_EVENTS processes it at once, so a batch is
   * filtered against every subscription that arrived before it (as with a node whose XPUB is
   * always read).
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
          // XPUB_NODROP: the hub's pipe is full (zeromq.js reports EAGAIN instead of waiting, as
          // XPUB always polls writable). Keep the event, wait, retry: backpressure, not loss.
          if ((err as { code?: unknown }).code !== 'EAGAIN') throw err;
          this.hwmWaits++;
          // First yield to I/O only (the pipe usually drains within microseconds), then back off.
          await new Promise((r) =>
            backoff < 64 ? setImmediate(r) : setTimeout(r, Math.min(backoff >> 6, 50)),
          );
          backoff *= 2;
          continue;
        }
        backoff = 1;
        this.#queue[this.#head++] = ClusterLink.#SENT;
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
   * Reads the subscription messages the hub forwards to our VERBOSE XPUB, resolving probes on
   * their echo. The loop runs only while needed: it drains what is queued and then waits only if
   * a probe is outstanding. The reason: while a receive is pending on the XPUB, zeromq.js checks
   * ZMQ_EVENTS after every send on it (≈ 1 µs per published event).
   */
  #readXpub(): void {
    if (this.#xpubReading || this.#closed) return;
    this.#xpubReading = true;
    this.#xpubLoopDone = this.#xpubLoop();
  }

  async #xpubLoop(): Promise<void> {
    // Wait for more only while a probe is outstanding; the flag is cleared in the same turn as
    // that check, so a probe registered afterwards starts a new loop.
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
        if (frame === undefined || frame.length === 0 || frame[0] !== 1) continue;
        const done = this.#probes.get(frame.toString('latin1', 1));
        if (done) done();
      }
    } catch (err) {
      this.#xpubReading = false;
      if (!this.#closed) this.#opts.log.error({ err }, 'XPUB receive loop failed');
    }
  }

  /**
   * Receives cluster messages in batches (see receiveNext); yields to the event loop every 256
   * messages, so corked client sockets are flushed and clients are read during long bursts.
   */
  async #readXsub(): Promise<void> {
    let n = 0;
    try {
      while (!this.#closed) {
        const frames = await receiveNext(this.#xsub, () => true, true);
        if (frames === undefined) continue;
        if (frames.length === 4) this.onMessage(frames as unknown as ClusterFrames);
        else this.onMalformed(frames.length);
        if ((++n & 255) === 0) await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      if (!this.#closed) this.#opts.log.error({ err }, 'XSUB receive loop failed');
    }
  }

  /**
   * Hands queued events to libzmq (waiting at most `drainMs`), then closes both sockets; the XPUB
   * lingers `lingerMs` so accepted events still reach the hub. Idempotent.
   */
  async close(drainMs = 1000): Promise<void> {
    if (this.#closed) return;
    if (this.backlog > 0 || this.#pumping) {
      await Promise.race([this.flushed(), new Promise((r) => setTimeout(r, drainMs).unref())]);
    }
    this.#closed = true;
    clearInterval(this.#xpubDrain);
    const closed = new GatewayError(GATEWAY_ERROR_CODES.CLOSED, 'Cluster link closed');
    for (const done of [...this.#probes.values()]) done(closed);
    this.#xsub.close();
    this.#xpub.close();
    await Promise.allSettled([...this.#loops, this.#xpubLoopDone]);
  }
}
