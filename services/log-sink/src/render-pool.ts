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

/** Starts `threads` workers. `deliver` runs on the main thread, in submission order. */
export function createRenderPool(
  threads: number,
  settings: RenderSettings,
  budget: WriteBudget,
  deliver: (r: DeliveredResult) => void,
  onWorkerError: (err: unknown) => void,
): RenderPool {
  const url = new URL('./render-worker.js', import.meta.url);
  const headers = new Map<string, LogBatchHeader>();
  const waiting = new Map<number, DeliveredResult>();
  const sizes = new Map<number, number>();
  let nextSeq = 0;
  let nextDeliver = 0;
  let rr = 0;
  let idleWaiters: Array<() => void> = [];

  const flushInOrder = () => {
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
  };

  const owner = new Map<number, number>();
  let closing = false;
  /** One header object per schema on this side, so writers can compare by identity. */
  const canonical = (key: string, header: LogBatchHeader): LogBatchHeader => {
    let h = headers.get(key);
    if (h === undefined) {
      if (headers.size > 4096) headers.clear();
      h = header;
      headers.set(key, h);
    }
    return h;
  };
  const started: Promise<void>[] = [];
  const spawn = (index: number): Worker => {
    const w = new Worker(url, { workerData: settings });
    const ring = new PayloadRing(RING_BYTES);
    rings[index] = ring;
    let loaded: () => void = () => {};
    started.push(new Promise<void>((r) => (loaded = r)));
    // This worker's header ids → header and the index of the result that last carried it. Kept
    // for 2 × HEADER_RESEND results: the worker re-sends a header at least every HEADER_RESEND.
    const known = new Map<number, { header: LogBatchHeader; at: number }>();
    let received = 0;
    w.on('message', (r: RenderResult | 'ready') => {
      if (r === 'ready') {
        // Referenced until loaded, so awaiting ready() keeps the process alive.
        w.unref();
        loaded();
        return;
      }
      const n = received++;
      ring.release();
      owner.delete(r.seq);
      if (!r.ok) waiting.set(r.seq, r);
      else if (r.header !== undefined && r.key !== undefined) {
        const header = canonical(r.key, r.header);
        known.delete(r.hid);
        known.set(r.hid, { header, at: n });
        for (const [id, e] of known) {
          if (n - e.at < 2 * HEADER_RESEND) break;
          known.delete(id);
        }
        waiting.set(r.seq, { ...r, header });
      } else {
        const e = known.get(r.hid);
        waiting.set(
          r.seq,
          e !== undefined
            ? { ...r, header: e.header }
            : { seq: r.seq, ok: false, code: 'ZR_SINK_RENDER_FAILED', message: `unknown header id ${r.hid}` },
        );
      }
      flushInOrder();
    });
    w.on('error', (err) => {
      loaded();
      onWorkerError(err);
      // Its jobs are lost (counted as failures, so later batches are not held back); replace it.
      for (const [seq, i] of owner) {
        if (i !== index) continue;
        owner.delete(seq);
        waiting.set(seq, { seq, ok: false, code: 'ZR_SINK_RENDER_FAILED', message: String(err) });
      }
      if (!closing) workers[index] = spawn(index);
      flushInOrder();
    });
    return w;
  };
  const workers: Worker[] = [];
  const rings: PayloadRing[] = [];
  for (let i = 0; i < threads; i++) workers.push(spawn(i));

  return {
    submit(payload: Uint8Array) {
      const seq = nextSeq++;
      sizes.set(seq, payload.byteLength);
      budget.add(payload.byteLength);
      const index = rr++ % workers.length;
      owner.set(seq, index);
      const w = workers[index] as Worker;
      // One memcpy into shared memory, no allocation. If the ring is full: zeromq.js frames are
      // external (non-detachable) buffers, so postMessage copies the bytes into the worker.
      w.postMessage({ seq, payload: (rings[index] as PayloadRing).copyIn(payload) ?? payload });
    },
    async ready() {
      await Promise.all(started);
    },
    idle() {
      if (nextDeliver === nextSeq) return Promise.resolve();
      return new Promise((r) => idleWaiters.push(r));
    },
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
