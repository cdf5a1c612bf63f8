import { WebSocket, type ClientOptions } from 'ws';

/** One thing a test client observed, in arrival order. */
export type Observed =
  | { readonly kind: 'message'; readonly text: string; readonly data: Buffer; readonly binary: boolean }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string };

/**
 * A WebSocket client that records everything it receives, so a test can consume the stream in
 * order (`next()`), and can check at the end that nothing unexpected arrived.
 */
export class RecordingClient {
  readonly ws: WebSocket;
  readonly pings: string[] = [];
  readonly #queue: Observed[] = [];
  #waiter: ((o: Observed) => void) | undefined;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  unexpectedResponse: number | undefined;

  constructor(url: string, options: ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => {
        this.unexpectedResponse = res.statusCode;
        reject(new Error(`HTTP ${res.statusCode}`));
      });
    });
    this.ws.on('error', () => undefined);
    this.ws.on('ping', (data) => this.pings.push(data.toString('utf8')));
    this.ws.on('message', (data, binary) => {
      const buf = data as Buffer;
      this.#push({ kind: 'message', text: buf.toString('utf8'), data: buf, binary });
    });
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => {
        const r = { code, reason: reason.toString('utf8') };
        this.#push({ kind: 'close', ...r });
        resolve(r);
      }),
    );
  }

  #push(o: Observed): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w(o);
    } else this.#queue.push(o);
  }

  /** The next observation (message or close), waiting up to `timeoutMs`. */
  next(timeoutMs = 120_000): Promise<Observed> {
    const o = this.#queue.shift();
    if (o) return Promise.resolve(o);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error('timed out waiting for a server frame'));
      }, timeoutMs);
      this.#waiter = (x) => {
        clearTimeout(timer);
        resolve(x);
      };
    });
  }

  /** The next data message parsed as JSON; fails on a close. */
  async nextJson(timeoutMs?: number): Promise<unknown> {
    const o = await this.next(timeoutMs);
    if (o.kind !== 'message') throw new Error(`expected a message, got close ${o.code} ${o.reason}`);
    return JSON.parse(o.text) as unknown;
  }

  /** Observations received but not consumed yet. */
  get leftovers(): readonly Observed[] {
    return this.#queue;
  }

  send(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Closes (if open) and waits for the close handshake. */
  async close(code = 1000, reason = ''): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    await this.closed;
  }
}
