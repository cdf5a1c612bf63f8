import { ERROR_FRAMES } from './protocol.js';

/** Outcome of parsing the first data message of a connection (websocket-v1.md §2.2). */
export type SubscriptionParse =
  | { readonly ok: true; readonly prefixes: readonly string[] }
  | { readonly ok: false; readonly errorFrame: string };

/**
 * Parses the subscription message: a strict JSON array of strings (duplicates and `""` allowed).
 * Zeek parses this with a standard JSON parser (not Broker's), so `JSON.parse` has the same
 * acceptance set; trailing garbage or a non-array root is "subscriptions not an array", a
 * non-string element "individual subscription not a string". Never throws.
 */
export function parseSubscriptions(text: string): SubscriptionParse {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    // Any syntax error is the same client-visible error; the detail is not needed.
    void err;
    return { ok: false, errorFrame: ERROR_FRAMES.subscriptionsNotArray };
  }
  if (!Array.isArray(root)) return { ok: false, errorFrame: ERROR_FRAMES.subscriptionsNotArray };
  for (const item of root) {
    if (typeof item !== 'string') return { ok: false, errorFrame: ERROR_FRAMES.subscriptionNotString };
  }
  return { ok: true, prefixes: root as string[] };
}

/** Distinct prefixes sorted byte-wise, as `Cluster::websocket_client_added` reports them. */
export function distinctSorted(prefixes: readonly string[]): string[] {
  const bytes = [...new Set(prefixes)].map((p) => ({ p, b: Buffer.from(p, 'utf8') }));
  bytes.sort((x, y) => Buffer.compare(x.b, y.b));
  return bytes.map((x) => x.p);
}
