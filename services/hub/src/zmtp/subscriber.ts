/**
 * One subscriber of the hub's own forwarding core (a node's XSUB connected to the hub XPUB side):
 * its subscriptions, and its bounded send queue. Messages matched for it during one read of a
 * publisher are collected as spans of that read's buffer (adjacent messages merge into one span,
 * so one read usually becomes one write per subscriber) and written at the end of the read.
 *
 * The queue bound is `sendHighWaterMark` in messages, counted from the moment a message is queued
 * until Node has handed its bytes to the kernel (the write callback). A full queue either drops the
 * message for this subscriber alone and counts it (`slowSubscriber=drop`), or queues it anyway and
 * tells the core to stop reading the publishers until this queue drains (`block`, libzmq's NODROP).
 *
 * The queue is kept here, not in the socket: batches are handed to the socket only while its
 * write buffer is below its high-water mark (one pump of at most {@link PUMP_BYTES} at a time).
 * So the connection's heartbeat commands (PING, PONG), which it writes to the socket directly, go
 * ahead of the queued events, as libzmq's engine sends them ahead of its pipe.
 *
 * A CURVE subscriber has session keys of its own, and its nonces must increase in wire order: its
 * messages are queued as plaintext frames and sealed when they are handed to the socket (into a
 * slab of its own, the whole batch adjacent: one span, one write), so a PING or PONG sealed in
 * between never carries a nonce below an event that follows it on the wire.
 */
import type { Connection } from '@zeek-relay/zmtp';
import type { SharedPlaintext } from './plaintext.js';
import type { SealLane } from './seal-pool.js';

/** Bytes handed to the socket per pump, corked into one write (the rest waits for 'drain'). */
const PUMP_BYTES = 256 * 1024;

/** Size of a CURVE subscriber's slab of sealed messages (larger only for a batch that needs it). */
const SLAB = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * CURVE: where a subscriber's batches are sealed, one after another, and how many writes of it
 * have not completed. With none pending (Node has handed every byte of it to the kernel) it is
 * filled again from the start: a subscriber that keeps up seals into one slab for good, instead
 * of a new 256 KiB buffer every ≈ 800 events (external memory whose growth set off V8's major
 * collections: ≈ 9 % of the hub's CPU at 16 subscribers, perf).
 */
interface Slab {
  readonly buf: Buffer;
  used: number;
  pending: number;
}

/** One flush's spans (or, CURVE, plaintext messages sealed at hand-over) and how many messages. */
interface Batch {
  readonly spans: Buffer[];
  readonly plain?: readonly (readonly Buffer[])[];
  readonly n: number;
}

/** Seal workers: bytes owed to the socket in wire order (a batch being boxed: `buf` unset). */
interface Owed {
  buf: Buffer | undefined;
  /** Messages it holds (0: a command the connection sent meanwhile). */
  readonly n: number;
}

/** What a subscriber tells the core. */
export interface SubscriberHooks {
  /** A message for it was dropped because its queue was full. */
  dropped(sub: Subscriber): void;
  /** It became full (block mode) / drained below its bound again. */
  full(sub: Subscriber): void;
  drained(sub: Subscriber): void;
}

/** One subscriber connection's state. */
export class Subscriber {
  readonly conn: Connection;
  /** Subscribed prefixes (latin1 keys, each once) and their bytes. */
  readonly prefixes = new Map<string, Buffer>();
  /** Label of its drop counter, resolved at its first drop (core.ts). */
  label: string | undefined;
  readonly #hwm: number;
  readonly #block: boolean;
  readonly #hooks: SubscriberHooks;
  /** Messages handed to the socket whose write has not completed. */
  #inFlight = 0;
  /** Messages collected in this read. */
  #batched = 0;
  #spans: Buffer[] = [];
  /** The span being extended: its buffer, start and end offsets. */
  #spanBuf: ArrayBufferLike | undefined;
  #spanStart = 0;
  #spanEnd = 0;
  #full = false;
  /** Batches not handed to the socket yet, from `#head` on. */
  #queue: Batch[] = [];
  #head = 0;
  #waitingDrain = false;
  /** CURVE: this read's messages, and the slab they are sealed into ({@link Slab}). */
  #plain: (readonly Buffer[])[] = [];
  #slab: Slab = { buf: EMPTY, used: 0, pending: 0 };

  /** CURVE: where a batch's plaintext is laid out for sealing (shared by all subscribers). */
  readonly #plaintext: SharedPlaintext | undefined;

  /** CURVE with seal workers: its worker, and what is owed to the socket in order. */
  readonly #lane: SealLane | undefined;
  #owed: Owed[] = [];

  constructor(
    conn: Connection,
    hwm: number,
    block: boolean,
    hooks: SubscriberHooks,
    plaintext?: SharedPlaintext,
    lane?: SealLane,
  ) {
    this.conn = conn;
    this.#lane = lane;
    if (lane !== undefined) conn.curve!.routeSealed((frames, command) => this.#routed(frames, command));
    this.#plaintext = plaintext;
    this.#hwm = hwm;
    this.#block = block;
    this.#hooks = hooks;
  }

  /** Whether `topic` starts with one of its prefixes. */
  matches(topic: Buffer): boolean {
    for (const p of this.prefixes.values()) {
      if (p.length <= topic.length && topic.compare(p, 0, p.length, 0, p.length) === 0) return true;
    }
    return false;
  }

  /** Queues one message's wire bytes; returns false when it was dropped (queue full). */
  add(raw: Buffer): boolean {
    if (!this.#admit()) return false;
    this.#batched++;
    if (raw.buffer === this.#spanBuf && raw.byteOffset === this.#spanEnd) {
      this.#spanEnd += raw.length;
      return true;
    }
    this.#closeSpan();
    this.#spanBuf = raw.buffer;
    this.#spanStart = raw.byteOffset;
    this.#spanEnd = raw.byteOffset + raw.length;
    return true;
  }

  /** CURVE: queues one message's frames (kept, sealed at hand-over); false when dropped. */
  addPlain(frames: readonly Buffer[]): boolean {
    if (!this.#admit()) return false;
    this.#batched++;
    this.#plain.push(frames);
    return true;
  }

  /** Whether one more message may be queued (else dropped and counted, or `full` in block mode). */
  #admit(): boolean {
    const queued = this.#inFlight + this.#batched;
    if (this.#hwm > 0 && queued >= this.#hwm) {
      if (!this.#block) {
        this.#hooks.dropped(this);
        return false;
      }
      if (!this.#full) {
        this.#full = true;
        this.#hooks.full(this);
      }
    }
    return true;
  }

  /** Whether messages are waiting for {@link flush}. */
  get batched(): boolean {
    return this.#batched > 0;
  }

  /** Writes what this read collected, or queues it while the socket's buffer is full. */
  flush(): void {
    this.#closeSpan();
    const spans = this.#spans;
    const n = this.#batched;
    this.#spans = [];
    this.#batched = 0;
    if (n === 0) return;
    this.#inFlight += n;
    // CURVE: sealed only when handed to the socket, so nonces follow the wire order.
    const plain = this.#plain;
    this.#plain = [];
    if (this.#head === this.#queue.length && !this.conn.socket.writableNeedDrain) {
      if (plain.length > 0) this.#writeSealed(plain, n);
      else this.#write(spans, n);
      return;
    }
    this.#queue.push(plain.length > 0 ? { spans, plain, n } : { spans, n });
    this.#pump(false);
  }

  /** Hands every queued batch to the socket, whatever its buffer holds (shutdown, with linger). */
  flushAll(): void {
    this.#pump(true);
  }

  /** One batch to the socket: its spans corked into one write, `n` messages done when written. */
  #write(spans: Buffer[], n: number): void {
    const socket = this.conn.socket;
    const done = () => this.#written(n);
    if (spans.length === 1) {
      socket.write(spans[0]!, done);
      return;
    }
    socket.cork();
    for (let i = 0; i < spans.length - 1; i++) socket.write(spans[i]!);
    socket.write(spans[spans.length - 1]!, done);
    socket.uncork();
  }

  /** Writes queued batches while the socket's buffer has room (all of them with `all`). */
  #pump(all: boolean): void {
    const socket = this.conn.socket;
    if (socket.destroyed || (!all && socket.writableNeedDrain)) return this.#awaitDrain();
    let bytes = 0;
    socket.cork();
    while (this.#head < this.#queue.length && (all || bytes < PUMP_BYTES)) {
      const batch = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as Batch;
      const { n } = batch;
      if (batch.plain !== undefined) bytes += this.#writeSealed(batch.plain, n);
      else {
        this.#write(batch.spans, n);
        for (const s of batch.spans) bytes += s.length;
      }
    }
    socket.uncork();
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else this.#awaitDrain();
  }

  /**
   * CURVE: seals the messages for this subscriber, in order, into its slab and writes them (one
   * span); returns their bytes. They are laid out once in libsodium's memory for every
   * subscriber that gets the same batch ({@link SharedPlaintext}), and boxed from there.
   */
  #writeSealed(messages: readonly (readonly Buffer[])[], n: number): number {
    if (this.#lane !== undefined) return this.#postSealed(this.#lane, messages, n);
    const source = this.#plaintext!.of(messages);
    const size = source.sealedLength;
    let slab = this.#slab;
    if (slab.pending === 0) {
      // Written out: filled again from the start, or let go if a large batch had grown it.
      if (slab.buf.length > SLAB) slab = this.#slab = { buf: EMPTY, used: 0, pending: 0 };
      else slab.used = 0;
    }
    if (slab.buf.length - slab.used < size) {
      slab = this.#slab = { buf: Buffer.allocUnsafe(Math.max(SLAB, size)), used: 0, pending: 0 };
    }
    const start = slab.used;
    slab.used = this.conn.curve!.sealFrom(slab.buf, start, source);
    slab.pending++;
    this.conn.socket.write(slab.buf.subarray(start, slab.used), () => {
      slab.pending--;
      this.#written(n);
    });
    return size;
  }

  /**
   * Seal workers: reserves the batch's nonces now (the wire order), has its worker box it, and
   * writes it when it comes back, behind everything owed before it. Returns its sealed length.
   */
  #postSealed(lane: SealLane, messages: readonly (readonly Buffer[])[], n: number): number {
    let frames = 0;
    for (let i = 0; i < messages.length; i++) frames += messages[i]!.length;
    const first = this.conn.curve!.reserveNonces(frames);
    const owed: Owed = { buf: undefined, n };
    this.#owed.push(owed);
    return lane.seal(messages, first, (out) => {
      owed.buf = out;
      this.#writeOwed();
    });
  }

  /**
   * What the connection seals itself (PING, PONG) with seal workers: sealed now with the next
   * nonce, and written at once unless batches are still being boxed; then it waits behind them.
   */
  #routed(frames: readonly Uint8Array[], command: boolean): Buffer {
    const bytes = this.conn.curve!.sealedHere(frames, command);
    if (this.#owed.length === 0) return bytes;
    this.#owed.push({ buf: bytes, n: 0 });
    return EMPTY;
  }

  /** Writes the owed bytes that are ready, in order, up to the first batch still being boxed. */
  #writeOwed(): void {
    const owed = this.#owed;
    const socket = this.conn.socket;
    let i = 0;
    for (; i < owed.length && owed[i]!.buf !== undefined; i++) {
      const { buf, n } = owed[i]!;
      if (n === 0) socket.write(buf!);
      else socket.write(buf!, () => this.#written(n));
    }
    if (i > 0) this.#owed = i === owed.length ? [] : owed.slice(i);
  }

  /** It went away: its worker forgets its keys. */
  close(): void {
    this.#lane?.drop();
    this.conn.curve?.routeSealed(undefined);
  }

  #awaitDrain(): void {
    const socket = this.conn.socket;
    if (this.#waitingDrain || socket.destroyed) return;
    this.#waitingDrain = true;
    const go = () => {
      this.#waitingDrain = false;
      this.#pump(false);
    };
    if (socket.writableNeedDrain) socket.once('drain', go);
    else setImmediate(go);
  }

  #closeSpan(): void {
    if (this.#spanBuf === undefined) return;
    this.#spans.push(Buffer.from(this.#spanBuf, this.#spanStart, this.#spanEnd - this.#spanStart));
    this.#spanBuf = undefined;
  }

  #written(n: number): void {
    this.#inFlight -= n;
    if (this.#full && this.#inFlight + this.#batched < this.#hwm) {
      this.#full = false;
      this.#hooks.drained(this);
    }
  }

  /** Whether it is holding the publishers back (block mode). */
  get full(): boolean {
    return this.#full;
  }
}
