/**
 * The forwarding logic of `forwarding=zmtp`, over the connections of both sides (connection.ts):
 *
 * - Publishers (nodes' XPUBs on the hub XSUB side): every message is matched by its first frame
 *   against the subscribers' prefixes and handed once to each matching subscriber as its wire bytes
 *   (subscriber.ts); with CURVE it was opened once on the way in and is sealed once per subscriber
 *   (each has its own session keys). The counters count plaintext, as libzmq's proxy does. On connect a publisher gets every subscribed prefix (the XSUB's replay).
 * - Subscribers (nodes' XSUBs on the hub XPUB side): `0x01`/`0x00` messages and ZMTP 3.1
 *   SUBSCRIBE/CANCEL commands. Every subscribe is passed to all publishers (XPUB VERBOSER); an
 *   unsubscribe only when no subscriber holds the prefix any more (the XSUB's reference count),
 *   which also happens for the prefixes of a subscriber that went away.
 * - Statistics as libzmq 4.3's steerable proxy counts them (forwarder.ts), and drops per subscriber.
 *
 * The subscription notices the registry needs are exactly what is passed to the publishers.
 */
import { encodeMessage, type Connection } from '@zeek-relay/zmtp';
import type { ProxyStatistics } from '../forwarder.js';
import { Subscriber } from './subscriber.js';
import { SubscriberDrops } from './drops.js';
import type { SharedPlaintext } from './plaintext.js';
import type { SealPool } from './seal-pool.js';

/** What the core reports: the registry's notices. */
export interface CoreOptions {
  readonly sendHighWaterMark: number;
  readonly block: boolean;
  readonly nodeTopicPrefix: string;
  readonly maxDropLabels: number;
  readonly onNotice: (subscribe: boolean, prefix: Buffer) => void;
  /** CURVE: where the subscribers' batches are laid out for sealing (plaintext.ts). */
  readonly plaintext?: SharedPlaintext;
  /** CURVE with `curveSealThreads` > 0: the seal workers (seal-pool.ts). */
  readonly seal?: SealPool;
}

/** Distinct topics whose matching subscribers are cached (cleared on any subscription change). */
const MATCH_CACHE_LIMIT = 4096;

const zeroStats = (): ProxyStatistics => ({
  frontend: { received: { messages: 0, bytes: 0 }, sent: { messages: 0, bytes: 0 } },
  backend: { received: { messages: 0, bytes: 0 }, sent: { messages: 0, bytes: 0 } },
});

export class ForwardingCore {
  readonly statistics = zeroStats();
  readonly drops: SubscriberDrops;
  readonly #o: CoreOptions;
  readonly #publishers = new Set<Connection>();
  readonly #subscribers = new Map<Connection, Subscriber>();
  /** Prefix (latin1) → how many subscribers hold it. */
  readonly #counts = new Map<string, number>();
  readonly #matchCache = new Map<string, Subscriber[]>();
  readonly #touched: Subscriber[] = [];
  readonly #fullSubs = new Set<Subscriber>();
  #paused = false;
  /** The seal workers are behind (seal-pool.ts): the publishers are not read meanwhile. */
  #sealBehind = false;

  constructor(o: CoreOptions) {
    this.#o = o;
    this.drops = new SubscriberDrops(o.maxDropLabels, o.nodeTopicPrefix);
    o.seal?.watchBacklog((behind) => {
      this.#sealBehind = behind;
      if (behind) for (const p of this.#publishers) p.pause();
      else this.#resumeIfFree();
    });
  }

  // ---- publishers (hub XSUB side) ----

  publisherReady(conn: Connection): void {
    this.#publishers.add(conn);
    if (this.#paused || this.#sealBehind || this.#fullSubs.size > 0) conn.pause();
    if (this.#counts.size === 0) return;
    // In libzmq's order (its subscription trie, walked in byte order), as Zeek 8.0.10 was recorded
    // receiving it; latin1 keys sort by their bytes. Sealed per publisher with CURVE.
    for (const p of [...this.#counts.keys()].sort())
      conn.sendMessage([subscriptionFrame(true, Buffer.from(p, 'latin1'))]);
  }

  publisherClosed(conn: Connection): void {
    this.#publishers.delete(conn);
  }

  /** One message of a publisher (or the hub's own, rejoin.ts): fan-out to matching subscribers. */
  publish(frames: readonly Buffer[], raw: Buffer | undefined): void {
    let bytes = 0;
    for (let i = 0; i < frames.length; i++) bytes += frames[i]!.length;
    const { frontend, backend } = this.statistics;
    frontend.received.messages++;
    frontend.received.bytes += bytes;
    backend.sent.messages++;
    backend.sent.bytes += bytes;
    const subs = this.#matching(frames[0]!);
    if (subs.length === 0) return;
    let wire = raw;
    const touched = this.#touched;
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i]!;
      const first = !s.batched;
      // CURVE: sealed for this subscriber when its queue hands the message to the socket.
      const queued =
        s.conn.curve === undefined ? s.add((wire ??= encodeMessage(frames))) : s.addPlain(frames);
      if (queued && first) touched.push(s);
    }
  }

  /** Writes what the last read produced for each subscriber. */
  flush(): void {
    const touched = this.#touched;
    for (let i = 0; i < touched.length; i++) touched[i]!.flush();
    touched.length = 0;
    // CURVE: this read's batches are sealed (or queued as messages, laid out again when written).
    this.#o.plaintext?.wipe();
  }

  #matching(topic: Buffer): Subscriber[] {
    const key = topic.toString('latin1');
    let subs = this.#matchCache.get(key);
    if (subs !== undefined) return subs;
    subs = [];
    for (const s of this.#subscribers.values()) if (s.matches(topic)) subs.push(s);
    if (this.#matchCache.size >= MATCH_CACHE_LIMIT) this.#matchCache.clear();
    this.#matchCache.set(key, subs);
    return subs;
  }

  // ---- subscribers (hub XPUB side) ----

  subscriberReady(conn: Connection): void {
    const hooks = {
      dropped: (s: Subscriber) => this.drops.count(s),
      full: (s: Subscriber) => this.#full(s),
      drained: (s: Subscriber) => this.#drained(s),
    };
    const { sendHighWaterMark, block, plaintext, seal } = this.#o;
    const curve = conn.curve;
    // A worker that dies disconnects its subscribers (seal-pool.ts): they reconnect.
    const lane =
      seal !== undefined && curve !== undefined
        ? seal.attach(curve.exportTransmit(), () => conn.socket.destroy())
        : undefined;
    const sub = new Subscriber(conn, sendHighWaterMark, block, hooks, plaintext, lane);
    this.#subscribers.set(conn, sub);
    this.#matchCache.clear();
  }

  subscriberClosed(conn: Connection): void {
    const sub = this.#subscribers.get(conn);
    if (sub === undefined) return;
    this.#subscribers.delete(conn);
    sub.close();
    this.#matchCache.clear();
    const i = this.#touched.indexOf(sub);
    if (i >= 0) this.#touched.splice(i, 1);
    if (this.#fullSubs.delete(sub)) this.#drained(sub);
    // libzmq's XPUB sends an unsubscribe for each prefix of a pipe that goes away, in byte order.
    for (const k of [...sub.prefixes.keys()].sort()) this.#subscription(sub, false, sub.prefixes.get(k)!);
  }

  /** A subscriber's message: a (un)subscription, anything else is ignored. */
  subscriberMessage(conn: Connection, frames: readonly Buffer[]): void {
    const f = frames[0];
    if (frames.length !== 1 || f === undefined || f.length === 0 || (f[0] !== 0 && f[0] !== 1)) return;
    const sub = this.#subscribers.get(conn);
    if (sub !== undefined) this.#subscription(sub, f[0] === 1, f.subarray(1));
  }

  /** A subscriber's SUBSCRIBE/CANCEL command. */
  subscriberCommand(conn: Connection, subscribe: boolean, prefix: Buffer): void {
    const sub = this.#subscribers.get(conn);
    if (sub !== undefined) this.#subscription(sub, subscribe, prefix);
  }

  #subscription(sub: Subscriber, subscribe: boolean, prefix: Buffer): void {
    const key = prefix.toString('latin1');
    const had = sub.prefixes.has(key);
    const { frontend, backend } = this.statistics;
    backend.received.messages++;
    backend.received.bytes += prefix.length + 1;
    if (subscribe) {
      if (!had) {
        sub.prefixes.set(key, Buffer.from(prefix));
        sub.label = undefined;
        this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
        this.#matchCache.clear();
      }
    } else {
      if (!had) return; // libzmq's XSUB filters an unsubscribe it holds no reference for
      sub.prefixes.delete(key);
      this.#matchCache.clear();
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left > 0) {
        this.#counts.set(key, left);
        return;
      }
      this.#counts.delete(key);
    }
    frontend.sent.messages++;
    frontend.sent.bytes += prefix.length + 1;
    const frame = subscriptionFrame(subscribe, prefix);
    for (const p of this.#publishers) p.sendMessage([frame]);
    this.#o.onNotice(subscribe, prefix);
  }

  // ---- block mode and shutdown ----

  #full(sub: Subscriber): void {
    this.#fullSubs.add(sub);
    for (const p of this.#publishers) p.pause();
  }

  #drained(sub: Subscriber): void {
    this.#fullSubs.delete(sub);
    this.#resumeIfFree();
  }

  /** Reads the publishers again unless a full subscriber, the seal workers or shutdown hold them. */
  #resumeIfFree(): void {
    if (this.#fullSubs.size > 0 || this.#paused || this.#sealBehind) return;
    for (const p of this.#publishers) p.resume();
  }

  /**
   * Hands every subscriber's queue to its socket (shutdown: the linger bounds the rest); resolves
   * once the seal workers have boxed all of it and it is written.
   */
  async flushAll(): Promise<void> {
    for (const s of this.#subscribers.values()) s.flushAll();
    // Everything queued is sealed now: no plaintext of it stays in libsodium's memory (publisher
    // connections' readers keep their last read until they close).
    this.#o.plaintext?.dispose();
    await this.#o.seal?.idle();
  }

  /** Stops reading the publishers for good (shutdown). */
  pause(): void {
    this.#paused = true;
    for (const p of this.#publishers) p.pause();
  }
}

/** A `0x01`/`0x00` subscription message body. */
function subscriptionFrame(subscribe: boolean, prefix: Buffer): Buffer {
  const f = Buffer.allocUnsafe(prefix.length + 1);
  f[0] = subscribe ? 1 : 0;
  prefix.copy(f, 1);
  return f;
}
