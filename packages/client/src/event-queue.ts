/**
 * A single-consumer async queue: producers `push`, one `for await` loop consumes. `end()` lets the
 * consumer drain what is buffered and then finish; `fail(err)` makes the next read throw after the
 * buffer is drained. `onPressure` reports crossing the high/low water marks so the producer can
 * pause its socket instead of buffering without bound (no item is ever dropped here).
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  #head = 0;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #done = false;
  #error: unknown;
  #high = false;

  constructor(
    private readonly highWaterMark: number,
    private readonly onPressure: (high: boolean) => void = () => {},
    private readonly onReturn: () => void = () => {},
  ) {}

  /** Number of buffered items. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Adds an item; ignored after `end`/`fail`/`return`. */
  push(item: T): void {
    if (this.#done) return;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    if (!this.#high && this.size >= this.highWaterMark) {
      this.#high = true;
      this.onPressure(true);
    }
  }

  /** No more items will come; the consumer finishes after draining the buffer. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#settleWaiter();
  }

  /** Like `end`, but the consumer's next read after the buffer throws `err`. */
  fail(err: unknown): void {
    if (this.#done) return;
    this.#error = err;
    this.#done = true;
    this.#settleWaiter();
  }

  #settleWaiter(): void {
    const w = this.#waiter;
    if (!w) return;
    this.#waiter = undefined;
    if (this.#error !== undefined) w.reject(this.#error);
    else w.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.#items[this.#head] as T;
      this.#head++;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items.splice(0, this.#head);
        this.#head = 0;
      }
      if (this.#high && this.size <= this.highWaterMark / 4) {
        this.#high = false;
        this.onPressure(false);
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) {
      if (this.#error !== undefined) {
        const err = this.#error;
        this.#error = undefined;
        return Promise.reject(err);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Called by `break` in a `for await` loop: stops this consumer and frees the buffer. */
  return(): Promise<IteratorResult<T>> {
    this.#done = true;
    this.#items.length = 0;
    this.#head = 0;
    if (this.#high) {
      this.#high = false;
      this.onPressure(false);
    }
    this.#settleWaiter();
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
