import type { Logger } from 'pino';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';

/** Prefix of Zeek's readiness-check topics (`Cluster::Backend::ZeroMQ::internal_topic_prefix`). */
export const INTERNAL_TOPIC_PREFIX = 'zeek.zeromq.internal.';

/** What the probes need from a hub link's transport. */
export interface ProbeTransport {
  /** Sends `0x01<key>` for each binary-string key. */
  subscribe(keys: readonly string[]): void;
  /** Sends `0x00<key>` for each binary-string key. */
  unsubscribe(keys: readonly string[]): void;
  /** Both directions are connected to the hub. */
  connected(): boolean;
  /** A probe started waiting for its echo (a transport that reads echoes on demand starts now). */
  waiting(): void;
}

/**
 * The probes of one hub link and the readiness that follows from them, shared by both transports.
 *
 * A probe subscribes the unique topic `zeek.zeromq.internal.<id>.<k>.` (k counts per link from 1)
 * after whatever subscriptions are pending, and resolves when the hub echoes it back to our XPUB
 * ({@link echo}); then it is unsubscribed. One connection keeps its order, so when the echo comes
 * the hub has registered every earlier subscription and forwarded it to all publishers — Zeek's
 * own ready-to-publish check.
 *
 * Readiness: true after the start-up probe; lost when either direction disconnects
 * ({@link unlinked}); once both are connected again ({@link linked}) a fresh probe proves the
 * re-sent subscriptions are active before it is true again.
 */
export class HubReadiness {
  readonly #t: ProbeTransport;
  readonly #nodeId: string;
  readonly #log: Logger;
  readonly #probes = new Map<string, (err?: GatewayError) => void>();
  #counter = 0;
  #ready = false;
  #started = false;
  #reprobing = false;
  #closed = false;

  constructor(transport: ProbeTransport, nodeId: string, log: Logger) {
    this.#t = transport;
    this.#nodeId = nodeId;
    this.#log = log;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Probes are waiting for their echo. */
  get waiting(): boolean {
    return this.#probes.size > 0;
  }

  /** Sends the start-up probe; the promise resolves when the link is ready the first time. */
  start(): Promise<void> {
    this.#started = true;
    return this.probe(this.#nodeId, 0).then(() => {
      this.#ready = true;
      this.#log.info('Reached the hub: subscriptions are echoed');
    });
  }

  /**
   * Proves that every subscription sent so far reached the hub. Rejects with
   * `ZR_GATEWAY_SUBSCRIBE_TIMEOUT` after `timeoutMs` (0 = wait forever) and with `ZR_GATEWAY_CLOSED`
   * when the link closes first.
   */
  probe(id: string, timeoutMs: number): Promise<void> {
    if (this.#closed)
      return Promise.reject(new GatewayError(GATEWAY_ERROR_CODES.CLOSED, 'Cluster link closed'));
    const topic = Buffer.from(`${INTERNAL_TOPIC_PREFIX}${id}.${++this.#counter}.`, 'utf8').toString('latin1');
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (err?: GatewayError): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.#probes.delete(topic);
        if (!this.#closed) this.#t.unsubscribe([topic]);
        if (err) reject(err);
        else resolve();
      };
      this.#probes.set(topic, done);
      this.#t.waiting();
      if (timeoutMs > 0) {
        timer = setTimeout(
          () =>
            done(
              new GatewayError(
                GATEWAY_ERROR_CODES.SUBSCRIBE_TIMEOUT,
                `No echo of ${topic} within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
      }
      this.#t.subscribe([topic]);
    });
  }

  /** A subscription message the hub forwarded to our XPUB: resolves the probe it echoes. */
  echo(frames: readonly Buffer[]): void {
    const frame = frames[0];
    if (this.#probes.size === 0 || frames.length !== 1 || frame === undefined || frame[0] !== 1) return;
    this.#probes.get(frame.toString('latin1', 1))?.();
  }

  /** A direction (re)connected: once both are, after a loss, re-probe. */
  linked(): void {
    if (!this.#started || this.#closed || this.#ready || this.#reprobing || !this.#t.connected()) return;
    const own = `${INTERNAL_TOPIC_PREFIX}${this.#nodeId}.`;
    // The start-up probe is still out and will be answered.
    if ([...this.#probes.keys()].some((t) => t.startsWith(own))) return;
    this.#reprobing = true;
    this.probe(this.#nodeId, 0).then(
      () => {
        this.#reprobing = false;
        this.#ready = true;
        this.#log.info('Reached the hub again');
      },
      (err: unknown) => {
        this.#reprobing = false;
        this.#log.debug({ err }, 'Readiness probe ended');
      },
    );
  }

  /** A direction lost its connection: not ready until re-probed. */
  unlinked(hubSocket: string, reason?: string): void {
    if (this.#closed) return;
    if (this.#ready) this.#log.warn({ hubSocket, reason }, 'Lost the connection to the hub');
    this.#ready = false;
  }

  /** Ends every waiting probe with `ZR_GATEWAY_CLOSED`. */
  close(): void {
    this.#closed = true;
    const closed = new GatewayError(GATEWAY_ERROR_CODES.CLOSED, 'Cluster link closed');
    for (const done of [...this.#probes.values()]) done(closed);
  }
}
