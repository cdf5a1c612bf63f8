/**
 * One simulated Zeek node on the wire (zeromq-wire.md §1.1, §2.1): an XPUB connected to the hub's
 * XSUB, an XSUB connected to the hub's XPUB, a PUSH connected to the log sink; Zeek's socket
 * options; the role's default subscriptions in Zeek's order; the hello exchange; log batches with
 * Zeek's buffering rules. It counts what it sends and receives, nothing else.
 */
import { hostname } from 'node:os';
import { Push, XPublisher, XSubscriber } from 'zeromq';
import {
  decodeEvent,
  decodeEventFrames,
  defaultSubscriptions,
  encodeEvent,
  encodeEventFrames,
  encodeLogBatch,
  encodeLogFrames,
  encodeSubscriptionFrame,
  makeNodeId,
  parseSubscriptionFrame,
  type LogBatch,
  type LogBatchHeader,
  type LogRecord,
  type NodeRole,
  type ZeekEvent,
} from '@zeek-relay/wire';
import { HelloTracker, type HelloAction } from './hello-tracker.js';
import { LogBuffer } from './log-buffer.js';
import { SendQueue } from './send-queue.js';

/** Endpoints a node connects to (the node never binds). */
export interface NodeEndpoints {
  /** Hub XSUB, where the node's XPUB connects (Zeek `connect_xpub_endpoint`). */
  readonly hubXsub: string;
  /** Hub XPUB, where the node's XSUB connects (Zeek `connect_xsub_endpoint`). */
  readonly hubXpub: string;
  /**
   * Log sink PULL endpoint(s), or undefined for no log pushing. With several (Zeek's
   * `connect_log_endpoints` vector) the one PUSH socket connects to each and batches round-robin.
   */
  readonly log?: string | readonly string[] | undefined;
}

/** CURVE client keys (Z85), as Zeek 8.2+ reads them from `ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_*`. */
export interface SimNodeCurve {
  readonly serverPublicKey: string;
  readonly publicKey: string;
  readonly secretKey: string;
}

/** Options of a {@link SimNode}. */
export interface SimNodeOptions {
  readonly name: string;
  readonly role: NodeRole;
  readonly endpoints: NodeEndpoints;
  /** Subscriptions after the defaults (what scripts add with `Cluster::subscribe`). */
  readonly extraSubscriptions?: readonly string[];
  readonly writeBufferSize?: number;
  readonly flushIntervalMs?: number;
  /** CURVE on every socket (the hub and the log sinks are the servers). */
  readonly curve?: SimNodeCurve;
  /** Called for every received non-hello event (after own-sender filtering). */
  readonly onEvent?: (node: SimNode, topic: string, ev: ZeekEvent) => void;
}

/** Counters of one node. */
export interface SimNodeStats {
  eventsSent: number;
  eventsReceived: number;
  helloSent: number;
  decodeErrors: number;
  logRecords: number;
  logBatches: number;
  logBatchesDropped: number;
}

const utf8 = new TextDecoder();

function logEndpoints(ep: NodeEndpoints): readonly string[] {
  return ep.log === undefined ? [] : typeof ep.log === 'string' ? [ep.log] : ep.log;
}

/** A simulated Zeek node. `start()` connects and subscribes; `close()` flushes logs and disconnects. */
export class SimNode {
  readonly id: string;
  readonly name: string;
  readonly role: NodeRole;
  readonly subscriptions: readonly string[];
  readonly stats: SimNodeStats = {
    eventsSent: 0,
    eventsReceived: 0,
    helloSent: 0,
    decodeErrors: 0,
    logRecords: 0,
    logBatches: 0,
    logBatchesDropped: 0,
  };
  /** Prefixes currently subscribed somewhere in the cluster, as this node's XPUB learned them. */
  readonly knownPrefixes = new Set<string>();
  readonly tracker: HelloTracker;
  readonly #xpub: XPublisher;
  readonly #xsub: XSubscriber;
  readonly #push: Push | undefined;
  readonly #pubQueue: SendQueue;
  readonly #subQueue: SendQueue;
  readonly #logQueue: SendQueue | undefined;
  readonly #logs: LogBuffer;
  readonly #options: SimNodeOptions;
  readonly #loops: Promise<void>[] = [];
  #closed: Promise<void> | undefined;

  constructor(options: SimNodeOptions) {
    this.#options = options;
    this.name = options.name;
    this.role = options.role;
    this.id = makeNodeId({ node: options.name, hostname: hostname(), pid: process.pid });
    this.subscriptions = [
      ...defaultSubscriptions(options.role, options.name, this.id),
      ...(options.extraSubscriptions ?? []),
    ];
    this.tracker = new HelloTracker(this.name, this.id);
    // Zeek's node socket options (zeromq-wire.md §2.1).
    const c = options.curve;
    const curve = c
      ? { curveServerKey: c.serverPublicKey, curvePublicKey: c.publicKey, curveSecretKey: c.secretKey }
      : {};
    this.#xpub = new XPublisher({ linger: 500, noDrop: true, sendHighWaterMark: 1000, ...curve });
    this.#xpub.verbosity = 'allSubs';
    this.#xsub = new XSubscriber({ receiveHighWaterMark: 1000, ...curve });
    this.#push =
      logEndpoints(options.endpoints).length === 0
        ? undefined
        : new Push({ linger: 500, sendHighWaterMark: 1000, sendTimeout: 0, ...curve });
    this.#pubQueue = new SendQueue(this.#xpub);
    this.#subQueue = new SendQueue(this.#xsub);
    this.#logQueue = this.#push && new SendQueue(this.#push);
    this.#logs = new LogBuffer(
      {
        ...(options.writeBufferSize !== undefined ? { writeBufferSize: options.writeBufferSize } : {}),
        ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
      },
      Date.now(),
    );
  }

  /** Connects (XSUB first, then XPUB, as Zeek does), starts the receive loops and subscribes. */
  start(): void {
    const ep = this.#options.endpoints;
    this.#xsub.connect(ep.hubXpub);
    this.#xpub.connect(ep.hubXsub);
    for (const log of logEndpoints(ep)) this.#push?.connect(log);
    this.#loops.push(this.#readSubscriptions(), this.#readEvents());
    for (const s of this.subscriptions) this.#subQueue.push(encodeSubscriptionFrame(true, s));
  }

  /** Messages waiting in this node's send queues. */
  get backlog(): number {
    return this.#pubQueue.length + (this.#logQueue?.length ?? 0);
  }

  /** Publishes one event (broker-bin-v1) on `topic`; enqueued, sent in order. */
  publish(topic: string, ev: ZeekEvent): void {
    this.#pubQueue.push(encodeEventFrames({ topic, sender: this.id, payload: encodeEvent(ev) }));
  }

  /** `Log::write`: buffers a record; sends a batch when Zeek would. */
  writeLog(header: LogBatchHeader, record: LogRecord): void {
    this.stats.logRecords++;
    const batch = this.#logs.write(header, record);
    if (batch) this.#sendBatch(batch);
  }

  /** Drives the `Log::flush_interval` timer; call periodically. */
  tick(now = Date.now()): void {
    for (const b of this.#logs.flushDue(now)) this.#sendBatch(b);
  }

  /** `Log::flush_all()`: sends every buffered record now. */
  flushLogs(): void {
    for (const b of this.#logs.flushAll()) this.#sendBatch(b);
  }

  #sendBatch(batch: LogBatch): void {
    if (!this.#logQueue) return;
    this.stats.logBatches++;
    this.#logQueue.push(encodeLogFrames(this.id, encodeLogBatch(batch)));
  }

  /** Resolves once everything enqueued so far left the process (or failed to). */
  async drained(): Promise<void> {
    await Promise.all([this.#pubQueue.drained(), this.#subQueue.drained(), this.#logQueue?.drained()]);
    this.stats.logBatchesDropped = this.#logQueue?.failed ?? 0;
  }

  async #readSubscriptions(): Promise<void> {
    for await (const frames of this.#xpub) {
      const frame = frames[0];
      if (frames.length !== 1 || frame === undefined) continue; // Zeek: "expected 1 part", counted and ignored
      let msg;
      try {
        msg = parseSubscriptionFrame(frame);
      } catch (err) {
        if ((err as { code?: string }).code === undefined) throw err;
        continue;
      }
      const prefix = utf8.decode(msg.prefix);
      if (msg.subscribe) this.knownPrefixes.add(prefix);
      else this.knownPrefixes.delete(prefix);
      this.#apply(this.tracker.onSubscription(prefix, msg.subscribe));
    }
  }

  async #readEvents(): Promise<void> {
    for await (const frames of this.#xsub) {
      let topic: string;
      let ev: ZeekEvent;
      try {
        const m = decodeEventFrames(frames);
        if (utf8.decode(m.sender) === this.id) continue; // own publications come back: dropped like Zeek
        topic = utf8.decode(m.topic);
        ev = decodeEvent(m.payload);
      } catch (err) {
        if ((err as { code?: string }).code === undefined) throw err;
        this.stats.decodeErrors++;
        continue;
      }
      const actions = this.tracker.onEvent(ev);
      if (actions.length > 0 || ev.name.startsWith('Cluster::')) {
        this.#apply(actions);
        continue;
      }
      this.stats.eventsReceived++;
      this.#options.onEvent?.(this, topic, ev);
    }
  }

  #apply(actions: readonly HelloAction[]): void {
    for (const a of actions) {
      if (a.kind !== 'publish') continue;
      this.stats.helloSent++;
      this.publish(a.message.topic, a.message.event);
    }
  }

  /**
   * Flushes buffered logs, waits for queued sends, then closes the sockets (XPUB/PUSH linger
   * 500 ms, so queued messages still leave). Peers see the node-id unsubscription → `node_down`.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.flushLogs();
      await this.drained();
      this.#xsub.close();
      this.#xpub.close();
      this.#push?.close();
      await Promise.allSettled(this.#loops);
    })();
    return this.#closed;
  }
}
