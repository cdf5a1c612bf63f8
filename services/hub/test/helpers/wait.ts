import { until } from '@zeek-relay/test-support';

/** Polls `cond` until true; rejects after `timeoutMs` with `what` (a hang guard, not a timing claim). */
export function waitFor(
  cond: () => boolean,
  what: string,
  timeoutMs?: number,
  stepMs?: number,
): Promise<void> {
  return until(what, cond, { limitMs: timeoutMs, stepMs });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `tcp://0.0.0.0:1234` → `tcp://127.0.0.1:1234` (a bound wildcard address is not connectable). */
export function connectable(endpoint: string): string {
  return endpoint.replace('tcp://0.0.0.0:', 'tcp://127.0.0.1:').replace('tcp://[::]:', 'tcp://[::1]:');
}
