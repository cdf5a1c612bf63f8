import { isUtf8 } from 'node:buffer';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { mayPublish, maySubscribe, type Principal } from './auth.js';
import { FrameQueue, type ArenaFrame, type FrameSocket } from './client-frames.js';
import type { Codec } from './codec.js';
import { GatewayMetrics } from './metrics.js';
import {
  ABNORMAL_CLOSURE,
  CLOSE,
  ERROR_CODES,
  ERROR_FRAMES,
  NO_STATUS_CODE,
  formatAck,
  formatError,
  pingPayload,
} from './protocol.js';
import type { Member, Router } from './router.js';
import { parseSubscriptions } from './subscriptions.js';

/** Who a connection is (known at upgrade time). */
export interface SessionInfo {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  /** `X-Application-Name` (trimmed), undefined when the header was absent. */
  readonly applicationName: string | undefined;
  readonly principal: Principal;
}

/** Shared, per-gateway collaborators of every session. */
export interface SessionEnv {
  readonly router: Router;
  readonly codec: Codec;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly pingIntervalSeconds: number;
  readonly sendQueueBytes: number;
  readonly maxPendingMessages: number;
  readonly zeekVersion: string;
  /** Raised right before the ack (Zeek's `websocket_client_added`). */
  onAdded(s: Session, prefixes: readonly string[]): void;
  /** Raised after the connection ended (Zeek's `websocket_client_lost`); not at shutdown or rejection. */
  onLost(s: Session, code: number, reason: string): void;
  /** Bookkeeping: the connection is gone. */
  onClosed(s: Session): void;
}

/**
 * Life of one connection (websocket-v1.md §2):
 * `handshake` (waiting for the subscription array) → `subscribing` (data messages queued) →
 * `active`; `dead` after a bad subscription message (no ack, messages ignored, as Zeek);
 * `rejected` after a bad path or application name; `closing`/`closed` at the end.
 */
export type SessionState =
  | 'handshake'
  | 'subscribing'
  | 'active'
  | 'dead'
  | 'rejected'
  | 'closing'
  | 'closed';

/** One WebSocket client: a state machine driven by socket events and the router. */
export class Session implements Member {
  state: SessionState = 'handshake';
  readonly idBytes: Buffer;
  #pending: Buffer[] = [];
  /** Cluster frames of the current burst, written by {@link flush}. */
  readonly #out = new FrameQueue();
  #prefixes: readonly string[] = [];
  #closeSent: { code: number; reason: string } | undefined;
  #terminating = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #pongSeen = true;
  #pings = 0;

  constructor(
    private readonly ws: WebSocket,
    readonly info: SessionInfo,
    private readonly env: SessionEnv,
  ) {
    this.idBytes = Buffer.from(info.id, 'utf8');
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    ws.on('close', (code, reason) => this.#onClose(code, reason));
    ws.on('pong', () => {
      this.#pongSeen = true;
    });
  }

  get id(): string {
    return this.info.id;
  }

  get acked(): boolean {
    return this.state === 'active';
  }

  /** Distinct subscription prefixes as sent (after the subscription message). */
  get prefixes(): readonly string[] {
    return this.#prefixes;
  }

  /** Starts the heartbeat and waits for the subscription message. */
  start(): void {
    this.#startHeartbeat();
  }

  /** Zeek's post-upgrade rejection: error message, then close 1008 with the same text. */
  reject(kind: 'uri' | 'app'): void {
    this.state = 'rejected';
    const [frame, close] =
      kind === 'uri'
        ? [ERROR_FRAMES.invalidUri, CLOSE.invalidUri]
        : [ERROR_FRAMES.invalidApplicationName, CLOSE.invalidApplicationName];
    GatewayMetrics.bump(
      this.env.metrics.rejected,
      kind === 'uri' ? 'invalid_uri' : 'invalid_application_name',
    );
    this.ws.send(frame);
    this.#close(close.code, close.reason);
  }

  /** Graceful shutdown of the gateway: close 1001 `Terminating`, no lost event (§4.6). */
  terminate(): void {
    this.#terminating = true;
    this.#close(CLOSE.terminating.code, CLOSE.terminating.reason);
  }

  /** Queues a cluster frame for this client until the router's {@link flush} (end of the burst). */
  deliver(frame: ArenaFrame): void {
    if (this.state !== 'active') return;
    const length = frame.end - frame.start;
    if (this.ws.bufferedAmount + this.#out.bytes + length > this.env.sendQueueBytes) {
      // Bounded per-client queue: this client alone is dropped; nobody else waits for it.
      this.env.metrics.slowClientCloses++;
      this.#close(CLOSE.slowClient.code, CLOSE.slowClient.reason);
      return;
    }
    this.#out.add(frame);
    this.env.metrics.outboundMessages++;
    this.env.metrics.outboundBytes += frame.textLength;
  }

  /** Writes the queued frames to the socket: at once, as long as the connection is open. */
  flush(): void {
    if (this.#out.empty) return;
    this.#out.flush(this.ws.readyState === this.ws.OPEN ? this.#socket() : undefined);
  }

  pause(): void {
    this.ws.pause();
  }

  /** ws keeps its net.Socket private; writing beside it is safe (see client-frames.ts). */
  #socket(): FrameSocket | undefined {
    return (this.ws as unknown as { _socket?: FrameSocket | null })._socket ?? undefined;
  }

  resume(): void {
    this.ws.resume();
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closing' || this.state === 'closed' || this.state === 'rejected') return;
    // The server skips ws's own UTF-8 check so that it can close exactly as Zeek does.
    if (!isBinary && !isUtf8(data)) {
      this.#close(CLOSE.invalidUtf8.code, CLOSE.invalidUtf8.reason);
      return;
    }
    switch (this.state) {
      case 'handshake':
        this.#onSubscriptions(data);
        return;
      case 'subscribing':
        if (this.#pending.length >= this.env.maxPendingMessages) {
          this.#close(CLOSE.tooManyPending.code, CLOSE.tooManyPending.reason);
          return;
        }
        this.#pending.push(data);
        return;
      case 'active':
        this.#process(data);
        return;
      case 'dead':
        // Zeek queues these forever and never processes them; nothing observable, so drop.
        return;
      default: {
        const never: never = this.state;
        return never;
      }
    }
  }

  #onSubscriptions(data: Buffer): void {
    const parsed = parseSubscriptions(data.toString('utf8'));
    if (!parsed.ok) {
      this.state = 'dead';
      this.#sendError(parsed.errorFrame, 'subscriptions');
      return;
    }
    this.#prefixes = [...new Set(parsed.prefixes)];
    const forbidden = this.#prefixes.find((p) => !maySubscribe(this.info.principal, p));
    if (forbidden !== undefined) {
      this.state = 'dead';
      this.#sendError(
        formatError(ERROR_CODES.forbiddenTopic, `subscription to '${forbidden}' is not allowed`),
        'forbidden_topic',
      );
      this.#close(CLOSE.forbiddenSubscription.code, CLOSE.forbiddenSubscription.reason);
      return;
    }
    this.state = 'subscribing';
    this.env.router.join(this, this.#prefixes).then(
      () => this.#onJoined(),
      (err: unknown) => {
        if (this.state !== 'subscribing') return;
        this.env.log.warn({ err, client: this.id }, 'Could not subscribe a WebSocket client');
        this.#close(CLOSE.subscribeFailed.code, CLOSE.subscribeFailed.reason);
      },
    );
  }

  #onJoined(): void {
    if (this.state !== 'subscribing') return;
    this.env.onAdded(this, this.#prefixes);
    this.ws.send(formatAck(this.id, this.env.zeekVersion));
    this.state = 'active';
    const pending = this.#pending;
    this.#pending = [];
    for (const data of pending) {
      if (this.state !== 'active') break;
      this.#process(data);
    }
  }

  #process(data: Buffer): void {
    // Latency sampled 1 in 16, as on the outbound path.
    const start = (this.env.metrics.inboundSampled++ & 15) === 0 ? process.hrtime.bigint() : undefined;
    const r = this.env.codec.decodeClient(data);
    if (!r.ok) {
      this.#sendError(r.errorFrame, r.reason);
      return;
    }
    if (!mayPublish(this.info.principal, r.topic)) {
      this.#sendError(
        formatError(ERROR_CODES.forbiddenTopic, `publishing to '${r.topic}' is not allowed`),
        'forbidden_topic',
      );
      return;
    }
    this.env.router.publish(this, r.topic, r.payload);
    this.env.metrics.inboundMessages++;
    this.env.metrics.inboundBytes += data.length;
    if (start !== undefined) this.env.metrics.latency('inbound', start);
  }

  #sendError(frame: string, kind: string): void {
    GatewayMetrics.bump(this.env.metrics.errors, kind);
    // After the cluster frames delivered before it, as if each had been sent at once.
    this.flush();
    this.ws.send(frame);
  }

  #startHeartbeat(): void {
    const seconds = this.env.pingIntervalSeconds;
    if (seconds <= 0) return;
    this.#ping(seconds);
    this.#heartbeat = setInterval(() => {
      if (!this.#pongSeen) this.#close(CLOSE.pingTimeout.code, CLOSE.pingTimeout.reason);
      else this.#ping(seconds);
    }, seconds * 1000);
  }

  #ping(seconds: number): void {
    this.#pongSeen = false;
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping(pingPayload(seconds, this.#pings++));
  }

  /** Sends a close frame once; ws terminates the socket if the peer does not answer in time. */
  #close(code: number, reason: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (this.state !== 'rejected') this.state = 'closing';
    this.#closeSent ??= { code, reason };
    this.#stopHeartbeat();
    // Frames delivered before the close go before its close frame (none may follow it).
    this.flush();
    this.ws.close(code, reason);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #onClose(code: number, reasonBytes: Buffer): void {
    if (this.state === 'closed') return;
    const wasRejected = this.state === 'rejected';
    this.state = 'closed';
    this.#stopHeartbeat();
    this.#pending = [];
    this.#out.flush(undefined);
    this.env.router.remove(this);
    if (!wasRejected && !this.#terminating) {
      let c = this.#closeSent?.code ?? code;
      let reason = this.#closeSent?.reason ?? reasonBytes.toString('utf8');
      if (c === NO_STATUS_CODE.code) reason = NO_STATUS_CODE.reason;
      else if (c === ABNORMAL_CLOSURE.code && reason === '') reason = ABNORMAL_CLOSURE.reason;
      if (c === 0) c = ABNORMAL_CLOSURE.code;
      this.env.onLost(this, c, reason);
    }
    this.env.onClosed(this);
  }
}
