/**
 * Logs a warning per category at most once per window, with the number of events suppressed in
 * between: a misconfigured peer reconnecting every 100 ms, or a stream of bad input, never floods
 * the log, and a burst still leaves one line per reason. Used by the hub and the log sink for
 * rejected handshakes and ZAP rejections.
 */

/** The one method needed of a logger (pino's signature). */
export interface WarnLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}

export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: WarnLogger,
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
