/**
 * The emulated Zeek node, speaking Zeek's ZeroMQ bytes through @zeek-relay/wire: a node's socket
 * options (zeromq-wire.md §2.1), the subscriptions a Zeek 8.2 node makes at start-up, in its order
 * (as recorded in fixtures zeek-8.2/cluster-session), and the logic of Zeek's
 * `cluster/backend/zeromq` scripts and backend (facts from their sources): `subscription` only for
 * unseen topics, the two-way hello, `node_up` on `Cluster::hello`, duplicate and expired hellos,
 * `node_down` on a nodeid unsubscription. Used in-process and, via node-process.ts, as a child
 * process.
 */
import { Context, XPublisher, XSubscriber } from 'zeromq';
import {
  clusterHello,
  decodeEvent,
  decodeEventFrames,
  encodeEvent,
  encodeEventFrames,
  encodeSubscriptionFrame,
  FORMAT_BROKER_BIN_V1,
  makeNodeId,
  nodeIdFromTopic,
  parseHello,
  parseSubscriptionFrame,
  zeromqHello,
  type NodeRole,
  type ZeekEvent,
} from '@zeek-relay/wire';

export interface ZeekNodeOptions {
  readonly name: string;
  readonly role: NodeRole;
  /** Hub XSUB (the node's connect_xpub_endpoint). */
  readonly connectXpub: string;
  /** Hub XPUB (the node's connect_xsub_endpoint). */
  readonly connectXsub: string;
  /** Extra subscriptions after the defaults. */
  readonly extraSubscriptions?: readonly string[];
  /** XSUB receive HWM (Zeek: 1000). */
  readonly receiveHighWaterMark?: number;
  readonly receiveBufferSize?: number;
  /** Read events at most this often (ms between reads) to emulate a slow node. */
  readonly readDelayMs?: number;
  readonly curve?: { serverKey: string; publicKey: string; secretKey: string };
  /** `Cluster::manager_is_logger` (default true): the manager then also subscribes to the logger pool. */
  readonly managerIsLogger?: boolean;
  /** Zeek's `hello_expiration` (default 10 s): pending hello state is forgotten after this. */
  readonly helloExpirationMs?: number;
  /** The node id (default: one made like Zeek's from the name, a host name and the pid). */
  readonly id?: string;
  /** Keep every received event in `inbox` (default true; benchmarks that only count turn it off). */
  readonly keepInbox?: boolean;
}

/** One message as the node received it (not the cluster framework's own hellos). */
export interface Received {
  readonly topic: string;
  readonly sender: string;
  readonly format: string;
  readonly payload: Uint8Array;
  readonly frames: Uint8Array[];
  /** The decoded event; undefined when the payload is not a well-formed broker-bin-v1 event. */
  readonly event: ZeekEvent | undefined;
}

/** Zeek's low-level backend events; a node raises them for its own XPUB, or receives them. */
const BACKEND_SUBSCRIPTION = 'Cluster::Backend::ZeroMQ::subscription';
const BACKEND_UNSUBSCRIPTION = 'Cluster::Backend::ZeroMQ::unsubscription';

const utf8 = new TextDecoder();

/**
 * What a Zeek 8.2 node subscribes to at start-up, in its order: the supervisor and table-change
 * topics, its pool and type topics, then its node-id and node-name topics.
 */
export function startupSubscriptions(
  role: NodeRole,
  name: string,
  id: string,
  managerIsLogger: boolean,
): string[] {
  const byRole: Record<NodeRole, string[]> = {
    manager: [...(managerIsLogger ? ['zeek.cluster.pool.logger'] : []), 'zeek.cluster.manager'],
    logger: ['zeek.cluster.pool.logger', 'zeek.cluster.logger'],
    proxy: ['zeek.cluster.pool.proxy', 'zeek.cluster.proxy'],
    worker: ['zeek.cluster.pool.worker', 'zeek.cluster.worker'],
  };
  return [
    'zeek/supervisor',
    'zeek/table/',
    ...byRole[role],
    `zeek.cluster.nodeid.${id}.`,
    `zeek.cluster.node.${name}.`,
  ];
}

export class EmulatedZeekNode {
  readonly id: string;
  readonly context = new Context();
  readonly xpub: XPublisher;
  readonly xsub: XSubscriber;
  /** Topics seen subscribed on the XPUB (Zeek raises `subscription` only the first time). */
  readonly seenTopics = new Set<string>();
  /** Every notification in arrival order, as `+topic` / `-topic`. */
  readonly notifications: string[] = [];
  /** node_up / node_down raised locally, as `up:<name>` / `down:<name>`. */
  readonly lifecycle: string[] = [];
  /** Peers this node considers up: id → name (Zeek: `Cluster::nodes[name]$id`). */
  readonly up = new Map<string, string>();
  /** Reporter warnings Zeek's scripts would log (`sends ZeroMQ::hello twice`, `Expired …`). */
  readonly warnings: string[] = [];
  /** Non-hello events received: count per topic. */
  readonly received = new Map<string, number>();
  receivedTotal = 0;
  /** Every message received that is not the cluster framework's own, in order (`keepInbox`). */
  readonly inbox: Received[] = [];
  /** Messages that were not 4 frames (Zeek's XSUB reader rejects them): counted, not kept. */
  malformed = 0;
  /** Called for every message received that is not the cluster framework's own (hellos…). */
  onEvent: ((received: Received, node: EmulatedZeekNode) => void) | undefined;
  /** Events dropped at the XPUB's high-water mark, as Zeek counts them. */
  xpubDrops = 0;
  /** Frames of the last non-hello event received. */
  lastFrames: Uint8Array[] | undefined;
  /** Zeek's `nodeid_subscriptions` / `nodeid_hellos`: id → expiry timer (`&create_expire`). */
  readonly #nodeidSubs = new Map<string, NodeJS.Timeout>();
  readonly #hellos = new Map<string, NodeJS.Timeout>();
  readonly #loops: Promise<void>[] = [];
  /** Conditions of {@link waitFor}, checked after every notification and message. */
  #waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];
  #probes = 0;
  /** XPUB sends in order, one at a time (as Zeek's single backend thread sends). */
  #sendChain: Promise<void> = Promise.resolve();
  #pending = 0;
  #closed = false;

  constructor(readonly options: ZeekNodeOptions) {
    this.id = options.id ?? makeNodeId({ node: options.name, hostname: 'testhost', pid: process.pid });
    const curve = options.curve
      ? {
          curveServerKey: options.curve.serverKey,
          curvePublicKey: options.curve.publicKey,
          curveSecretKey: options.curve.secretKey,
        }
      : {};
    this.xpub = new XPublisher({
      context: this.context,
      linger: 500,
      noDrop: true,
      verbosity: 'allSubs',
      sendHighWaterMark: 1000,
      ...curve,
    });
    this.xsub = new XSubscriber({
      context: this.context,
      receiveHighWaterMark: options.receiveHighWaterMark ?? 1000,
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
      linger: 0,
      ...curve,
    });
  }

  /** What the node subscribes to at start: Zeek's start-up topics, then the extra ones. */
  get subscriptions(): string[] {
    return [
      ...startupSubscriptions(
        this.options.role,
        this.options.name,
        this.id,
        this.options.managerIsLogger ?? true,
      ),
      ...(this.options.extraSubscriptions ?? []),
    ];
  }

  /** Connects (XSUB first, as Zeek does) and sends the start-up subscriptions. */
  async start(): Promise<void> {
    this.xsub.connect(this.options.connectXsub);
    this.xpub.connect(this.options.connectXpub);
    this.#loops.push(this.#xpubLoop(), this.#xsubLoop());
    for (const t of this.subscriptions) await this.subscribe(t);
  }

  subscribe(topic: string): Promise<void> {
    return this.xsub.send(encodeSubscriptionFrame(true, topic));
  }

  unsubscribe(topic: string): Promise<void> {
    return this.xsub.send(encodeSubscriptionFrame(false, topic));
  }

  /**
   * Subscribes to each prefix and resolves once the hub has passed them on: as Zeek checks that a
   * WebSocket client's subscriptions are in place (zeromq-wire.md §4.7), it subscribes a unique
   * `zeek.zeromq.internal.<id>.<k>.` after them and waits until its own XPUB sees that topic.
   */
  async subscribeAndWait(...prefixes: string[]): Promise<void> {
    for (const p of prefixes) await this.subscribe(p);
    const probe = `zeek.zeromq.internal.${this.id}.${++this.#probes}.`;
    await this.subscribe(probe);
    await this.waitFor(() => this.seenTopics.has(probe), `the hub to echo ${probe}`);
    await this.unsubscribe(probe);
  }

  /** Publishes an event (4 frames, broker-bin-v1) on the node XPUB. */
  publish(topic: string, event: ZeekEvent): Promise<void> {
    return this.publishRaw(topic, encodeEvent(event));
  }

  /**
   * Publishes like {@link publish} (an event, or payload bytes in `format`), but first waits until
   * this node's XPUB has seen a subscription matching `topic` (ZeroMQ filters at the sender: before
   * that the message would silently go nowhere, a race every Zeek node has, zeromq-wire.md §4.2)
   * and waits at the high-water mark instead of dropping. For tests that must not lose anything.
   */
  async publishWhenSubscribed(
    topic: string,
    event: ZeekEvent | Uint8Array,
    format = FORMAT_BROKER_BIN_V1,
  ): Promise<void> {
    const payload = event instanceof Uint8Array ? event : encodeEvent(event);
    const known = (): boolean => [...this.seenTopics].some((p) => topic.startsWith(p));
    await this.waitFor(known, `a subscriber for ${topic}`);
    await this.sendFrames(encodeEventFrames({ topic, sender: this.id, format, payload }));
  }

  /**
   * Sends any frames on the XPUB (bad input: a wrong frame count, an unknown format…), in turn with
   * the node's other sends, waiting at the high-water mark instead of dropping.
   */
  sendFrames(frames: readonly Uint8Array[]): Promise<void> {
    return this.#queue(async () => {
      for (;;) {
        try {
          return await this.xpub.send([...frames]);
        } catch (err) {
          if ((err as { code?: string }).code !== 'EAGAIN') throw err;
          await new Promise((r) => setTimeout(r, 2));
        }
      }
    });
  }

  /**
   * Resolves once `pred()` holds, checked now and after every subscription notification and
   * message the node receives; `timeoutMs` is a hang guard (rejects naming `what`).
   */
  waitFor(pred: () => boolean, what = 'condition', timeoutMs = 120_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.pred !== pred);
        reject(new Error(`emulated node ${this.options.name}: timed out waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Received events with this name, in order (from `inbox`). */
  events(name: string): ZeekEvent[] {
    return this.inbox.flatMap((r) => (r.event?.name === name ? [r.event] : []));
  }

  #check(): void {
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }

  /**
   * As Zeek's backend sends (non-blocking): when the XPUB is at its high-water mark libzmq says
   * EAGAIN and the message is dropped and counted (`zeek_cluster_zeromq_xpub_drops_total`).
   * Sends are queued: the hello exchange (from both socket loops) and the caller's publications
   * may overlap, and a zeromq.js socket takes one send at a time (EBUSY otherwise).
   */
  publishRaw(topic: string, payload: Uint8Array, format = FORMAT_BROKER_BIN_V1): Promise<void> {
    const frames = encodeEventFrames({ topic, sender: this.id, format, payload });
    return this.#queue(() => this.#sendOrDrop(frames));
  }

  /** Sends queued on the XPUB and not done yet. */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves once every send queued so far is done (sent, dropped or failed). */
  async drained(): Promise<void> {
    await this.#sendChain;
  }

  #queue(send: () => Promise<void>): Promise<void> {
    this.#pending++;
    const sent = this.#sendChain.then(send).finally(() => this.#pending--);
    this.#sendChain = sent.catch(() => undefined);
    return sent;
  }

  async #sendOrDrop(frames: Uint8Array[]): Promise<void> {
    try {
      await this.xpub.send(frames);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EAGAIN') throw err;
      this.xpubDrops++;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.xpub.linger = 0;
    for (const t of [...this.#nodeidSubs.values(), ...this.#hellos.values()]) clearTimeout(t);
    this.xsub.close();
    this.xpub.close();
    await Promise.allSettled(this.#loops);
  }

  async #xpubLoop(): Promise<void> {
    try {
      for await (const [frame] of this.xpub) {
        if (frame === undefined) continue;
        const { subscribe, prefix } = parseSubscriptionFrame(frame);
        const topic = utf8.decode(prefix);
        this.notifications.push(`${subscribe ? '+' : '-'}${topic}`);
        // Zeek's backend raises `subscription` only for a topic it has not seen (or saw go).
        if (subscribe && !this.seenTopics.has(topic)) {
          this.seenTopics.add(topic);
          await this.#onSubscription(topic);
        } else if (!subscribe) {
          this.seenTopics.delete(topic);
          this.#onUnsubscription(topic);
        }
        this.#check();
      }
    } catch (err) {
      if (!this.#closed) throw err;
    }
  }

  /** The script's `ZeroMQ::subscription` handler. */
  async #onSubscription(topic: string): Promise<void> {
    const peer = nodeIdFromTopic(topic);
    if (peer === undefined || peer === this.id) return;
    const h = zeromqHello(this.options.name, this.id, peer);
    await this.publish(h.topic, h.event);
    if (this.#hellos.has(peer)) await this.#sendClusterHello(peer);
    else this.#remember(this.#nodeidSubs, peer, 'Expired subscription from nodeid');
  }

  /** The script's `ZeroMQ::unsubscription` handler: `node_down` for a known node id. */
  #onUnsubscription(topic: string): void {
    const peer = nodeIdFromTopic(topic);
    if (peer === undefined) return;
    if (this.up.has(peer)) this.#nodeDown(peer);
    else if (peer !== this.id) this.warnings.push(`unsubscription of unknown node with id '${peer}'`);
  }

  #nodeDown(id: string): void {
    this.lifecycle.push(`down:${this.up.get(id)}`);
    this.up.delete(id);
  }

  /** Adds to a `&create_expire` set: the entry goes after the expiration, with Zeek's warning. */
  #remember(set: Map<string, NodeJS.Timeout>, id: string, warning: string): void {
    if (set.has(id)) return;
    const t = setTimeout(() => {
      set.delete(id);
      this.warnings.push(`${warning} ${id}`);
    }, this.options.helloExpirationMs ?? 10_000);
    t.unref();
    set.set(id, t);
  }

  #forget(set: Map<string, NodeJS.Timeout>, id: string): boolean {
    const t = set.get(id);
    if (t === undefined) return false;
    clearTimeout(t);
    set.delete(id);
    return true;
  }

  async #sendClusterHello(peer: string): Promise<void> {
    this.#forget(this.#nodeidSubs, peer);
    this.#forget(this.#hellos, peer);
    const h = clusterHello(this.options.name, this.id, peer);
    await this.publish(h.topic, h.event);
  }

  /**
   * Handles the cluster framework's events sent to this node's id topic, as Zeek's scripts do;
   * false for any other event. Backend (un)subscription events received from elsewhere run the
   * same script handlers (Zeek dispatches every received event to its handler).
   */
  async #onNodeEvent(event: ZeekEvent): Promise<boolean> {
    const topicArg = event.args[0];
    if (event.name === BACKEND_SUBSCRIPTION || event.name === BACKEND_UNSUBSCRIPTION) {
      const t = topicArg?.type === 'string' ? utf8.decode(topicArg.value) : '';
      if (event.name === BACKEND_SUBSCRIPTION) await this.#onSubscription(t);
      else this.#onUnsubscription(t);
      return true;
    }
    const hello = parseHello(event);
    if (hello === undefined) return false;
    if (hello.kind === 'zeromq') await this.#onZeromqHello(hello.name, hello.id);
    else this.#onClusterHello(hello.name, hello.id);
    return true;
  }

  /** The script's `ZeroMQ::hello` handler, with its duplicate and never-said-goodbye checks. */
  async #onZeromqHello(name: string, id: string): Promise<void> {
    const known = [...this.up].find(([, n]) => n === name)?.[0];
    if (known === id) {
      this.warnings.push(`node '${name}' sends ZeroMQ::hello twice (id:${id})`);
      return;
    }
    if (known !== undefined) this.#nodeDown(known);
    if (this.#forget(this.#nodeidSubs, id)) await this.#sendClusterHello(id);
    else this.#remember(this.#hellos, id, 'Expired hello from nodeid');
  }

  /** The framework's `Cluster::hello` handler: `node_up` unless the name already has an id. */
  #onClusterHello(name: string, id: string): void {
    if ([...this.up.values()].includes(name)) return;
    this.up.set(id, name);
    this.lifecycle.push(`up:${name}`);
  }

  async #xsubLoop(): Promise<void> {
    try {
      for await (const frames of this.xsub) {
        if (this.options.readDelayMs) await new Promise((r) => setTimeout(r, this.options.readDelayMs));
        await this.#onMessage(frames);
        this.#check();
      }
    } catch (err) {
      if (!this.#closed) throw err;
    }
  }

  /** One message from the XSUB: the framework's events are handled, the rest recorded. */
  async #onMessage(frames: Uint8Array[]): Promise<void> {
    if (frames.length !== 4) {
      this.malformed++;
      return;
    }
    const msg = decodeEventFrames(frames);
    const sender = utf8.decode(msg.sender);
    if (sender === this.id) return;
    const topic = utf8.decode(msg.topic);
    const keep = this.options.keepInbox ?? true;
    if (topic.startsWith('zeek.cluster.nodeid.')) {
      const own = tryDecodeEvent(msg.payload);
      if (own !== undefined && (await this.#onNodeEvent(own))) return;
    }
    // Not set for hellos: a node joining later must not replace the frames a test checks.
    this.lastFrames = frames;
    const r = received(topic, sender, msg.format, msg.payload, frames);
    if (keep) this.inbox.push(r);
    this.onEvent?.(r, this);
    this.receivedTotal++;
    this.received.set(topic, (this.received.get(topic) ?? 0) + 1);
  }
}

/** A received message; its event is decoded on first use (a counting node never pays for it). */
function received(
  topic: string,
  sender: string,
  format: string,
  payload: Uint8Array,
  frames: Uint8Array[],
): Received {
  let event: ZeekEvent | undefined | null = null;
  return {
    topic,
    sender,
    format,
    payload,
    frames,
    get event() {
      if (event === null) event = tryDecodeEvent(payload);
      return event;
    },
  };
}

function tryDecodeEvent(payload: Uint8Array): ZeekEvent | undefined {
  try {
    return decodeEvent(payload);
  } catch {
    return undefined;
  }
}
