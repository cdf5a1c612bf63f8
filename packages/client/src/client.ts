import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { backoffDelay, resolveReconnect, type ReconnectOptions, type ResolvedReconnect } from './backoff.js';
import { decodeEventMessage, encodeEventMessage, type OutgoingEvent, type ZeekEvent } from './codec.js';
import { checkConnectionOptions, openConnection, type Ack, type ConnectionOptions } from './connection.js';
import { CLIENT_ERROR_CODES, ClientError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { Outbox } from './outbox.js';

/** Options of {@link ZeekClient.connect}. */
export interface ClientOptions extends ConnectionOptions {
  /** Reconnect policy; `false` disables reconnecting. Default: on, 100 ms doubling to 5 s. */
  readonly reconnect?: ReconnectOptions | boolean;
  /** Events buffered per `events()` iterator before the socket is paused. Default 1000. */
  readonly highWaterMark?: number;
  /** Messages kept while disconnected, sent after the next ack; older ones are dropped. Default 10000. */
  readonly maxPending?: number;
  /**
   * Also receives every `serverError` event, including those arriving together with the ack,
   * before `connect()` has resolved and a listener could be attached.
   */
  readonly onServerError?: (err: ClientError) => void;
}

/** Counters of a client, for progress output and tests. */
export interface ClientStats {
  /** Events delivered to iterators (decoded data messages). */
  received: number;
  /** Messages written to a socket. */
  published: number;
  /** Messages dropped because more than `maxPending` were queued while disconnected. */
  dropped: number;
  /** Data messages that could not be decoded (skipped). */
  decodeErrors: number;
  /** Server `error` messages after the ack. */
  serverErrors: number;
  /** Successful reconnects (acks after the first). */
  reconnects: number;
}

/** Events of {@link ZeekClient}. */
export interface ClientEvents {
  /** A (re)connection was acknowledged; `ack.endpoint` changes on every reconnect. */
  connected: [ack: Ack];
  /** The connection was lost; a reconnect follows unless disabled or closing. */
  disconnected: [code: number, reason: string];
  /** A reconnect attempt failed; `delayMs` until the next one. */
  reconnectFailed: [err: ClientError, attempt: number, delayMs: number];
  /** A server error message for a published message, or an undecodable data message. */
  serverError: [err: ClientError];
  /** The client ended: after `close()`, a fatal error or giving up reconnecting (`err` set then). */
  closed: [err: ClientError | undefined];
}

/**
 * Typed client for Zeek's WebSocket API v1 (and the zeek-relay gateway, which speaks the same
 * protocol). One instance = one logical subscription that survives reconnects: after a lost
 * connection it reconnects with exponential backoff, re-sends the same subscription list, and
 * flushes messages published meanwhile (bounded by `maxPending`). Events published by others
 * while disconnected are not replayed (the API has no history).
 *
 * Ordering: messages are sent in `publish` order; events are yielded in arrival order.
 * Failure: fatal errors (bad path, app name, subscriptions, 401/403) end the client and are thrown
 * from `connect()` or from every `events()` iterator.
 */
export class ZeekClient extends EventEmitter<ClientEvents> {
  readonly #counters = { received: 0, decodeErrors: 0, serverErrors: 0, reconnects: 0 };
  readonly #options: ClientOptions;
  readonly #reconnect: ResolvedReconnect;
  readonly #queues = new Set<EventQueue<ZeekEvent>>();
  readonly #outbox: Outbox;
  /** Events that arrived while no iterator existed (e.g. right after the ack); given to the first one. */
  #unclaimed: ZeekEvent[] = [];
  #unclaimedPressure = false;
  #ws: WebSocket | undefined;
  #ack: Ack | undefined;
  #closed = false;
  #closeError: ClientError | undefined;
  #closing: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #paused = 0;

  private constructor(options: ClientOptions) {
    super();
    this.#options = options;
    this.#reconnect = resolveReconnect(options.reconnect);
    this.#outbox = new Outbox(options.maxPending ?? 10_000);
  }

  /**
   * Connects, subscribes to `options.topics` and resolves once the server acknowledged.
   * The first attempt is not retried: its failure rejects (so wrong URLs fail fast); reconnects
   * apply only to connections lost later.
   */
  static async connect(options: ClientOptions): Promise<ZeekClient> {
    const client = new ZeekClient(options);
    await client.#open();
    return client;
  }

  /** A snapshot of the client's counters. */
  get stats(): ClientStats {
    return { ...this.#counters, published: this.#outbox.written, dropped: this.#outbox.dropped };
  }

  /** The current ack (endpoint id and server version); undefined while reconnecting. */
  get ack(): Ack | undefined {
    return this.#ack;
  }

  /** True while a connection is acknowledged. */
  get connected(): boolean {
    return this.#ack !== undefined;
  }

  async #open(): Promise<void> {
    const conn = await openConnection(this.#options, {
      onData: (text) => this.#onData(text),
      onServerError: (err) => this.#serverError(err),
      onClose: (code, reason) => this.#onClose(code, reason),
    });
    if (this.#closed) {
      conn.ws.close(1000);
      return;
    }
    this.#ws = conn.ws;
    this.#ack = conn.ack;
    if (this.#paused > 0) conn.ws.pause();
    this.#outbox.attach(conn.ws);
    this.emit('connected', conn.ack);
  }

  #serverError(err: ClientError): void {
    this.#counters.serverErrors++;
    this.#options.onServerError?.(err);
    this.emit('serverError', err);
  }

  #onData(bytes: Buffer): void {
    let ev: ZeekEvent;
    try {
      ev = decodeEventMessage(bytes);
    } catch (err) {
      this.#counters.decodeErrors++;
      const e =
        err instanceof ClientError
          ? err
          : new ClientError(CLIENT_ERROR_CODES.DECODE_FAILED, String(err), { cause: err });
      this.#options.onServerError?.(e);
      this.emit('serverError', e);
      return;
    }
    this.#counters.received++;
    if (this.#queues.size === 0) {
      this.#unclaimed.push(ev);
      if (!this.#unclaimedPressure && this.#unclaimed.length >= (this.#options.highWaterMark ?? 1000)) {
        this.#unclaimedPressure = true;
        this.#pressure(true);
      }
      return;
    }
    for (const q of this.#queues) q.push(ev);
  }

  #onClose(code: number, reason: string): void {
    this.#ws = undefined;
    this.#ack = undefined;
    this.#outbox.detach();
    if (this.#closed) return;
    this.emit('disconnected', code, reason);
    if (!this.#reconnect.enabled) {
      this.#end(
        new ClientError(
          CLIENT_ERROR_CODES.CONNECTION_LOST,
          `Connection lost (code ${code}${reason ? `, ${reason}` : ''})`,
        ),
      );
      return;
    }
    this.#scheduleRetry(0);
  }

  #scheduleRetry(attempt: number): void {
    const delay = backoffDelay(this.#reconnect, attempt);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#closed) return;
      this.#open().then(
        () => {
          this.#counters.reconnects++;
        },
        (err: unknown) => {
          const e =
            err instanceof ClientError
              ? err
              : new ClientError(CLIENT_ERROR_CODES.CONNECT_FAILED, String(err), { cause: err });
          if (e.fatal) return this.#end(e);
          const next = attempt + 1;
          if (this.#reconnect.maxAttempts > 0 && next >= this.#reconnect.maxAttempts) {
            return this.#end(
              new ClientError(CLIENT_ERROR_CODES.CLOSED, `Gave up after ${next} reconnect attempts`, {
                cause: e,
              }),
            );
          }
          const nextDelay = backoffDelay(this.#reconnect, next);
          this.emit('reconnectFailed', e, next, nextDelay);
          this.#scheduleRetry(next);
        },
      );
    }, delay);
  }

  /**
   * Publishes one event on `topic`. Values are encoded now, so a bad value throws
   * INVALID_ARGUMENT synchronously. While disconnected the message waits for the next ack
   * (at most `maxPending`, oldest dropped first and counted in `stats.dropped`).
   * The server reports a rejected event asynchronously as a `serverError` event.
   */
  publish(topic: string, event: OutgoingEvent): void {
    if (this.#closed)
      throw new ClientError(CLIENT_ERROR_CODES.CLOSED, 'Client is closed', { cause: this.#closeError });
    this.#outbox.send(encodeEventMessage(topic, event));
  }

  /**
   * Resolves when every message published so far has been handed to the operating system
   * (or the connection was lost). Call before `close()` when the process exits right after.
   */
  flush(): Promise<void> {
    return this.#outbox.flushed();
  }

  /**
   * A new async iterator over incoming events. The first iterator also gets the events that arrived
   * before it existed (none are lost between the ack and the first `events()` call); later ones
   * start at their creation. Several iterators each get every event. When one iterator buffers `highWaterMark`
   * events the socket is paused (TCP backpressure), never dropped. The iterator ends after
   * `close()`, or throws the fatal error that ended the client.
   */
  events(): AsyncIterableIterator<ZeekEvent> {
    const q: EventQueue<ZeekEvent> = new EventQueue<ZeekEvent>(
      this.#options.highWaterMark ?? 1000,
      (high) => this.#pressure(high),
      () => this.#queues.delete(q),
    );
    if (this.#closed) {
      if (this.#closeError) q.fail(this.#closeError);
      else q.end();
      return q;
    }
    this.#queues.add(q);
    const backlog = this.#unclaimed;
    this.#unclaimed = [];
    for (const ev of backlog) q.push(ev);
    if (this.#unclaimedPressure) {
      this.#unclaimedPressure = false;
      this.#pressure(false);
    }
    return q;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ZeekEvent> {
    return this.events();
  }

  #pressure(high: boolean): void {
    this.#paused += high ? 1 : -1;
    if (this.#paused > 0) this.#ws?.pause();
    else this.#ws?.resume();
  }

  #end(err: ClientError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = err;
    clearTimeout(this.#retryTimer);
    for (const q of this.#queues) {
      if (err) q.fail(err);
      else q.end();
    }
    this.#queues.clear();
    this.emit('closed', err);
  }

  /**
   * Closes the connection with code 1000 (after flushing sent messages), stops reconnecting and
   * ends every iterator once its buffer is drained. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.flush();
      const ws = this.#ws;
      this.#end(undefined);
      if (ws === undefined || ws.readyState === ws.CLOSED) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2000);
        ws.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        ws.close(1000);
      });
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Shorthand for {@link ZeekClient.connect}. */
export function connect(options: ClientOptions): Promise<ZeekClient> {
  checkConnectionOptions(options);
  return ZeekClient.connect(options);
}
