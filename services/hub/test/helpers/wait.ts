/** Polls `cond` until true; rejects after `timeoutMs` with `what` (a failure, not a timing claim). */
export async function waitFor(
  cond: () => boolean,
  what: string,
  timeoutMs = 120_000,
  stepMs = 10,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `tcp://0.0.0.0:1234` → `tcp://127.0.0.1:1234` (a bound wildcard address is not connectable). */
export function connectable(endpoint: string): string {
  return endpoint.replace('tcp://0.0.0.0:', 'tcp://127.0.0.1:').replace('tcp://[::]:', 'tcp://[::1]:');
}
