/**
 * Logs a warning per category at most once per window, with the number of events suppressed in
 * between: bad input never floods the log, and a burst still leaves one line per reason.
 */
import type { Logger } from '@zeek-relay/runtime';

export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs `msg` with `fields` unless `key` was logged less than the window ago. */
  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const t = this.now();
    const entry = this.last.get(key);
    if (entry && t - entry.at < this.windowMs) {
      entry.suppressed += 1;
      return;
    }
    this.log.warn({ ...fields, reason: key, suppressed: entry?.suppressed ?? 0 }, msg);
    this.last.set(key, { at: t, suppressed: 0 });
  }
}
