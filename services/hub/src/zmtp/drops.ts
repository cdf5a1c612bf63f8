/**
 * Messages dropped per subscriber (`slowSubscriber=drop`), for the
 * `zeek_relay_hub_subscriber_drops_total{subscriber}` counter. The label names the Zeek node
 * behind the connection: its own `<node_topic_prefix>.<name>.` subscription, else the Identity of
 * its READY, else its address. Labels come from the network, so their number is capped: drops of
 * subscribers beyond the cap are counted under `other` (as the log sink caps its path label).
 * Counts are kept per label across reconnects (a counter never goes down).
 */
import type { Subscriber } from './subscriber.js';

/** The label of every subscriber beyond the cap. */
const OTHER_SUBSCRIBER = 'other';

export class SubscriberDrops {
  readonly #counts = new Map<string, number>();
  readonly #max: number;
  readonly #nodePrefix: string;

  constructor(maxLabels: number, nodeTopicPrefix: string) {
    this.#max = maxLabels;
    this.#nodePrefix = `${nodeTopicPrefix}.`;
  }

  /** Counts one dropped message of `sub`. */
  count(sub: Subscriber): void {
    sub.label ??= this.#labelOf(sub);
    this.#counts.set(sub.label, (this.#counts.get(sub.label) ?? 0) + 1);
  }

  /** Every label with its count (the metrics callback reads it at collection). */
  entries(): IterableIterator<[string, number]> {
    return this.#counts.entries();
  }

  #labelOf(sub: Subscriber): string {
    const name = this.#nameOf(sub);
    if (this.#counts.has(name)) return name;
    return this.#counts.size >= this.#max ? OTHER_SUBSCRIBER : name;
  }

  #nameOf(sub: Subscriber): string {
    const p = this.#nodePrefix;
    for (const key of sub.prefixes.keys()) {
      if (key.length > p.length + 1 && key.startsWith(p) && key.endsWith('.')) {
        const name = key.slice(p.length, -1);
        if (!name.includes('.')) return name;
      }
    }
    if (sub.conn.identity !== '') return sub.conn.identity;
    return sub.conn.address;
  }
}
