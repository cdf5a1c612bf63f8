/**
 * A shared-memory ring for batch payloads on their way to one render worker: the main thread
 * copies a payload in (one memcpy, no allocation, nothing to serialize) and posts a view; the
 * worker renders straight from it. Spans are freed in allocation order, one per result of that
 * worker (a worker answers its jobs in order and keeps no reference to a payload after
 * answering). When a payload does not fit, `alloc` returns undefined and the caller sends a
 * copy the ordinary way.
 */
export class PayloadRing {
  private readonly buf: Uint8Array;
  /** Live spans, oldest first; `undefined` marks a job that did not use the ring. */
  private readonly spans: Array<{ start: number; end: number } | undefined> = [];
  private live = 0;
  private first = 0;
  private lastStart = 0;
  private lastEnd = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(new SharedArrayBuffer(size));
  }

  /** Copies `payload` into the ring; the view is valid until the matching `release`. */
  copyIn(payload: Uint8Array): Uint8Array | undefined {
    const n = payload.byteLength;
    const size = this.buf.byteLength;
    let start: number | undefined;
    if (this.live === 0) start = n <= size ? 0 : undefined;
    else if (this.lastStart >= this.first) {
      // Not wrapped: room after the newest span, else at the beginning before the oldest.
      if (this.lastEnd + n <= size) start = this.lastEnd;
      else if (n <= this.first) start = 0;
    } else if (this.lastEnd + n <= this.first) start = this.lastEnd;
    if (start === undefined) {
      this.spans.push(undefined);
      return undefined;
    }
    const view = this.buf.subarray(start, start + n);
    view.set(payload);
    if (this.live === 0) this.first = start;
    this.spans.push({ start, end: start + n });
    this.live++;
    this.lastStart = start;
    this.lastEnd = start + n;
    return view;
  }

  /** Called once per job of this worker, in job order (also for jobs that did not use the ring). */
  release(): void {
    const s = this.spans.shift();
    if (s === undefined) return;
    this.live--;
    const next = this.spans.find((x) => x !== undefined);
    if (next !== undefined) this.first = next.start;
  }
}
