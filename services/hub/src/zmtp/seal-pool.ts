/**
 * CURVE sealing on worker threads (`curveSealThreads` > 0): the event loop reads, routes and
 * writes; the workers (seal-worker.ts) box. Each CURVE subscriber is bound to one worker for its
 * life (a lane); everything it is sent in batches is boxed there, in the order posted, and comes
 * back in that order, so its nonces (reserved by the event loop, which owns the counter) reach
 * the wire increasing. The batches posted in one turn of the event loop go to each worker as one
 * job (and while a worker is {@link MAX_JOBS} behind, those of several turns), the
 * plaintext of subscribers that get the same batch laid out once per worker.
 *
 * A worker that dies is `ZR_HUB_SEAL_WORKER_FAILED`: its subscribers are disconnected (they
 * reconnect, as from any lost connection), a new worker takes its place, the hub goes on.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { sealedLength } from '@zeek-relay/zmtp/curve';
import { HUB_ERROR_CODES, HubError } from '../errors.js';
import { sameMessages, type Messages } from './plaintext.js';
import type { SealGroupMessage, SealWorkerReply, SealWorkerRequest } from './seal-protocol.js';

/** How long a closing worker gets to wipe its keys and exit by itself before it is terminated. */
const CLOSE_WAIT_MS = 1000;

/**
 * Jobs a worker may have in flight. More keep it busy while the event loop is too busy to post
 * the next one at once; beyond it the batches of several turns go as one job (less per-job cost).
 */
const MAX_JOBS = 4;

/** A subscriber's side of the pool. */
export interface SealLane {
  /**
   * Boxes `messages` (`frames` frames in all) from nonce `first` on; `done` gets the sealed bytes,
   * calls answered in the order made. Returns the sealed length.
   */
  seal(messages: Messages, first: number, done: (out: Buffer) => void): number;
  /** The subscriber went away: its keys are wiped in the worker, nothing more is answered. */
  drop(): void;
}

interface Group {
  readonly messages: Messages;
  readonly sealedLength: number;
  readonly sids: number[];
  readonly firsts: number[];
  readonly dones: ((out: Buffer) => void)[];
}

interface Lane extends SealLane {
  readonly sid: number;
  live: boolean;
  readonly failed: () => void;
}

/** One worker, its lanes, the job being built this turn and the jobs it has not answered. */
class SealThread {
  readonly worker: Worker;
  readonly lanes = new Set<Lane>();
  building: Group[] | undefined;
  readonly pending: Group[][] = [];
  dead = false;

  constructor(worker: Worker) {
    this.worker = worker;
  }

  post(m: SealWorkerRequest, transfer?: ArrayBuffer[]): void {
    if (!this.dead) this.worker.postMessage(m, transfer);
  }
}

export class SealPool {
  readonly #threads: SealThread[] = [];
  readonly #onFailure: (err: HubError) => void;
  #nextSid = 1;
  #closing = false;
  #idle: (() => void)[] = [];
  #behind = false;
  #onBehind: (behind: boolean) => void = () => undefined;

  constructor(threads: number, onFailure: (err: HubError) => void) {
    this.#onFailure = onFailure;
    for (let i = 0; i < threads; i++) this.#threads.push(this.#spawn(i));
  }

  #spawn(slot: number): SealThread {
    const t = new SealThread(new Worker(new URL('./seal-worker.js', import.meta.url)));
    t.worker.on('message', (m: SealWorkerReply) => {
      if (m.t === 'sealed') this.#answered(t, m.out);
    });
    t.worker.on('error', (err) => this.#died(t, slot, err));
    // A reply that cannot be deserialised would leave its job unanswered (and, at MAX_JOBS, the
    // publishers unread): the worker is given up as if it had died.
    t.worker.on('messageerror', (err) => {
      this.#died(t, slot, err);
      void t.worker.terminate();
    });
    t.worker.on('exit', (code) => this.#died(t, slot, new Error(`exited with code ${code}`)));
    return t;
  }

  /**
   * `fn(true)` when a worker has {@link MAX_JOBS} jobs in flight, `fn(false)` once none has: the
   * core stops reading the publishers meanwhile, so the hub reads no faster than it seals (as
   * sealing on the event loop paces it) instead of reading, opening and then dropping for queues
   * that fill while their batches wait for a worker.
   */
  watchBacklog(fn: (behind: boolean) => void): void {
    this.#onBehind = fn;
  }

  #checkBehind(): void {
    const behind = this.#threads.some((t) => !t.dead && t.pending.length >= MAX_JOBS);
    if (behind === this.#behind) return;
    this.#behind = behind;
    this.#onBehind(behind);
  }

  /** Binds a subscriber (its transmit state, wiped here once posted) to the least busy worker. */
  attach(state: Buffer, failed: () => void): SealLane {
    const t = this.#threads.reduce((a, b) => (b.lanes.size < a.lanes.size ? b : a));
    const sid = this.#nextSid++;
    const copy = new Uint8Array(state);
    state.fill(0);
    t.post({ t: 'add', sid, state: copy }, [copy.buffer]);
    const lane: Lane = {
      sid,
      live: true,
      failed,
      seal: (messages, first, done) => this.#seal(t, lane, messages, first, done),
      drop: () => {
        if (!lane.live) return;
        lane.live = false;
        t.lanes.delete(lane);
        t.post({ t: 'drop', sid });
      },
    };
    t.lanes.add(lane);
    return lane;
  }

  #seal(t: SealThread, lane: Lane, messages: Messages, first: number, done: (out: Buffer) => void): number {
    if (t.building === undefined) {
      t.building = [];
      // At most MAX_JOBS in flight per worker: what comes meanwhile goes with the next one.
      if (t.pending.length < MAX_JOBS) queueMicrotask(() => this.#send(t));
    }
    const groups = t.building;
    let g = groups[groups.length - 1];
    if (g === undefined || !sameMessages(g.messages, messages)) {
      let size = 0;
      for (let i = 0; i < messages.length; i++) size += sealedLength(messages[i]!);
      g = { messages, sealedLength: size, sids: [], firsts: [], dones: [] };
      groups.push(g);
    }
    g.sids.push(lane.sid);
    g.firsts.push(first);
    g.dones.push((out) => {
      if (lane.live) done(out);
    });
    return g.sealedLength;
  }

  /** Posts the job built this turn: each group's plaintext laid out once, transferred. */
  #send(t: SealThread): void {
    const groups = t.building;
    t.building = undefined;
    if (t.dead || groups === undefined) return;
    const wire = groups.map(groupMessage);
    const transfer: ArrayBufferLike[] = [];
    for (const w of wire) transfer.push(w.plain.buffer, w.frames.buffer, w.parts.buffer, w.subs.buffer);
    t.pending.push(groups);
    t.post({ t: 'seal', groups: wire }, transfer as ArrayBuffer[]);
    this.#checkBehind();
  }

  /** A job's sealed bytes: each subscriber's part, in the order posted. */
  #answered(t: SealThread, out: Uint8Array): void {
    const groups = t.pending.shift();
    if (groups === undefined) return;
    const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    let off = 0;
    for (const g of groups) {
      for (const done of g.dones) {
        done(buf.subarray(off, off + g.sealedLength));
        off += g.sealedLength;
      }
    }
    // The batches that came while the worker was MAX_JOBS behind.
    if (t.building !== undefined && t.pending.length < MAX_JOBS) this.#send(t);
    this.#checkBehind();
    this.#checkIdle();
  }

  #died(t: SealThread, slot: number, cause: unknown): void {
    if (t.dead) return;
    t.dead = true;
    t.pending.length = 0;
    t.building = undefined;
    if (this.#closing) return this.#checkIdle();
    const lanes = [...t.lanes];
    t.lanes.clear();
    this.#onFailure(
      new HubError(
        HUB_ERROR_CODES.SEAL_WORKER_FAILED,
        `a CURVE seal worker died (${(cause as Error).message}); its ${lanes.length} subscribers are disconnected`,
        { cause },
      ),
    );
    this.#threads[slot] = this.#spawn(slot);
    for (const l of lanes) {
      l.live = false;
      l.failed();
    }
    this.#checkBehind();
    this.#checkIdle();
  }

  /** Resolves once no job is being built or waiting for its answer (shutdown's flush). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      this.#checkIdle();
    });
  }

  #checkIdle(): void {
    if (this.#idle.length === 0) return;
    if (this.#threads.some((t) => !t.dead && (t.pending.length > 0 || t.building !== undefined))) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const r of waiting) r();
  }

  /**
   * Ends every worker; resolves when they have exited. A worker wipes its keys and plaintext on
   * `close` and then exits by itself (its port closed); one that has not within
   * {@link CLOSE_WAIT_MS} is terminated (its memory then goes with the thread, unwiped).
   */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.#threads.map(async (t) => {
        if (t.dead) return;
        const exited = once(t.worker, 'exit');
        t.post({ t: 'close' });
        const timer = setTimeout(() => void t.worker.terminate(), CLOSE_WAIT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Tests only: makes the worker of `lane` die as a crash would. */
  crashForTest(lane: SealLane): void {
    for (const t of this.#threads) if (t.lanes.has(lane as Lane)) t.post({ t: 'crash' });
  }
}

/** A group as posted: its frames' bytes one after another, their lengths, the subscribers. */
function groupMessage(g: Group): SealGroupMessage {
  let bytes = 0;
  let count = 0;
  for (const m of g.messages) {
    count += m.length;
    for (const f of m) bytes += f.length;
  }
  const plain = new Uint8Array(bytes);
  const frames = new Uint32Array(count);
  const parts = new Uint32Array(g.messages.length);
  let p = 0;
  let k = 0;
  for (let i = 0; i < g.messages.length; i++) {
    const m = g.messages[i]!;
    parts[i] = m.length;
    for (const f of m) {
      plain.set(f, p);
      p += f.length;
      frames[k++] = f.length;
    }
  }
  const subs = new Float64Array(g.sids.length * 2);
  for (let i = 0; i < g.sids.length; i++) {
    subs[2 * i] = g.sids[i]!;
    subs[2 * i + 1] = g.firsts[i]!;
  }
  return { plain, frames, parts, sealedLength: g.sealedLength, subs };
}
