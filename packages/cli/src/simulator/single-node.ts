/**
 * Exactly one simulated Zeek node (a manager, a proxy or a worker) with given endpoints, as one
 * Zeek process in a pod is: it connects, subscribes, answers the hello exchange of whatever peers
 * appear (other processes, other pods) and sends its share of the traffic, without waiting for a
 * cluster to form. `startSimulation` runs a whole cluster in one process instead.
 */
import type { NodeRole, ZeekEvent } from '@zeek-relay/wire';
import { CLI_ERROR_CODES, CliError } from '../errors.js';
import { generatedLogs } from './log-source.js';
import type { StreamName } from './log-streams.js';
import { SimNode, type NodeEndpoints, type SimNodeCurve, type SimNodeStats } from './sim-node.js';
import {
  APP_TOPIC_PREFIX,
  DEFAULT_EVENT_MIX,
  EVENT_KIND_INFO,
  EVENT_KINDS,
  planEvent,
  WeightedCycle,
  type EventKind,
  type PlanNode,
} from './traffic.js';

/** Options of {@link startSingleNode}. */
export interface SingleNodeOptions {
  /** The Zeek node name (`manager`, `proxy-1`, `worker-3`, …). */
  readonly name: string;
  readonly role: NodeRole;
  readonly endpoints: NodeEndpoints;
  /** Events per second this node sends (of the kinds its role sends). Default 2. */
  readonly rate?: number;
  /** Log records per second this node writes. Default 20 for a worker, 0 otherwise. */
  readonly logRate?: number;
  readonly eventMix?: Readonly<Record<EventKind, number>>;
  readonly logMix?: Readonly<Record<StreamName, number>>;
  readonly writeBufferSize?: number;
  readonly flushIntervalMs?: number;
  readonly curve?: SimNodeCurve;
  /** PRNG seed for log records. Default 1. */
  readonly seed?: number;
}

/** A running single node. */
export interface SingleNode {
  readonly node: SimNode;
  /** Names of the peers this node currently sees up (after their hello). */
  peers(): string[];
  /** Stops traffic, flushes logs, waits for queued sends and closes. Idempotent. */
  stop(): Promise<SimNodeStats>;
}

const TICK_MS = 50;

/** The role a peer has by Zeek's layout naming (`proxy-N`, `worker-N`, `logger-N`, `manager`). */
function roleOf(name: string): NodeRole | undefined {
  const m = /^(manager|proxy|worker|logger)(?:-|$)/.exec(name);
  return m?.[1] as NodeRole | undefined;
}

function checkRate(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0)
    throw new CliError(CLI_ERROR_CODES.INVALID_ARGUMENT, `${name} must be a number ≥ 0, got ${v}`);
  return v;
}

/** Connects one node and starts its traffic right away. */
export function startSingleNode(o: SingleNodeOptions): SingleNode {
  const rate = checkRate('rate', o.rate ?? 2);
  const logRate = checkRate('log-rate', o.logRate ?? (o.role === 'worker' ? 20 : 0));
  const node = new SimNode({
    name: o.name,
    role: o.role,
    endpoints: o.endpoints,
    ...(o.role === 'manager' ? { extraSubscriptions: [APP_TOPIC_PREFIX] } : {}),
    ...(o.curve ? { curve: o.curve } : {}),
    ...(o.writeBufferSize !== undefined ? { writeBufferSize: o.writeBufferSize } : {}),
    ...(o.flushIntervalMs !== undefined ? { flushIntervalMs: o.flushIntervalMs } : {}),
  });
  // Only the kinds this role sends; a role that sends none (none today) sends no events.
  const mix = o.eventMix ?? DEFAULT_EVENT_MIX;
  const own = Object.fromEntries(
    EVENT_KINDS.map((k) => [k, EVENT_KIND_INFO[k].from.includes(o.role) ? mix[k] : 0]),
  ) as Record<EventKind, number>;
  const events = Object.values(own).some((w) => w > 0) ? new WeightedCycle(own) : undefined;
  const logs = new WeightedCycle(o.logMix ?? { conn: 60, dns: 30, http: 10 });
  const gen = generatedLogs(o.seed ?? 1);
  const peers = (): PlanNode[] =>
    [...node.up.values()].flatMap((name) => {
      const role = roleOf(name);
      return role ? [{ name, role }] : [];
    });
  node.start();
  const start = Date.now();
  let sent = 0;
  let written = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    const elapsed = now - start;
    if (node.backlog < 1000) {
      const all = [node, ...peers()];
      for (let due = Math.floor((rate * elapsed) / 1000) - sent; events && due > 0; due--) {
        const p = planEvent(events.next(), node, ++sent, all, now);
        node.publish(p.topic, p.event as ZeekEvent);
      }
      for (let due = Math.floor((logRate * elapsed) / 1000) - written; due > 0; due--) {
        const stream = logs.next();
        const { header, record } = gen.next(stream, now / 1000);
        node.writeLog(header, record);
        written++;
      }
    }
    node.tick(now);
  }, TICK_MS);
  let stopping: Promise<SimNodeStats> | undefined;
  return {
    node,
    peers: () => [...node.up.values()].sort(),
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        await node.close();
        return node.stats;
      })()),
  };
}
