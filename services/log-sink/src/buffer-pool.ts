/**
 * Free ArrayBuffers for the traffic between the sink and its render workers (render-pool.ts):
 * payload copies going to a worker and rendered text coming back are transferred, never copied
 * by postMessage nor left to the garbage collector, and come back here once their reader is done
 * (payloads with their result, file text once written), so steady-state rendering needs no new
 * buffers.
 * Buffers are kept by size class (powers of two from 64 KiB, the sizes `LogTextBuffer` grows
 * through), at most `perSize` of each; more are dropped.
 */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();

  constructor(private readonly perSize: number) {}

  /** A buffer of at least `n` bytes: a free one of n's size class, else a new one. */
  take(n: number): ArrayBuffer {
    const size = sizeClass(n);
    return this.takeFree(size) ?? new ArrayBuffer(size);
  }

  /** A free buffer of exactly `size` bytes, if there is one. */
  takeFree(size: number): ArrayBuffer | undefined {
    return this.free.get(size)?.pop();
  }

  /** Returns a buffer nobody uses any more (ignored: detached, not a size class, or enough kept). */
  give(ab: ArrayBuffer): void {
    const size = ab.byteLength;
    if (size !== sizeClass(size)) return;
    let list = this.free.get(size);
    if (list === undefined) {
      list = [];
      this.free.set(size, list);
    }
    if (list.length < this.perSize) list.push(ab);
  }

  /** Free buffers kept (tests). */
  get size(): number {
    let n = 0;
    for (const list of this.free.values()) n += list.length;
    return n;
  }
}

/** Smallest size class: `LogTextBuffer`'s initial size. */
export const MIN_POOLED_BYTES = 64 * 1024;

/** The size class of n bytes: the smallest power of two ≥ n, at least {@link MIN_POOLED_BYTES}. */
export function sizeClass(n: number): number {
  let s = MIN_POOLED_BYTES;
  while (s < n) s *= 2;
  return s;
}
