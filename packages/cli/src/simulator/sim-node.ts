/**
 * One simulated Zeek node: the project's emulated Zeek node (`@zeek-relay/zeek-node`: Zeek's
 * sockets and options, its start-up subscriptions in Zeek 8.2's order, the hello exchange,
 * node_up/node_down) and its log path (Zeek's write buffering, one PUSH round-robin over the log
 * endpoints), plus the counters the simulator reports. No protocol logic of its own.
 */
import { hostname } from 'node:os';
import { EmulatedZeekNode, LogPush, LogWriter } from '@zeek-relay/zeek-node';
import {
  makeNodeId,
  type LogBatchHeader,
  type LogRecord,
  type NodeRole,
  type ZeekEvent,
} from '@zeek-relay/wire';

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
  /** Called for every received application event (not the cluster framework's own). */
  readonly onEvent?: (node: SimNode, topic: string, ev: ZeekEvent) => void;
}

/** Counters of one node. */
export interface SimNodeStats {
  eventsSent: number;
  eventsReceived: number;
  sendErrors: number;
  logRecords: number;
  logBatches: number;
  logBatchesDropped: number;
}

function logEndpoints(ep: NodeEndpoints): readonly string[] {
  return ep.log === undefined ? [] : typeof ep.log === 'string' ? [ep.log] : ep.log;
}

/** How long `close()` waits for queued sends before it closes the sockets anyway. */
const CLOSE_DRAIN_MS = 2000;

/** A simulated Zeek node. `start()` connects and subscribes; `close()` flushes logs and disconnects. */
export class SimNode {
  readonly name: string;
  readonly role: NodeRole;
  readonly node: EmulatedZeekNode;
  readonly logs: LogWriter | undefined;
  readonly #stats = { eventsSent: 0, eventsReceived: 0, sendErrors: 0 };
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: SimNodeOptions) {
    this.name = options.name;
    this.role = options.role;
    const c = options.curve;
    const curve = c
      ? { serverKey: c.serverPublicKey, publicKey: c.publicKey, secretKey: c.secretKey }
      : undefined;
    const id = makeNodeId({ node: options.name, hostname: hostname(), pid: process.pid });
    this.node = new EmulatedZeekNode({
      name: options.name,
      role: options.role,
      id,
      connectXpub: options.endpoints.hubXsub,
      connectXsub: options.endpoints.hubXpub,
      // The sink is the logger: `Cluster::manager_is_logger = F`, as zeek-relay's setup says.
      managerIsLogger: false,
      keepInbox: false,
      ...(options.extraSubscriptions ? { extraSubscriptions: options.extraSubscriptions } : {}),
      ...(curve ? { curve } : {}),
    });
    this.node.onEvent = (r) => {
      if (r.event === undefined || r.event.name.startsWith('Cluster::')) return;
      this.#stats.eventsReceived++;
      options.onEvent?.(this, r.topic, r.event);
    };
    const endpoints = logEndpoints(options.endpoints);
    this.logs =
      endpoints.length === 0
        ? undefined
        : new LogWriter(new LogPush({ endpoints, nodeId: id, linger: 500, ...(curve ? { curve } : {}) }), {
            ...(options.writeBufferSize !== undefined ? { writeBufferSize: options.writeBufferSize } : {}),
            ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
          });
  }

  get id(): string {
    return this.node.id;
  }

  /** What the node subscribes to (Zeek's start-up topics, then the extra ones). */
  get subscriptions(): readonly string[] {
    return this.node.subscriptions;
  }

  /** Names of the peers this node sees up (after their hello), by id. */
  get up(): ReadonlyMap<string, string> {
    return this.node.up;
  }

  get stats(): SimNodeStats {
    return {
      ...this.#stats,
      logRecords: this.logs?.records ?? 0,
      logBatches: this.logs?.batches ?? 0,
      logBatchesDropped: this.logs?.dropped ?? 0,
    };
  }

  /** Connects and subscribes (in the background: the node answers peers as they appear). */
  start(): void {
    this.#started ??= this.node.start().catch(() => void this.#stats.sendErrors++);
  }

  /** Messages waiting in this node's send queues. */
  get backlog(): number {
    return this.node.pending + (this.logs?.push.pending ?? 0);
  }

  /** Publishes one event (broker-bin-v1) on `topic`; queued, sent in order, never awaited. */
  publish(topic: string, ev: ZeekEvent): void {
    this.#stats.eventsSent++;
    this.node.publish(topic, ev).catch(() => void this.#stats.sendErrors++);
  }

  /** `Log::write`: buffers a record; sends a batch when Zeek would. */
  writeLog(header: LogBatchHeader, record: LogRecord): void {
    this.logs?.write(header, record);
  }

  /** Drives the `Log::flush_interval` timer; call periodically. */
  tick(now = Date.now()): void {
    this.logs?.tick(now);
  }

  /** `Log::flush_all()`: sends every buffered record now. */
  flushLogs(): void {
    this.logs?.flushAll();
  }

  /** Resolves once everything queued so far left the process (or failed to). */
  async drained(): Promise<void> {
    await Promise.all([this.#started, this.node.drained(), this.logs?.push.drained()]);
  }

  /**
   * Flushes buffered logs, waits for queued sends (at most CLOSE_DRAIN_MS), then closes the sockets (the log PUSH lingers
   * 500 ms, so queued batches still leave). Peers see the node-id unsubscription → `node_down`.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.flushLogs();
      // Bounded like Zeek's own shutdown: a send that cannot complete (a peer that never reads)
      // must not keep the node from stopping; closing the sockets then ends it.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.drained(),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_DRAIN_MS))),
      ]);
      clearTimeout(timer);
      this.logs?.push.close();
      await this.node.close();
    })();
    return this.#closed;
  }
}
