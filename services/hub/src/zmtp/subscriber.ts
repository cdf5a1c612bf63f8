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
 * A CURVE subscriber has session keys of its own: each message is sealed for it into a slab of its
 * own (consecutive messages adjacent, so they merge into one span and one write just the same).
 */
import type { Connection } from './connection.js';

/** Size of a CURVE subscriber's slab of sealed messages. */
const SLAB = 256 * 1024;

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
  /** CURVE: where sealed messages go (never reused: a queued write may still hold a part). */
  #slab = Buffer.alloc(0);
  #slabUsed = 0;

  constructor(conn: Connection, hwm: number, block: boolean, hooks: SubscriberHooks) {
    this.conn = conn;
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
    this.#append(raw);
    return true;
  }

  /** CURVE: seals one message for this subscriber and queues it; false when it was dropped. */
  addSealed(frames: readonly Buffer[], size: number): boolean {
    const curve = this.conn.curve;
    if (curve === undefined || !this.#admit()) return false;
    if (this.#slab.length - this.#slabUsed < size) {
      this.#slab = Buffer.allocUnsafe(Math.max(SLAB, size));
      this.#slabUsed = 0;
    }
    const start = this.#slabUsed;
    this.#slabUsed = curve.seal(this.#slab, start, frames, false);
    this.#append(this.#slab.subarray(start, this.#slabUsed));
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

  #append(raw: Buffer): void {
    this.#batched++;
    if (raw.buffer === this.#spanBuf && raw.byteOffset === this.#spanEnd) {
      this.#spanEnd += raw.length;
      return;
    }
    this.#closeSpan();
    this.#spanBuf = raw.buffer;
    this.#spanStart = raw.byteOffset;
    this.#spanEnd = raw.byteOffset + raw.length;
  }

  /** Whether messages are waiting for {@link flush}. */
  get batched(): boolean {
    return this.#batched > 0;
  }

  /** Writes what this read collected (one write per span, corked together). */
  flush(): void {
    this.#closeSpan();
    const spans = this.#spans;
    const n = this.#batched;
    this.#spans = [];
    this.#batched = 0;
    if (n === 0) return;
    this.#inFlight += n;
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
