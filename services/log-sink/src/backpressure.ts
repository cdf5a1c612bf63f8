/**
 * Counts rendered bytes and batches queued for the writers, so intake can stop reading from the
 * PULL socket (and libzmq's RCVHWM then pushes back on the senders over TCP) instead of letting
 * memory grow. Writers `add` when they queue and `release` when the bytes reached the kernel.
 */
export class WriteBudget {
  private pendingBytes = 0;
  private pendingChunks = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly limitBytes: number) {}

  get bytes(): number {
    return this.pendingBytes;
  }

  get chunks(): number {
    return this.pendingChunks;
  }

  /** True when intake must stop reading. */
  get full(): boolean {
    return this.pendingBytes >= this.limitBytes;
  }

  add(bytes: number): void {
    this.pendingBytes += bytes;
    this.pendingChunks += 1;
  }

  release(bytes: number, chunks: number): void {
    this.pendingBytes -= bytes;
    this.pendingChunks -= chunks;
    if (this.waiters.length > 0 && this.pendingBytes < this.limitBytes / 2) {
      const w = this.waiters;
      this.waiters = [];
      for (const fn of w) fn();
    }
  }

  /** Resolves once the queue fell below half the limit (hysteresis), or at once if it is. */
  belowLowWater(): Promise<void> {
    if (this.pendingBytes < this.limitBytes / 2) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
