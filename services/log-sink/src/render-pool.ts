/**
 * A pool of render workers (worker_threads). Jobs are handed out round-robin and their results
 * delivered strictly in submission order (a reorder buffer), so files see batches in arrival
 * order exactly as with in-thread rendering. Payload bytes in flight count in the write budget,
 * so a slow pool stops intake like a slow disk does.
 */
import { Worker } from 'node:worker_threads';
import type { LogBatchHeader } from '@zeek-relay/wire';
import type { WriteBudget } from './backpressure.js';
import { PayloadRing } from './payload-ring.js';
import { HEADER_RESEND, type RenderResult, type RenderSettings } from './render-protocol.js';

/** A result as delivered: the header resolved (one object per schema, shared by all workers). */
export type DeliveredResult =
  | (Extract<RenderResult, { ok: true }> & { readonly header: LogBatchHeader })
  | Extract<RenderResult, { ok: false }>;

/** The pool; `submit` never throws, results arrive through `deliver` in order. */
export interface RenderPool {
  submit(payload: Uint8Array): void;
  /** Resolves once every worker has loaded (or failed and been replaced); jobs may be submitted before. */
  ready(): Promise<void>;
  /** Resolves when every submitted job was delivered. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Shared payload ring per worker (payload-ring.ts); payloads beyond it are copied by postMessage. */
const RING_BYTES = 16 * 1024 * 1024;

/** The reorder buffer: results are delivered strictly in submission order. */
function inOrder(budget: WriteBudget, deliver: (r: DeliveredResult) => void) {
  const waiting = new Map<number, DeliveredResult>();
  const sizes = new Map<number, number>();
  let nextSeq = 0;
  let nextDeliver = 0;
  let idleWaiters: Array<() => void> = [];
  return {
    /** Numbers a job; its payload bytes count in the write budget until it is delivered. */
    take(bytes: number): number {
      sizes.set(nextSeq, bytes);
      budget.add(bytes);
      return nextSeq++;
    },
    put(seq: number, r: DeliveredResult): void {
      waiting.set(seq, r);
    },
    flush(): void {
      for (let r = waiting.get(nextDeliver); r !== undefined; r = waiting.get(nextDeliver)) {
        waiting.delete(nextDeliver);
        budget.release(sizes.get(nextDeliver) ?? 0, 1);
        sizes.delete(nextDeliver);
        nextDeliver++;
        deliver(r);
      }
      if (nextDeliver === nextSeq && idleWaiters.length > 0) {
        const w = idleWaiters;
        idleWaiters = [];
        w.forEach((fn) => fn());
      }
    },
    idle(): Promise<void> {
      if (nextDeliver === nextSeq) return Promise.resolve();
      return new Promise((r) => idleWaiters.push(r));
    },
  };
}

/** One header object per schema on this side (all workers), so writers can compare by identity. */
function headerRegistry(): (key: string, header: LogBatchHeader) => LogBatchHeader {
  const headers = new Map<string, LogBatchHeader>();
  return (key, header) => {
    let h = headers.get(key);
    if (h === undefined) {
      if (headers.size > 4096) headers.clear();
      h = header;
      headers.set(key, h);
    }
    return h;
  };
}

/**
 * One worker's header ids → header, each kept for 2 × HEADER_RESEND results (the worker re-sends
 * a header at least every HEADER_RESEND). Resolves a result's header.
 */
function workerHeaders(canonical: (key: string, header: LogBatchHeader) => LogBatchHeader) {
  const known = new Map<number, { header: LogBatchHeader; at: number }>();
  let received = 0;
  return (r: RenderResult): DeliveredResult => {
    const n = received++;
    if (!r.ok) return r;
    if (r.header !== undefined && r.key !== undefined) {
      const header = canonical(r.key, r.header);
      known.delete(r.hid);
      known.set(r.hid, { header, at: n });
      for (const [id, e] of known) {
        if (n - e.at < 2 * HEADER_RESEND) break;
        known.delete(id);
      }
      return { ...r, header };
    }
    const e = known.get(r.hid);
    return e !== undefined
      ? { ...r, header: e.header }
      : { seq: r.seq, ok: false, code: 'ZR_SINK_RENDER_FAILED', message: `unknown header id ${r.hid}` };
  };
}

/** Starts `threads` workers. `deliver` runs on the main thread, in submission order. */
export function createRenderPool(
  threads: number,
  settings: RenderSettings,
  budget: WriteBudget,
  deliver: (r: DeliveredResult) => void,
  onWorkerError: (err: unknown) => void,
): RenderPool {
  const url = new URL('./render-worker.js', import.meta.url);
  const order = inOrder(budget, deliver);
  const canonical = headerRegistry();
  const owner = new Map<number, number>();
  const workers: Worker[] = [];
  const rings: PayloadRing[] = [];
  const started: Promise<void>[] = [];
  let rr = 0;
  let closing = false;
  const spawn = (index: number): Worker => {
    const w = new Worker(url, { workerData: settings });
    const ring = new PayloadRing(RING_BYTES);
    rings[index] = ring;
    let loaded: () => void = () => {};
    started.push(new Promise<void>((r) => (loaded = r)));
    const resolve = workerHeaders(canonical);
    w.on('message', (r: RenderResult | 'ready') => {
      if (r === 'ready') {
        // Referenced until loaded, so awaiting ready() keeps the process alive.
        w.unref();
        loaded();
        return;
      }
      ring.release();
      owner.delete(r.seq);
      order.put(r.seq, resolve(r));
      order.flush();
    });
    w.on('error', (err) => {
      loaded();
      onWorkerError(err);
      // Its jobs are lost (counted as failures, so later batches are not held back); replace it.
      for (const [seq, i] of owner) {
        if (i !== index) continue;
        owner.delete(seq);
        order.put(seq, { seq, ok: false, code: 'ZR_SINK_RENDER_FAILED', message: String(err) });
      }
      if (!closing) workers[index] = spawn(index);
      order.flush();
    });
    return w;
  };
  for (let i = 0; i < threads; i++) workers.push(spawn(i));

  return {
    submit(payload: Uint8Array) {
      const seq = order.take(payload.byteLength);
      const index = rr++ % workers.length;
      owner.set(seq, index);
      // One memcpy into shared memory, no allocation. If the ring is full: zeromq.js frames are
      // external (non-detachable) buffers, so postMessage copies the bytes into the worker.
      (workers[index] as Worker).postMessage({
        seq,
        payload: (rings[index] as PayloadRing).copyIn(payload) ?? payload,
      });
    },
    async ready() {
      await Promise.all(started);
    },
    idle: () => order.idle(),
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
