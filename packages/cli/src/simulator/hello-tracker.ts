/**
 * The node discovery protocol of Zeek's ZeroMQ backend (zeromq-wire.md §5.1/§5.2) for one
 * simulated node, as a pure state machine: inputs are subscription notifications seen on the
 * node's XPUB and hello events received on its XSUB; outputs are the hello events to publish and
 * the `node_up`/`node_down` the node would raise. No sockets, no timers.
 */
import {
  clusterHello,
  nodeIdFromTopic,
  parseHello,
  zeromqHello,
  type HelloMessage,
  type ZeekEvent,
} from '@zeek-relay/wire';

/** What the node does in reaction to an input. */
export type HelloAction =
  | { readonly kind: 'publish'; readonly message: HelloMessage }
  | { readonly kind: 'node_up'; readonly name: string; readonly id: string }
  | { readonly kind: 'node_down'; readonly name: string; readonly id: string };

/**
 * Per-node hello state. Mirrors Zeek's script logic: a node-id subscription is handled only the
 * first time it is seen (`Cluster::Backend::ZeroMQ::subscription` fires once per topic); each
 * ordered pair of nodes exchanges exactly one ZeroMQ hello and one Cluster hello; `node_up` is
 * raised when the peer's `Cluster::hello` arrives.
 */
export class HelloTracker {
  /** Node ids whose node-id subscription was seen (Zeek's `nodeid_subscriptions`, never expired here). */
  readonly #subscribed = new Set<string>();
  /** ZeroMQ hellos received before the matching subscription (`nodeid_hellos`). */
  readonly #hellos = new Map<string, string>();
  /** Peers that got our Cluster::hello (so it is sent once). */
  readonly #greeted = new Set<string>();
  /** Name → id of peers that are up. */
  readonly #up = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly id: string,
  ) {}

  /** Peers currently up (name → node id). */
  get up(): ReadonlyMap<string, string> {
    return this.#up;
  }

  /** A `0x01`/`0x00` notification for `prefix` arrived on the node's XPUB. */
  onSubscription(prefix: string, subscribe: boolean): HelloAction[] {
    const peer = nodeIdFromTopic(prefix);
    if (peer === undefined || peer === this.id) return [];
    if (!subscribe) {
      this.#subscribed.delete(peer);
      this.#hellos.delete(peer);
      this.#greeted.delete(peer);
      for (const [name, id] of this.#up) {
        if (id === peer) {
          this.#up.delete(name);
          return [{ kind: 'node_down', name, id }];
        }
      }
      return [];
    }
    if (this.#subscribed.has(peer)) return [];
    this.#subscribed.add(peer);
    const out: HelloAction[] = [{ kind: 'publish', message: zeromqHello(this.name, this.id, peer) }];
    if (this.#hellos.has(peer)) out.push(...this.#greet(peer));
    return out;
  }

  /** An event arrived on the node's XSUB (any event; non-hello events are ignored). */
  onEvent(ev: ZeekEvent): HelloAction[] {
    const h = parseHello(ev);
    if (h === undefined || h.id === this.id) return [];
    if (h.kind === 'zeromq') {
      this.#hellos.set(h.id, h.name);
      return this.#subscribed.has(h.id) ? this.#greet(h.id) : [];
    }
    const known = this.#up.get(h.name);
    if (known === h.id) return [];
    this.#up.set(h.name, h.id);
    const out: HelloAction[] = [];
    if (known !== undefined) out.push({ kind: 'node_down', name: h.name, id: known });
    out.push({ kind: 'node_up', name: h.name, id: h.id });
    return out;
  }

  #greet(peer: string): HelloAction[] {
    if (this.#greeted.has(peer)) return [];
    this.#greeted.add(peer);
    return [{ kind: 'publish', message: clusterHello(this.name, this.id, peer) }];
  }
}
