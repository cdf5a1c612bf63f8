/**
 * A Zeek node's log path (zeromq-wire.md §6.1–6.2): one PUSH socket connected to every log
 * endpoint (Zeek's `connect_log_endpoints`), over which libzmq round-robins whole batches, each
 * sent as the 4 frames `log-write`, node id, `zeek-bin-serializer`, batch. Zeek sends with
 * DONTWAIT and loses a batch at the high-water mark (`log_sndhwm`, 1000); tests that must not lose
 * anything send blocking instead.
 */
import { encodeLogFrames } from '@zeek-relay/wire';
import { Push } from 'zeromq';

export interface LogPushOptions {
  /** Log endpoints (the sinks' PULL sockets); batches go round-robin over them, as in Zeek. */
  readonly endpoints: readonly string[];
  /** Frame 1: the sender's node id. */
  readonly nodeId: string;
  /** Zeek's `log_sndhwm` (default 1000). */
  readonly sendHighWaterMark?: number;
  /** ms a closed socket keeps sending what is queued (default 2000; Zeek: `linger_ms`). */
  readonly linger?: number;
  /** CURVE client keys (Z85), as a Zeek 8.2+ node's PUSH has them when its client keys are set. */
  readonly curve?: { readonly serverKey: string; readonly publicKey: string; readonly secretKey: string };
}

/** A connected log path; `dropped` counts batches lost at the high-water mark by {@link LogPush.sendBatch}. */
export class LogPush {
  readonly push: Push;
  readonly #id: Uint8Array;
  /** Sends in order, one at a time (a zeromq.js socket takes one send at a time). */
  #chain: Promise<unknown> = Promise.resolve();
  /** Batches sent (accepted by libzmq), lost at the high-water mark, and still queued here. */
  sent = 0;
  dropped = 0;
  pending = 0;

  constructor(readonly options: LogPushOptions) {
    const c = options.curve;
    this.push = new Push({
      sendHighWaterMark: options.sendHighWaterMark ?? 1000,
      linger: options.linger ?? 2000,
      ...(c ? { curveServerKey: c.serverKey, curvePublicKey: c.publicKey, curveSecretKey: c.secretKey } : {}),
    });
    for (const e of options.endpoints) this.push.connect(e);
    this.#id = new TextEncoder().encode(options.nodeId);
  }

  /**
   * Sends one batch as Zeek does (DONTWAIT): true when queued, false when the queue was full and
   * the batch was lost (counted in `dropped`).
   */
  sendBatch(batch: Uint8Array): Promise<boolean> {
    return this.#queue(async () => {
      this.push.sendTimeout = 0;
      try {
        await this.push.send(encodeLogFrames(this.#id, batch));
        this.sent++;
        return true;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EAGAIN') throw err;
        this.dropped++;
        return false;
      }
    });
  }

  /** Sends one batch, waiting while the queue is full (tests and benchmarks that lose nothing). */
  sendBatchBlocking(batch: Uint8Array): Promise<void> {
    return this.sendFrames(encodeLogFrames(this.#id, batch));
  }

  /** Sends any frames (bad input: wrong frame count, wrong format…), waiting while the queue is full. */
  sendFrames(frames: readonly (Uint8Array | string)[]): Promise<void> {
    return this.#queue(async () => {
      this.push.sendTimeout = -1;
      await this.push.send([...frames]);
      this.sent++;
    });
  }

  /** Resolves once every send queued so far is done (sent, dropped or failed). */
  async drained(): Promise<void> {
    await this.#chain;
  }

  #queue<T>(send: () => Promise<T>): Promise<T> {
    this.pending++;
    const done = this.#chain.then(send).finally(() => this.pending--);
    this.#chain = done.catch(() => undefined);
    return done;
  }

  /** Adds a log endpoint (e.g. after watching the socket's `events` from the first handshake). */
  connect(endpoint: string): void {
    this.push.connect(endpoint);
  }

  /** Closes the socket; what is queued is still sent for up to `linger` ms. */
  close(): void {
    this.push.close();
  }
}
