/**
 * A simulated Zeek cluster (one manager, proxies, workers) attached to a hub and a log sink, with
 * a steady event and log rate. Reusable: `zeek-relay simulate` and other packages' tests and
 * benchmarks drive it (`@zeek-relay/cli/simulator`).
 *
 * Lifecycle: `startSimulation` connects every node and resolves once all nodes are up for each
 * other (the full hello exchange) and know each other's subscriptions; traffic starts then.
 * `stop()` (or the `durationMs` elapsing) stops traffic, flushes logs, waits until every expected
 * delivery arrived or `drainTimeoutMs` passed, closes every socket and returns the summary.
 */
import { topicMatches, type NodeRole, type ZeekEvent } from '@zeek-relay/wire';
import { CLI_ERROR_CODES, CliError } from '../errors.js';
import { generatedLogs, recordedLogs, type LogSource } from './log-source.js';
import { STREAM_NAMES, type StreamName } from './log-streams.js';
import { SimNode, type NodeEndpoints } from './sim-node.js';
import {
  APP_TOPIC_PREFIX,
  DEFAULT_EVENT_MIX,
  EVENT_KIND_INFO,
  EVENT_KINDS,
  planEvent,
  SenderRotation,
  WeightedCycle,
  type EventKind,
} from './traffic.js';

/** Options of {@link startSimulation}. Rates are totals over the whole simulated cluster. */
export interface SimulatorOptions {
  readonly endpoints: NodeEndpoints;
  /** Number of workers (≥ 1). Default 2. */
  readonly workers?: number;
  /** Number of proxies (≥ 0). Default 1. */
  readonly proxies?: number;
  /** Events per second over all nodes (0 = none). Default 100. */
  readonly rate?: number;
  /** Log records per second over all workers (0 = none). Default 200. */
  readonly logRate?: number;
  /** Weights of event kinds. Default {@link DEFAULT_EVENT_MIX}. */
  readonly eventMix?: Readonly<Record<EventKind, number>>;
  /** Weights of log streams. Default conn 60, dns 30, http 10. */
  readonly logMix?: Readonly<Record<StreamName, number>>;
  /** Stop by itself after this many ms of traffic; undefined = until `stop()`. */
  readonly durationMs?: number;
  /** Log::write_buffer_size. Default 1000. */
  readonly writeBufferSize?: number;
  /** Log::flush_interval in ms. Default 1000. */
  readonly flushIntervalMs?: number;
  /** How long nodes may take to see each other. Default 10000 ms. */
  readonly readyTimeoutMs?: number;
  /** How long to wait for in-flight events after stopping. Default 3000 ms. */
  readonly drainTimeoutMs?: number;
  /** PRNG seed for generated log records (when the recordings are not installed). Default 1. */
  readonly seed?: number;
  /** `generated` forces generated log records even where the Zeek 8.2.2 recordings are installed. */
  readonly logRecords?: 'recorded' | 'generated';
}

/** Live counters. */
export interface SimulationStats {
  readonly elapsedMs: number;
  readonly nodes: number;
  readonly nodesUp: number;
  readonly eventsSent: number;
  /** Deliveries expected: each sent event times the simulated nodes subscribed to its topic. */
  readonly eventsExpected: number;
  readonly eventsReceived: number;
  readonly logRecords: number;
  readonly logBatches: number;
}

/** End-of-run summary. */
export interface SimulationSummary extends SimulationStats {
  /** Expected deliveries that never arrived. */
  readonly eventsLost: number;
  readonly eventsByKind: Readonly<Record<EventKind, number>>;
  /** Events sent on `zeek/sim/` topics (what a `subscribe zeek/` client should see). */
  readonly appEvents: number;
  readonly logRecordsByStream: Readonly<Record<StreamName, number>>;
  readonly logBatchesDropped: number;
  /** Where the log records came from: the Zeek 8.2.2 recordings, or the generator. */
  readonly logSource: LogSource['kind'];
}

/** A running simulation. */
export interface Simulation {
  readonly nodes: readonly SimNode[];
  stats(): SimulationStats;
  /** Stops traffic (if still running), drains and closes. Idempotent. */
  stop(): Promise<SimulationSummary>;
  /** Resolves with the summary when the run ended (by `durationMs` or `stop()`). */
  readonly done: Promise<SimulationSummary>;
}

const TICK_MS = 20;
const MAX_BACKLOG = 5000;

function checkCount(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min)
    throw new CliError(CLI_ERROR_CODES.INVALID_ARGUMENT, `${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

function checkRate(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0)
    throw new CliError(CLI_ERROR_CODES.INVALID_ARGUMENT, `${name} must be a number ≥ 0, got ${v}`);
  return v;
}

function buildNodes(o: SimulatorOptions, onEvent: () => void): SimNode[] {
  const workers = checkCount('workers', o.workers ?? 2, 1);
  const proxies = checkCount('proxies', o.proxies ?? 1, 0);
  const common = {
    endpoints: o.endpoints,
    onEvent,
    ...(o.writeBufferSize !== undefined ? { writeBufferSize: o.writeBufferSize } : {}),
    ...(o.flushIntervalMs !== undefined ? { flushIntervalMs: o.flushIntervalMs } : {}),
  };
  const spec: Array<[string, NodeRole]> = [['manager', 'manager']];
  for (let i = 1; i <= proxies; i++) spec.push([`proxy-${i}`, 'proxy']);
  for (let i = 1; i <= workers; i++) spec.push([`worker-${i}`, 'worker']);
  return spec.map(
    ([name, role]) =>
      new SimNode({
        ...common,
        name,
        role,
        ...(role === 'manager' ? { extraSubscriptions: [APP_TOPIC_PREFIX] } : {}),
      }),
  );
}

/** True when every node is up for every other node and knows all their subscriptions. */
function clusterReady(nodes: readonly SimNode[]): boolean {
  const all = nodes.flatMap((n) => n.subscriptions);
  return nodes.every((n) => n.up.size >= nodes.length - 1 && all.every((p) => n.node.seenTopics.has(p)));
}

/** Waits until the cluster formed; closes every node and rejects after `readyTimeoutMs`. */
async function waitForCluster(o: SimulatorOptions, nodes: readonly SimNode[]): Promise<void> {
  const readyBy = Date.now() + (o.readyTimeoutMs ?? 10_000);
  while (!clusterReady(nodes)) {
    if (Date.now() > readyBy) {
      await Promise.all(nodes.map((n) => n.close()));
      const up = nodes.map((n) => `${n.name}: ${n.up.size}/${nodes.length - 1} peers up`).join(', ');
      throw new CliError(
        CLI_ERROR_CODES.SIM_NOT_READY,
        `Simulated nodes did not see each other within ${o.readyTimeoutMs ?? 10_000} ms (${up}); is a hub listening at ${o.endpoints.hubXsub} and ${o.endpoints.hubXpub}?`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Connects the simulated nodes and starts traffic once they are all up. Rejects with
 * ZR_CLI_INVALID_ARGUMENT for bad options, ZR_CLI_SIM_NOT_READY when the cluster did not form in
 * `readyTimeoutMs` (every socket is closed then).
 */
export async function startSimulation(o: SimulatorOptions): Promise<Simulation> {
  const rate = checkRate('rate', o.rate ?? 100);
  const logRate = checkRate('log-rate', o.logRate ?? 200);
  const logs =
    (o.logRecords === 'generated' ? undefined : await recordedLogs()) ?? generatedLogs(o.seed ?? 1);
  let received = 0;
  const nodes = buildNodes(o, () => received++);
  for (const n of nodes) n.start();
  await waitForCluster(o, nodes);
  return runTraffic(o, nodes, { rate, logRate, logs }, () => received);
}

/**
 * The events: the mix picks a kind, the kind's senders take turns (each numbering its events of
 * that kind 1, 2, 3, …), and each event counts the simulated nodes subscribed to its topic as
 * expected deliveries.
 */
function eventTraffic(o: SimulatorOptions, nodes: readonly SimNode[]) {
  const cycle = new WeightedCycle(o.eventMix ?? DEFAULT_EVENT_MIX);
  const senders = new SenderRotation<SimNode>(
    new Map(EVENT_KINDS.map((k) => [k, nodes.filter((n) => EVENT_KIND_INFO[k].from.includes(n.role))])),
  );
  const subscribers = nodes.map((n) => ({ node: n, prefixes: n.subscriptions.map((s) => utf8.encode(s)) }));
  const deliveries = new Map<string, number>();
  const expectedFor = (topic: string, from: SimNode): number => {
    const key = `${from.name}\u0000${topic}`;
    let n = deliveries.get(key);
    if (n === undefined) {
      const t = utf8.encode(topic);
      n = subscribers.filter((s) => s.node !== from && s.prefixes.some((p) => topicMatches(p, t))).length;
      deliveries.set(key, n);
    }
    return n;
  };
  const counts = { sent: 0, expected: 0, byKind: zeroes(EVENT_KINDS) };
  return {
    counts,
    sendOne(now: number): void {
      const kind = cycle.next();
      const next = senders.next(kind);
      if (next === undefined) return;
      const p = planEvent(kind, next.node, next.seq, nodes, now);
      next.node.publish(p.topic, p.event as ZeekEvent);
      counts.sent++;
      counts.byKind[kind]++;
      counts.expected += expectedFor(p.topic, next.node);
    },
  };
}

/** The log records: the mix picks a stream, the workers take turns writing. */
function logTraffic(o: SimulatorOptions, nodes: readonly SimNode[], source: LogSource) {
  const cycle = new WeightedCycle(o.logMix ?? { conn: 60, dns: 30, http: 10 });
  const workers = nodes.filter((n) => n.role === 'worker');
  const counts = { records: 0, byStream: zeroes(STREAM_NAMES) };
  return {
    counts,
    logOne(now: number): void {
      const stream = cycle.next();
      const { header, record } = source.next(stream, now / 1000);
      workers[counts.records % workers.length]!.writeLog(header, record);
      counts.records++;
      counts.byStream[stream]++;
    },
  };
}

const utf8 = new TextEncoder();

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

interface Rates {
  readonly rate: number;
  readonly logRate: number;
  readonly logs: LogSource;
}

function runTraffic(o: SimulatorOptions, nodes: SimNode[], rates: Rates, received: () => number): Simulation {
  const events = eventTraffic(o, nodes);
  const logs = logTraffic(o, nodes, rates.logs);
  const start = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const elapsed = now - start;
    if (o.durationMs !== undefined && elapsed >= o.durationMs) {
      void stop();
      return;
    }
    if (nodes.reduce((a, n) => a + n.backlog, 0) < MAX_BACKLOG) {
      const dueEvents = Math.floor((rates.rate * elapsed) / 1000) - events.counts.sent;
      for (let i = 0; i < dueEvents; i++) events.sendOne(now);
      const dueLogs = Math.floor((rates.logRate * elapsed) / 1000) - logs.counts.records;
      for (let i = 0; i < dueLogs; i++) logs.logOne(now);
    }
    for (const n of nodes) n.tick(now);
  }, TICK_MS);
  const stats = (): SimulationStats => ({
    elapsedMs: Date.now() - start,
    nodes: nodes.length,
    nodesUp: nodes.filter((n) => n.up.size >= nodes.length - 1).length,
    eventsSent: events.counts.sent,
    eventsExpected: events.counts.expected,
    eventsReceived: received(),
    logRecords: logs.counts.records,
    logBatches: nodes.reduce((a, n) => a + n.stats.logBatches, 0),
  });
  let stopping: Promise<SimulationSummary> | undefined;
  let resolveDone: (s: SimulationSummary) => void = () => {};
  const done = new Promise<SimulationSummary>((r) => (resolveDone = r));
  const stop = (): Promise<SimulationSummary> =>
    (stopping ??= (async () => {
      clearInterval(timer);
      const elapsedMs = Date.now() - start;
      const s = await drain(o, nodes, events.counts.expected, received);
      const summary: SimulationSummary = {
        ...stats(),
        ...s,
        elapsedMs,
        eventsLost: Math.max(0, events.counts.expected - s.eventsReceived),
        eventsByKind: { ...events.counts.byKind },
        appEvents: events.counts.byKind.app,
        logRecordsByStream: { ...logs.counts.byStream },
        logSource: rates.logs.kind,
      };
      resolveDone(summary);
      return summary;
    })());
  return { nodes, stats, stop, done };
}

/**
 * The end of a run: flushes the logs, waits for every queued send and (up to `drainTimeoutMs`)
 * for the expected deliveries, then closes every node.
 */
async function drain(
  o: SimulatorOptions,
  nodes: readonly SimNode[],
  expected: number,
  received: () => number,
): Promise<{ eventsReceived: number; logBatchesDropped: number }> {
  for (const n of nodes) n.flushLogs();
  await Promise.all(nodes.map((n) => n.drained()));
  const until = Date.now() + (o.drainTimeoutMs ?? 3000);
  while (received() < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const eventsReceived = received();
  await Promise.all(nodes.map((n) => n.close()));
  return { eventsReceived, logBatchesDropped: nodes.reduce((a, n) => a + n.stats.logBatchesDropped, 0) };
}
