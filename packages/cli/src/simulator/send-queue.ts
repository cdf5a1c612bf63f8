/**
 * Serialises sends on one zeromq.js socket (it allows only one send in progress) while letting
 * callers enqueue without awaiting. Sends are in enqueue order. A failed send is counted and the
 * queue goes on (a simulated node, like Zeek, keeps running after a send error).
 */
export interface Sendable {
  send(frames: Uint8Array[] | Uint8Array): Promise<void>;
}

export class SendQueue {
  readonly #items: Array<Uint8Array[] | Uint8Array> = [];
  #running = false;
  #idle: Array<() => void> = [];
  /** Messages that failed to send (e.g. socket closed). */
  failed = 0;
  /** Messages handed to the socket. */
  sent = 0;

  constructor(private readonly socket: Sendable) {}

  /** Messages waiting to be sent. */
  get length(): number {
    return this.#items.length;
  }

  push(frames: Uint8Array[] | Uint8Array): void {
    this.#items.push(frames);
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#items.length > 0) {
      const batch = this.#items.splice(0, this.#items.length);
      for (const frames of batch) {
        try {
          await this.socket.send(frames);
          this.sent++;
        } catch (err) {
          if (!(err instanceof Error)) throw err;
          this.failed++;
        }
      }
    }
    this.#running = false;
    const idle = this.#idle;
    this.#idle = [];
    for (const f of idle) f();
  }

  /** Resolves when everything queued so far has been sent (or failed). */
  drained(): Promise<void> {
    if (!this.#running && this.#items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
