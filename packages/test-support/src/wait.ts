/**
 * Waiting for a condition. Tests wait on the event itself; the limit is only a hang guard, so a
 * loaded machine (load 10+) makes a test slow, never wrong.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The default hang guard of {@link until}: long enough for a starved 2-core machine. */
export const HANG_GUARD_MS = 120_000;

/** Options of {@link until}. */
export interface UntilOptions {
  /** Hang guard (default {@link HANG_GUARD_MS}). */
  readonly limitMs?: number;
  /** Pause between two checks (default 10 ms). */
  readonly stepMs?: number;
}

/**
 * Checks `cond` until it holds; rejects naming `what` once `limitMs` passed (a hang becomes a
 * failure). `cond` may be async; an exception it throws is a failure at once.
 */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  options: UntilOptions | number = {},
): Promise<void> {
  const { limitMs = HANG_GUARD_MS, stepMs = 10 } =
    typeof options === 'number' ? { limitMs: options } : options;
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}
