/**
 * The simulated cluster's traffic: which events exist, who sends them where, and how a mix string
 * (`manager=40,app=20`) picks among them. Event names live in the `Sim::` module so they never
 * collide with real Zeek scripts (a real Zeek node in the same cluster must declare them to accept them).
 */
import { data, nodeTopic, TOPICS, type BrokerData, type NodeRole, type ZeekEvent } from '@zeek-relay/wire';
import { CLI_ERROR_CODES, CliError } from '../errors.js';

import type { EventKind } from './event-kinds.js';

export { DEFAULT_EVENT_MIX, EVENT_KINDS, type EventKind } from './event-kinds.js';

/** Topic prefix of application events (`zeek/…`, what `zeek-relay subscribe zeek/` shows). */
export const APP_TOPIC_PREFIX = 'zeek/sim/';

/** Who sends each kind, and what it imitates. */
export const EVENT_KIND_INFO: Readonly<
  Record<EventKind, { readonly from: readonly NodeRole[]; readonly what: string }>
> = {
  manager: {
    from: ['worker', 'proxy'],
    what: 'Cluster::publish(Cluster::manager_topic, …) from workers and proxies',
  },
  worker: {
    from: ['manager'],
    what: 'Cluster::publish(Cluster::worker_topic, …) broadcast from the manager',
  },
  pool: {
    from: ['worker'],
    what: 'Cluster::publish_hrw(Cluster::proxy_pool, key, …) to one proxy node topic',
  },
  node: { from: ['manager'], what: 'Cluster::publish_rr(Cluster::worker_pool, …) to one worker node topic' },
  app: {
    from: ['worker'],
    what: `application events on ${APP_TOPIC_PREFIX}<name> (the manager subscribes ${APP_TOPIC_PREFIX})`,
  },
};

/**
 * Parses `k=w,k=w` into weights over `names`. Unknown names, non-numbers, negative weights or an
 * all-zero mix fail with ZR_CLI_INVALID_ARGUMENT naming the flag. Names not listed get weight 0.
 */
export function parseMix<K extends string>(
  flag: string,
  text: string,
  names: readonly K[],
): Record<K, number> {
  const out = Object.fromEntries(names.map((n) => [n, 0])) as Record<K, number>;
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const m = /^([a-z]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (m === null || !names.includes(m[1] as K)) {
      throw new CliError(
        CLI_ERROR_CODES.INVALID_ARGUMENT,
        `${flag}: "${part}" is not <name>=<weight> with name one of ${names.join(', ')}`,
      );
    }
    out[m[1] as K] = Number(m[2]);
  }
  if (Object.values<number>(out).every((w) => w === 0)) {
    throw new CliError(CLI_ERROR_CODES.INVALID_ARGUMENT, `${flag}: at least one weight must be positive`);
  }
  return out;
}

/**
 * Deterministic weighted round-robin ("smooth weighted round-robin"): over any window the kinds
 * appear in proportion to their weights, without randomness, so counts in tests are exact.
 */
export class WeightedCycle<K extends string> {
  readonly #current = new Map<K, number>();
  readonly #total: number;
  constructor(private readonly weights: Readonly<Record<K, number>>) {
    this.#total = Object.values<number>(weights).reduce((a, b) => a + b, 0);
    for (const k of Object.keys(weights) as K[]) this.#current.set(k, 0);
  }
  next(): K {
    let best: K | undefined;
    let bestValue = -Infinity;
    for (const [k, c] of this.#current) {
      const v = c + this.weights[k];
      this.#current.set(k, v);
      if (this.weights[k] > 0 && v > bestValue) {
        best = k;
        bestValue = v;
      }
    }
    const chosen = best as K;
    this.#current.set(chosen, bestValue - this.#total);
    return chosen;
  }
}

/**
 * Who sends the next event of a kind, and its sequence number: each kind rotates over its own
 * senders, and each sender numbers its events of each kind 1, 2, 3, … A receiver tracking one
 * kind from one node sees no gaps. (One shared counter across kinds locked a kind to one sender
 * whenever the mix's period and the number of senders shared a factor: every `Sim::notice` came
 * from worker-2.)
 */
export class SenderRotation<N> {
  readonly #next = new Map<string, number>();
  readonly #seq = new Map<N, Map<string, number>>();
  constructor(private readonly senders: ReadonlyMap<string, readonly N[]>) {}

  /** The sender and its sequence number for the next event of `kind`, or undefined (no sender). */
  next(kind: string): { node: N; seq: number } | undefined {
    const from = this.senders.get(kind) ?? [];
    if (from.length === 0) return undefined;
    const i = this.#next.get(kind) ?? 0;
    this.#next.set(kind, (i + 1) % from.length);
    const node = from[i] as N;
    let perKind = this.#seq.get(node);
    if (perKind === undefined) this.#seq.set(node, (perKind = new Map()));
    const seq = (perKind.get(kind) ?? 0) + 1;
    perKind.set(kind, seq);
    return { node, seq };
  }
}

/** A simulated event ready to publish. */
export interface PlannedEvent {
  readonly topic: string;
  readonly event: ZeekEvent;
}

/** Minimal node view the planner needs. */
export interface PlanNode {
  readonly name: string;
  readonly role: NodeRole;
}

function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Builds the event of `kind` sent by `from` as its `seq`-th event of that kind. Arguments always start with
 * `(node: string, seq: count, ts: time)` so receivers can attribute and order them.
 */
export function planEvent(
  kind: EventKind,
  from: PlanNode,
  seq: number,
  nodes: readonly PlanNode[],
  nowMs: number,
): PlannedEvent {
  const head: BrokerData[] = [
    data.string(from.name),
    data.count(seq),
    data.timestamp(BigInt(nowMs) * 1_000_000n),
  ];
  const workers = nodes.filter((n) => n.role === 'worker');
  const proxies = nodes.filter((n) => n.role === 'proxy');
  switch (kind) {
    case 'manager':
      return {
        topic: TOPICS.manager,
        event: { name: 'Sim::stats_update', args: [...head, data.real((seq % 1000) / 8)] },
      };
    case 'worker':
      return {
        topic: TOPICS.worker,
        event: {
          name: 'Sim::config_change',
          args: [...head, data.string('Sim::threshold'), data.count(seq % 100)],
        },
      };
    case 'pool': {
      const indicator = `198.51.100.${seq % 256}`;
      const target = proxies.length > 0 ? proxies[hashName(indicator) % proxies.length] : undefined;
      const topic = target ? nodeTopic(target.name) : TOPICS.manager;
      return { topic, event: { name: 'Sim::intel_lookup', args: [...head, data.address(indicator)] } };
    }
    case 'node': {
      const target = workers[seq % Math.max(1, workers.length)];
      const topic = target ? nodeTopic(target.name) : TOPICS.worker;
      return { topic, event: { name: 'Sim::rebalance', args: [...head, data.count(seq % 16)] } };
    }
    case 'app':
      return {
        topic: `${APP_TOPIC_PREFIX}notice`,
        event: {
          name: 'Sim::notice',
          args: [
            ...head,
            data.vector(
              data.address(`10.0.${seq % 256}.7`),
              data.port(1024 + (seq % 60000), 'tcp'),
              data.address('93.184.216.34'),
              data.port(443, 'tcp'),
            ),
            data.string(`simulated notice #${seq} from ${from.name}`),
          ],
        },
      };
    default: {
      const never: never = kind;
      throw new TypeError(`unknown event kind ${String(never)}`);
    }
  }
}
