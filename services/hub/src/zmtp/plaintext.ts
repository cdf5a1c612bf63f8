/**
 * CURVE on the zmtp path: the plaintext of the batch being sealed, laid out once in libsodium's
 * memory (`SealSource` of `@zeek-relay/zmtp/curve`) for every subscriber that gets the same batch.
 * A read fans out to each matching subscriber as the same message objects, so when the core
 * flushes after the read the subscribers' batches are usually the same list: the first seals after
 * laying it out, the others box straight from there (no copy in per subscriber). A subscriber
 * whose batch differs (it dropped some, or a batch queued from an earlier read) lays out its own.
 */
import type { SealSource } from '@zeek-relay/zmtp/curve';

export type Messages = readonly (readonly Uint8Array[])[];

export class SharedPlaintext {
  readonly #source: SealSource;

  constructor(source: SealSource) {
    this.#source = source;
  }

  /** The source holding `messages`, laid out anew unless it holds the same message objects. */
  of(messages: Messages): SealSource {
    const s = this.#source;
    if (!sameMessages(s.messages, messages)) s.load(messages);
    return s;
  }

  /** Zeroes the plaintext laid out (after each read's flush: the next read's batch differs). */
  wipe(): void {
    this.#source.wipe();
  }

  /** Wipes the plaintext from libsodium's memory (shutdown; a later batch lays it out again). */
  dispose(): void {
    this.#source.dispose();
  }
}

/** Whether two batches hold the same message objects in the same order. */
export function sameMessages(a: Messages, b: Messages): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
