/**
 * Node registry (pure state, no sockets): which Zeek nodes are connected, learnt from the
 * subscription notifications the hub XSUB forwards (zeromq-wire.md §4.2, §5).
 *
 * The hub XSUB reports every `0x01` it forwards and a `0x00` only when the last holder of a
 * prefix is gone (§4.5), so a plain set of prefixes mirrors the hub's view exactly. A node is
 * "up" while `<nodeid prefix>.<id>.` is subscribed, which is precisely what Zeek nodes use for
 * `node_up`/`node_down`. Names come from `<node prefix>.<name>.` subscriptions matched against
 * the `zeromq_<name>_…` id, falling back to splitting the id.
 */

/** One connected Zeek node, as served by `GET /nodes`. */
export interface NodeInfo {
  /** `Cluster::node` of the process (from its node topic or its id). */
  readonly name: string;
  /** `Cluster::node_id()`. */
  readonly id: string;
  /** When the hub first saw the nodeid subscription (ISO 8601). */
  readonly connectedSince: string;
}

/** What one notification changed. */
export interface RegistryUpdate {
  /** +1 / -1 when the set of distinct prefixes changed, else 0 (a repeated subscribe). */
  readonly distinctDelta: number;
  readonly nodeUp?: NodeInfo;
  readonly nodeDown?: NodeInfo;
  /**
   * Set with `nodeUp` when the same node id was down before: the process survived its drop (a
   * freeze past the heartbeat timeout, a network cut) and its libzmq reconnected through the
   * pipes it kept, so the node itself never saw the others go down (see rejoin.ts).
   */
  readonly rejoined?: boolean;
}

/** How many ids of nodes that went down are remembered to recognise a rejoin. */
const REMEMBERED_DOWN = 4096;

/** Topic prefixes the registry interprets (Zeek's `node_topic_prefix` / `nodeid_topic_prefix`). */
export interface RegistryOptions {
  readonly nodeTopicPrefix: string;
  readonly nodeidTopicPrefix: string;
}

const ID_TAIL = /_[^_]*_\d+_N[0-9A-Za-z]*$/;

/** Mirrors the hub's subscription set and derives the node list from it. */
export class NodeRegistry {
  readonly #prefixes = new Set<string>();
  readonly #nodes = new Map<string, { id: string; since: Date }>();
  readonly #names = new Set<string>();
  /** Ids whose nodeid subscription went away, oldest first (bounded). */
  readonly #down = new Set<string>();
  readonly #nodeidPrefix: string;
  readonly #nodePrefix: string;

  constructor(options: RegistryOptions) {
    this.#nodeidPrefix = `${options.nodeidTopicPrefix}.`;
    this.#nodePrefix = `${options.nodeTopicPrefix}.`;
  }

  /** Applies one `0x01`/`0x00` notification for `prefix`, observed at `now`. */
  apply(subscribe: boolean, prefix: string, now: Date): RegistryUpdate {
    const had = this.#prefixes.has(prefix);
    if (subscribe) this.#prefixes.add(prefix);
    else this.#prefixes.delete(prefix);
    const distinctDelta = subscribe === had ? 0 : subscribe ? 1 : -1;
    if (distinctDelta === 0) return { distinctDelta };

    const id = this.#strip(prefix, this.#nodeidPrefix);
    if (id !== undefined) {
      if (subscribe) {
        this.#nodes.set(id, { id, since: now });
        const rejoined = this.#down.delete(id);
        return { distinctDelta, nodeUp: this.#info(id, now), ...(rejoined ? { rejoined } : {}) };
      }
      const known = this.#nodes.get(id);
      this.#nodes.delete(id);
      this.#down.add(id);
      if (this.#down.size > REMEMBERED_DOWN) this.#down.delete(this.#down.values().next().value as string);
      return known ? { distinctDelta, nodeDown: this.#info(id, known.since) } : { distinctDelta };
    }
    const name = this.#strip(prefix, this.#nodePrefix);
    if (name !== undefined) {
      if (subscribe) this.#names.add(name);
      else this.#names.delete(name);
    }
    return { distinctDelta };
  }

  /** Connected nodes, ordered by name then id. */
  nodes(): NodeInfo[] {
    return [...this.#nodes.values()]
      .map((n) => this.#info(n.id, n.since))
      .sort((a, b) => (a.name === b.name ? cmp(a.id, b.id) : cmp(a.name, b.name)));
  }

  /** Distinct subscribed prefixes, sorted (the order the hub replays them in). */
  subscriptions(): string[] {
    return [...this.#prefixes].sort(cmp);
  }

  /** Forgets everything (the hub's sockets were recreated). */
  clear(): void {
    this.#prefixes.clear();
    this.#nodes.clear();
    this.#names.clear();
    this.#down.clear();
  }

  #strip(prefix: string, start: string): string | undefined {
    if (!prefix.startsWith(start) || !prefix.endsWith('.') || prefix.length <= start.length + 1)
      return undefined;
    return prefix.slice(start.length, -1);
  }

  #info(id: string, since: Date): NodeInfo {
    return { name: this.#nameOf(id), id, connectedSince: since.toISOString() };
  }

  /** Longest subscribed node name `n` with `id` starting `zeromq_<n>_`, else split the id. */
  #nameOf(id: string): string {
    let best: string | undefined;
    for (const n of this.#names) {
      if (id.startsWith(`zeromq_${n}_`) && (best === undefined || n.length > best.length)) best = n;
    }
    if (best !== undefined) return best;
    if (id.startsWith('zeromq_') && ID_TAIL.test(id)) return id.slice('zeromq_'.length).replace(ID_TAIL, '');
    return id;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
