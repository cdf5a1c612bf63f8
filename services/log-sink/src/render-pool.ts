/**
 * A pool of render workers (worker_threads). Jobs are handed out round-robin and their results
 * delivered strictly in submission order (a reorder buffer), so files see batches in arrival
 * order exactly as with in-thread rendering. Payload bytes in flight count in the write budget,
 * so a slow pool stops intake like a slow disk does. Memory crosses threads by transfer only
 * (buffer-pool.ts): a payload is copied once into a pooled buffer (zeromq.js frames are external
 * memory, which cannot be transferred), travels to the worker and back; rendered text travels
 * here, and its buffer goes back to a worker once written (`recycle`).
 */
import { Worker } from 'node:worker_threads';
import type { LogBatchHeader, SpecialisedStats } from '@zeek-relay/wire';
import type { WriteBudget } from './backpressure.js';
import { BufferPool, sizeClass } from './buffer-pool.js';
import { HEADER_RESEND, type RenderJob, type RenderResult, type RenderSettings } from './render-protocol.js';

/** A result as delivered: the header resolved (one object per schema, shared by all workers). */
export type DeliveredResult =
  | (Extract<RenderResult, { ok: true }> & { readonly header: LogBatchHeader })
  | Extract<RenderResult, { ok: false }>;

/** The pool; `submit` never throws, results arrive through `deliver` in order. */
export interface RenderPool {
  /**
   * `payload` is kept as it is until a worker takes it; one in a buffer from {@link lend} is
   * transferred as it is, any other copied once into a pooled buffer then.
   */
  submit(payload: Uint8Array): void;
  /**
   * A buffer of `size` bytes (in a buffer of its size class) for a payload the intake assembles
   * from its reads (`intake=zmtp`): submitted, it travels to a worker without another copy.
   */
  lend(size: number): Buffer;
  /** Resolves once every worker has loaded (or failed and been replaced); jobs may be submitted before. */
  ready(): Promise<void>;
  /** Resolves when every submitted job was delivered. */
  idle(): Promise<void>;
  /** Rendered text delivered earlier that nobody reads any more (written): its buffer is reused. */
  recycle(bytes: Uint8Array): void;
  close(): Promise<void>;
  /** The generated-loop cache counters summed over the workers (replaced ones included). */
  loopStats(): SpecialisedStats;
}

/** Counters all zero. */
function noLoops(): SpecialisedStats {
  return { compiled: 0, hits: 0, evicted: 0, failed: 0 };
}

/** Adds `b`'s counters to `a`. */
export function addLoops(a: SpecialisedStats, b: SpecialisedStats): SpecialisedStats {
  a.compiled += b.compiled;
  a.hits += b.hits;
  a.evicted += b.evicted;
  a.failed += b.failed;
  return a;
}

/** Free buffers kept per size class on the main thread. */
const POOLED_PER_SIZE = 16;
/** Buffer sizes a worker may ask for and not yet have received (bounds `wants`). */
const MAX_WANTS = 8;
/**
 * Jobs a worker holds at once; later payloads wait here as they came from the socket (uncopied),
 * so the pooled buffers in use stay few instead of one per batch of the whole write budget.
 */
const MAX_IN_FLIGHT = 4;

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

/** The pool's state shared by its workers' handlers. */
interface PoolState {
  readonly url: URL;
  readonly settings: RenderSettings;
  readonly order: ReturnType<typeof inOrder>;
  readonly canonical: ReturnType<typeof headerRegistry>;
  /** Job seq → index of the worker rendering it. */
  readonly owner: Map<number, number>;
  readonly buffers: BufferPool;
  /** Buffers handed out by `lend` and not yet submitted. */
  readonly lent: WeakSet<ArrayBuffer>;
  /** Per worker: size classes of buffers it took for its text and has not got back yet. */
  readonly wants: number[][];
  readonly started: Promise<void>[];
  /** Per worker: jobs sent and not answered. */
  readonly inFlight: number[];
  /** Per worker: its loop cache counters last reported; `retired`: those of replaced workers. */
  readonly loops: SpecialisedStats[];
  readonly retired: SpecialisedStats;
  /** Sends waiting payloads to workers with room. */
  readonly pump: () => void;
  readonly onWorkerError: (err: unknown) => void;
  /** Replaces a failed worker (unless closing). */
  readonly respawn: (index: number) => void;
}

/** Starts worker `index` and handles its messages and failure. */
function spawnWorker(state: PoolState, index: number): Worker {
  const { order, owner, buffers } = state;
  const w = new Worker(state.url, { workerData: state.settings });
  state.wants[index] = [];
  state.inFlight[index] = 0;
  state.loops[index] = noLoops();
  let loaded: () => void = () => {};
  state.started.push(new Promise<void>((r) => (loaded = r)));
  const resolve = workerHeaders(state.canonical);
  w.on('message', (r: RenderResult | 'ready') => {
    if (r === 'ready') {
      // Referenced until loaded, so awaiting ready() keeps the process alive.
      w.unref();
      loaded();
      return;
    }
    if (r.payload) buffers.give(r.payload);
    if (r.loops) state.loops[index] = r.loops;
    const wants = state.wants[index] as number[];
    for (const size of r.wants ?? []) if (wants.length < MAX_WANTS) wants.push(size);
    owner.delete(r.seq);
    state.inFlight[index] = (state.inFlight[index] as number) - 1;
    order.put(r.seq, resolve(r));
    order.flush();
    state.pump();
  });
  w.on('error', (err) => {
    loaded();
    state.onWorkerError(err);
    addLoops(state.retired, state.loops[index] as SpecialisedStats);
    state.loops[index] = noLoops();
    // Its jobs are lost (counted as failures, so later batches are not held back); replace it.
    for (const [seq, i] of owner) {
      if (i !== index) continue;
      owner.delete(seq);
      order.put(seq, { seq, ok: false, code: 'ZR_SINK_RENDER_FAILED', message: String(err) });
    }
    state.respawn(index);
    order.flush();
    state.pump();
  });
  return w;
}

/** Free buffers of the sizes worker `index` asked for (as many as there are now). */
function sparesFor(state: PoolState, index: number): ArrayBuffer[] {
  const wants = state.wants[index] as number[];
  const spares: ArrayBuffer[] = [];
  for (let i = 0; i < wants.length; ) {
    const ab = state.buffers.takeFree(wants[i] as number);
    if (ab === undefined) i++;
    else {
      spares.push(ab);
      wants.splice(i, 1);
    }
  }
  return spares;
}

/**
 * The payload in a pooled buffer: itself when it lies in a lent one (at its start, or after the
 * flags octet of a CURVE box opened there), else a copy.
 */
function transferable(state: PoolState, payload: Uint8Array): Uint8Array {
  if (state.lent.delete(payload.buffer as ArrayBuffer))
    return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  const copy = new Uint8Array(state.buffers.take(payload.byteLength), 0, payload.byteLength);
  copy.set(payload);
  return copy;
}

/** Starts `threads` workers. `deliver` runs on the main thread, in submission order. */
export function createRenderPool(
  threads: number,
  settings: RenderSettings,
  budget: WriteBudget,
  deliver: (r: DeliveredResult) => void,
  onWorkerError: (err: unknown) => void,
): RenderPool {
  const workers: Worker[] = [];
  const waiting: Array<{ seq: number; payload: Uint8Array }> = [];
  let rr = 0;
  let closing = false;
  /** Copies the payload into a pooled buffer and sends it to worker `index`. */
  const send = (job: { seq: number; payload: Uint8Array }, index: number) => {
    const { seq, payload } = job;
    state.owner.set(seq, index);
    state.inFlight[index] = (state.inFlight[index] as number) + 1;
    const copy = transferable(state, payload);
    const spares = sparesFor(state, index);
    const message: RenderJob = { seq, payload: copy, spares };
    (workers[index] as Worker).postMessage(message, [copy.buffer as ArrayBuffer, ...spares]);
  };
  const state: PoolState = {
    url: new URL('./render-worker.js', import.meta.url),
    settings,
    order: inOrder(budget, deliver),
    canonical: headerRegistry(),
    owner: new Map(),
    buffers: new BufferPool(POOLED_PER_SIZE),
    lent: new WeakSet(),
    wants: [],
    started: [],
    inFlight: [],
    loops: [],
    retired: noLoops(),
    pump: () => {
      for (let tried = 0; waiting.length > 0 && tried < workers.length; ) {
        const index = rr % workers.length;
        if ((state.inFlight[index] as number) < MAX_IN_FLIGHT) {
          send(waiting.shift() as { seq: number; payload: Uint8Array }, index);
          tried = 0;
        } else tried++;
        rr++;
      }
    },
    onWorkerError,
    respawn: (index) => {
      if (!closing) workers[index] = spawnWorker(state, index);
    },
  };
  for (let i = 0; i < threads; i++) workers.push(spawnWorker(state, i));

  return {
    submit(payload: Uint8Array) {
      waiting.push({ seq: state.order.take(payload.byteLength), payload });
      state.pump();
    },
    lend(size: number) {
      // A free pooled buffer, else a new one of the size class left uninitialised (a pooled
      // `new ArrayBuffer` would be zero-filled first, for bytes about to be overwritten); either
      // way it is transferred as it is, and kept when it comes back (up to the pool's limit).
      const n = sizeClass(size);
      const ab = state.buffers.takeFree(n) ?? (Buffer.allocUnsafeSlow(n).buffer as ArrayBuffer);
      state.lent.add(ab);
      return Buffer.from(ab, 0, size);
    },
    recycle(bytes: Uint8Array) {
      if (bytes.buffer instanceof ArrayBuffer) state.buffers.give(bytes.buffer);
    },
    async ready() {
      await Promise.all(state.started);
    },
    idle: () => state.order.idle(),
    loopStats: () => state.loops.reduce(addLoops, addLoops(noLoops(), state.retired)),
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
