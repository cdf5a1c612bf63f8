import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `fn` every `pollMs` until it returns a value that is not undefined (API state converges
 * asynchronously; no timing assertions). An error thrown by `fn` counts as "not yet" and is named
 * if the hang guard `timeoutMs` (default 5 min) passes.
 */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 300_000,
  pollMs = 300,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(pollMs);
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
