import type WebSocket from 'ws';

/**
 * Outgoing messages of a client: written straight to the socket while connected, kept (at most
 * `maxPending`, oldest dropped first) while not, and written in order after the next ack.
 * Tracks writes in flight so `flushed()` can wait for them.
 */
export class Outbox {
  readonly #pending: Uint8Array[] = [];
  #ws: WebSocket | undefined;
  #inFlight = 0;
  #waiters: Array<() => void> = [];
  /** Messages written to a socket. */
  written = 0;
  /** Messages dropped because more than `maxPending` waited. */
  dropped = 0;

  constructor(private readonly maxPending: number) {}

  /** A connection was acknowledged: write the backlog, then send directly. */
  attach(ws: WebSocket): void {
    this.#ws = ws;
    for (const m of this.#pending.splice(0)) this.#write(ws, m);
  }

  /** The connection is gone: keep messages until the next `attach`; pending flush waits end. */
  detach(): void {
    this.#ws = undefined;
    this.#settle();
  }

  /** Sends one text frame now, or keeps it for the next connection. */
  send(message: Uint8Array): void {
    if (this.#ws !== undefined) {
      this.#write(this.#ws, message);
      return;
    }
    this.#pending.push(message);
    while (this.#pending.length > this.maxPending) {
      this.#pending.shift();
      this.dropped++;
    }
  }

  #write(ws: WebSocket, message: Uint8Array): void {
    this.#inFlight++;
    this.written++;
    ws.send(message, { binary: false }, () => {
      this.#inFlight--;
      if (this.#inFlight === 0) this.#settle();
    });
  }

  #settle(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when every write so far completed (or the connection was lost). */
  flushed(): Promise<void> {
    if (this.#inFlight === 0 || this.#ws === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
