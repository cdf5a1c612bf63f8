/**
 * Prefix index from subscription prefixes to subscribers, for fan-out of cluster messages.
 *
 * Keys are "binary strings" (each UTF-8 byte as one latin1 char), so `startsWith` on them is the
 * byte-wise prefix match ZeroMQ and Zeek use (zeromq-wire.md §4.3) and a topic frame converts with
 * one `latin1Slice`. Lookup cost is one Map probe per distinct prefix length, independent of the
 * number of subscribers.
 */
export class TopicIndex<S> {
  readonly #byPrefix = new Map<string, Set<S>>();
  /** Distinct prefix lengths in use, with how many prefixes have that length. */
  readonly #lengths = new Map<number, number>();
  #sortedLengths: number[] = [];
  /** The last topic matched and its subscribers (cleared by every change): bursts repeat topics. */
  #memoTopic: string | undefined;
  #memo: S[] = [];

  /** UTF-8 bytes of `prefix` as a binary string (the key form of this index). */
  static key(prefix: string): string {
    return Buffer.from(prefix, 'utf8').toString('latin1');
  }

  /** Adds `sub` under each key; returns the keys that had no subscriber before (newly needed). */
  add(sub: S, keys: readonly string[]): string[] {
    this.#memoTopic = undefined;
    const fresh: string[] = [];
    for (const key of keys) {
      let set = this.#byPrefix.get(key);
      if (set === undefined) {
        set = new Set();
        this.#byPrefix.set(key, set);
        this.#lengths.set(key.length, (this.#lengths.get(key.length) ?? 0) + 1);
        this.#sortedLengths = [...this.#lengths.keys()].sort((a, b) => a - b);
        fresh.push(key);
      }
      set.add(sub);
    }
    return fresh;
  }

  /** Removes `sub` from each key; returns the keys left without any subscriber (no longer needed). */
  remove(sub: S, keys: readonly string[]): string[] {
    this.#memoTopic = undefined;
    const gone: string[] = [];
    for (const key of keys) {
      const set = this.#byPrefix.get(key);
      if (set === undefined || !set.delete(sub) || set.size > 0) continue;
      this.#byPrefix.delete(key);
      const n = (this.#lengths.get(key.length) ?? 1) - 1;
      if (n === 0) this.#lengths.delete(key.length);
      else this.#lengths.set(key.length, n);
      this.#sortedLengths = [...this.#lengths.keys()].sort((a, b) => a - b);
      gone.push(key);
    }
    return gone;
  }

  /**
   * Calls `visit` once per subscriber with at least one prefix of `topic` (binary string), even
   * when several of its prefixes match. Returns how many subscribers were visited.
   */
  match(topic: string, visit: (sub: S) => void): number {
    const subs = this.subscribers(topic);
    for (const s of subs) visit(s);
    return subs.length;
  }

  /**
   * The subscribers with at least one prefix of `topic` (binary string), each once. The array is
   * the index's own memo of the last topic: read it at once, never modify it; a change to the
   * index replaces it (so iterating it while subscribers come and go is safe).
   */
  subscribers(topic: string): readonly S[] {
    if (topic !== this.#memoTopic) {
      this.#memo = this.#collect(topic);
      this.#memoTopic = topic;
    }
    return this.#memo;
  }

  /** The subscribers with at least one prefix of `topic`, each once, in match order. */
  #collect(topic: string): S[] {
    const out: S[] = [];
    let first: Set<S> | undefined;
    let seen: Set<S> | undefined;
    for (const len of this.#sortedLengths) {
      if (len > topic.length) break;
      const set = this.#byPrefix.get(len === topic.length ? topic : topic.slice(0, len));
      if (set === undefined) continue;
      if (first === undefined) {
        // Common case: one matching prefix set; no de-duplication needed.
        first = set;
        for (const s of set) out.push(s);
        continue;
      }
      seen ??= new Set(first);
      for (const s of set) {
        if (seen.has(s)) continue;
        seen.add(s);
        out.push(s);
      }
    }
    return out;
  }

  /** Number of distinct prefixes held. */
  get size(): number {
    return this.#byPrefix.size;
  }
}
