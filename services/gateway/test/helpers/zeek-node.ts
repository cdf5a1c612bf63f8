import { decodeBrokerData, dataToEvent, encodeEvent, type ZeekEvent } from '@zeek-relay/wire';
import { XPublisher, XSubscriber } from 'zeromq';
import type { TestHub } from './hub.js';

/** One event as a node received it. */
export interface Received {
  readonly topic: string;
  readonly sender: string;
  readonly format: string;
  readonly payload: Buffer;
  /** Decoded event, undefined if the payload is not a well-formed broker-bin-v1 event. */
  readonly event: ZeekEvent | undefined;
}

/**
 * An emulated Zeek node attached to the hub as Zeek's ZeroMQ backend attaches (zeromq-wire.md
 * §2.1): XPUB (VERBOSE, NODROP) to the hub's XSUB, XSUB to the hub's XPUB, `0x01<prefix>`
 * subscriptions, 4-frame publications with its node id, its own publications dropped.
 */
export class ZeekNode {
  readonly received: Received[] = [];
  readonly subscriptionsSeen: string[] = [];
  #xpub = new XPublisher({ linger: 500, noDrop: true });
  #xsub = new XSubscriber({ linger: 0 });
  #waiters: { pred: () => boolean; resolve: () => void }[] = [];
  #sendChain: Promise<void> = Promise.resolve();
  #loops: Promise<void>[] = [];
  /** Called for every event received (after it is recorded). */
  onEvent: (r: Received, node: ZeekNode) => void = () => {};

  constructor(
    readonly id: string,
    hub: TestHub,
    /** CURVE client settings (Z85), for a hub with CURVE on (as Zeek's `curve_*` options). */
    curve?: { readonly serverKey: string; readonly publicKey: string; readonly secretKey: string },
  ) {
    this.#xpub.verbosity = 'allSubs';
    if (curve) {
      for (const sock of [this.#xpub, this.#xsub]) {
        sock.curveServerKey = curve.serverKey;
        sock.curvePublicKey = curve.publicKey;
        sock.curveSecretKey = curve.secretKey;
      }
    }
    this.#xsub.connect(hub.xpubEndpoint);
    this.#xpub.connect(hub.xsubEndpoint);
    this.#loops.push(this.#readSubs(), this.#readEvents());
  }

  /** Subscribes and waits until every prefix was echoed back (the node can then receive them). */
  async subscribe(...prefixes: string[]): Promise<void> {
    for (const p of prefixes)
      await this.#xsub.send(Buffer.concat([Buffer.from([1]), Buffer.from(p, 'utf8')]));
    const probe = `zeek.zeromq.internal.${this.id}.${prefixes.join('|')}.`;
    await this.#xsub.send(Buffer.concat([Buffer.from([1]), Buffer.from(probe, 'utf8')]));
    await this.waitFor(() => this.subscriptionsSeen.includes(probe));
  }

  /**
   * Publishes an event (broker-bin-v1), or raw payload bytes, on `topic`. Waits first until this
   * node's XPUB has learned a matching subscription: ZeroMQ filters on the sender side, so a
   * publication before that would be dropped silently (the race every Zeek node has, §4.2).
   */
  publish(topic: string, event: ZeekEvent | Uint8Array, format = 'broker-bin-v1'): Promise<void> {
    const payload = event instanceof Uint8Array ? event : encodeEvent(event);
    const frames = [
      Buffer.from(topic, 'utf8'),
      Buffer.from(this.id, 'utf8'),
      Buffer.from(format),
      Buffer.from(payload),
    ];
    const known = (): boolean => this.subscriptionsSeen.some((p) => topic.startsWith(p));
    this.#sendChain = this.#sendChain.then(async () => {
      if (!known()) await this.waitFor(known, 10000, `a subscriber for ${topic}`);
      // NODROP XPUB at its HWM: zeromq.js rejects with EAGAIN; wait and retry like a blocking send.
      for (;;) {
        try {
          return await this.#xpub.send(frames);
        } catch (err) {
          if ((err as { code?: unknown }).code !== 'EAGAIN') throw err;
          await new Promise((r) => setTimeout(r, 2));
        }
      }
    });
    return this.#sendChain;
  }

  /** Resolves when `pred()` holds (checked after every received message). */
  waitFor(pred: () => boolean, timeoutMs = 120_000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`ZeekNode ${this.id}: timed out waiting for ${what}`)),
        timeoutMs,
      );
      this.#waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Events received with the given name. */
  events(name: string): ZeekEvent[] {
    return this.received.flatMap((r) => (r.event?.name === name ? [r.event] : []));
  }

  #check(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }

  async #readSubs(): Promise<void> {
    for await (const [frame] of this.#xpub) {
      if (frame !== undefined && frame[0] === 1) this.subscriptionsSeen.push(frame.toString('utf8', 1));
      this.#check();
    }
  }

  async #readEvents(): Promise<void> {
    for await (const frames of this.#xsub) {
      if (frames.length !== 4) continue;
      const [t, s, f, p] = frames as [Buffer, Buffer, Buffer, Buffer];
      if (s.toString('utf8') === this.id) continue;
      let event: ZeekEvent | undefined;
      try {
        event = dataToEvent(decodeBrokerData(p));
      } catch (err) {
        void err;
        event = undefined;
      }
      const r: Received = {
        topic: t.toString('utf8'),
        sender: s.toString('utf8'),
        format: f.toString('utf8'),
        payload: p,
        event,
      };
      this.received.push(r);
      this.onEvent(r, this);
      this.#check();
    }
  }

  async close(): Promise<void> {
    await this.#sendChain.catch(() => undefined);
    this.#xpub.close();
    this.#xsub.close();
    await Promise.allSettled(this.#loops);
  }
}
