/**
 * A de-duplicating, rate-limited work queue of keys (`namespace/name`), shaped like client-go's:
 * a key waits at most once; a key being processed is never handed out twice, and if it is added
 * meanwhile it is queued again when {@link done} is called ("dirty" re-add); failures back off
 * per key exponentially (5 ms doubling up to `maxDelayMs`) until {@link forget}.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(private readonly opts: { baseDelayMs?: number; maxDelayMs?: number } = {}) {}

  /** Keys waiting (not counting ones in flight or delayed). */
  get length(): number {
    return this.queue.length;
  }

  /** Queues `key` unless it is already waiting; a key in flight is marked to run again. */
  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.queued.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Adds `key` after `ms` (a later call for the same key replaces an earlier pending one only if sooner). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  /** Re-queues a failed key with per-key exponential backoff. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min((this.opts.baseDelayMs ?? 5) * 2 ** n, this.opts.maxDelayMs ?? 60_000);
    this.addAfter(key, delay);
  }

  /** Clears a key's failure count (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Next key to process; resolves `undefined` once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` finished; re-queues it if it was added while in flight. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
    this.checkIdle();
  }

  private get isIdle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0 && this.timers.size === 0;
  }

  private checkIdle(): void {
    if (this.isIdle) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves once nothing waits, runs or is scheduled (delayed re-adds included). */
  drained(): Promise<void> {
    if (this.isIdle || this.shuttingDown) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops handing out keys; pending `get()` calls resolve `undefined`. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
