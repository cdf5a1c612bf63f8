import type { Logger } from 'pino';
import type { XPublisher } from 'zeromq';

/** Placeholder for sent queue slots (releases the frames without allocating). */
const SENT: readonly Buffer[] = [];

/**
 * The publish queue of `LibzmqLink`: zeromq.js allows one in-flight send per socket, so events
 * wait here, in order, and are handed to the XPUB one after the other after the current
 * event-loop turn (a burst from the clients reaches libzmq back to back). With XPUB_NODROP a full
 * pipe (EAGAIN) makes the send wait and retry instead of dropping: {@link length} grows, and the
 * caller can stop reading clients until {@link onDrain}.
 */
export class PublishQueue {
  #queue: (readonly Buffer[])[] = [];
  #head = 0;
  #pumping = false;
  #closed = false;
  #drainWaiters: (() => void)[] = [];
  /** Called when the queue has been emptied (or a send failed). */
  onDrain: () => void = () => {};

  constructor(
    private readonly xpub: XPublisher,
    private readonly log: Logger,
  ) {}

  /** Events queued and not yet handed to libzmq. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  push(frames: readonly Buffer[]): void {
    this.#queue.push(frames);
    if (this.#pumping) return;
    this.#pumping = true;
    setImmediate(this.#startPump);
  }

  /** Resolves when everything queued so far was handed to libzmq. */
  flushed(): Promise<void> {
    if (this.length === 0 && !this.#pumping) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Stops sending (call before the socket closes); a send in flight fails quietly. */
  close(): void {
    this.#closed = true;
  }

  readonly #startPump = (): void => void this.#pump();

  /**
   * Makes libzmq apply the subscriptions the hub forwarded since the last call: the XPUB is read
   * only while a probe waits, and a send processes libzmq's command queue only when ~1 ms passed
   * since it last did; querying ZMQ_EVENTS processes it at once, so a batch is filtered against
   * every subscription that arrived before it.
   */
  #applySubscriptions(): boolean {
    return this.xpub.writable;
  }

  async #pump(): Promise<void> {
    try {
      let backoff = 1;
      let sent = 0;
      if (!this.#closed) this.#applySubscriptions();
      while (this.#head < this.#queue.length && !this.#closed) {
        const msg = this.#queue[this.#head] as Buffer[];
        try {
          await this.xpub.send(msg);
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
        this.#queue[this.#head++] = SENT;
        if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        // Synchronous sends never yield on their own: let I/O (client reads, timers) run now and then.
        if ((++sent & 255) === 0) {
          await new Promise((r) => setImmediate(r));
          if (!this.#closed) this.#applySubscriptions();
        }
      }
    } catch (err) {
      if (!this.#closed) this.log.error({ err }, 'Could not publish to the hub');
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
}
