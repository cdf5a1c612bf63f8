/** The messages between the event loop (seal-pool.ts) and a seal worker (seal-worker.ts). */

/** One batch of a job: its plaintext and the subscribers it is boxed for. */
export interface SealGroupMessage {
  /** Every frame's bytes, one after another. */
  readonly plain: Uint8Array;
  /** Each frame's length, and how many frames each message has. */
  readonly frames: Uint32Array;
  readonly parts: Uint32Array;
  /** What boxing it once takes (the event loop cuts the reply with it). */
  readonly sealedLength: number;
  /** Pairs: a subscriber's id, the first nonce reserved for it. */
  readonly subs: Float64Array;
}

export type SealWorkerRequest =
  | { readonly t: 'add'; readonly sid: number; readonly state: Uint8Array }
  | { readonly t: 'drop'; readonly sid: number }
  | { readonly t: 'seal'; readonly groups: readonly SealGroupMessage[] }
  | { readonly t: 'close' }
  | { readonly t: 'crash' };

export type SealWorkerReply = { readonly t: 'sealed'; readonly out: Uint8Array };
