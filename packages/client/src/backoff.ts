/** Reconnect policy of a {@link ZeekClient}. */
export interface ReconnectOptions {
  /** Reconnect after a lost connection. Default true. */
  readonly enabled?: boolean;
  /** Delay before the first retry, in ms. Default 100. */
  readonly initialDelayMs?: number;
  /** Upper bound of the delay, in ms. Default 5000. */
  readonly maxDelayMs?: number;
  /** Growth factor per failed attempt. Default 2. */
  readonly factor?: number;
  /** Give up after this many consecutive failed attempts (0 = never). Default 0. */
  readonly maxAttempts?: number;
}

/** The reconnect policy with defaults applied. */
export type ResolvedReconnect = Required<ReconnectOptions>;

/** Applies the defaults of {@link ReconnectOptions}. */
export function resolveReconnect(o: ReconnectOptions | boolean | undefined): ResolvedReconnect {
  const opts = typeof o === 'boolean' ? { enabled: o } : (o ?? {});
  return {
    enabled: opts.enabled ?? true,
    initialDelayMs: opts.initialDelayMs ?? 100,
    maxDelayMs: opts.maxDelayMs ?? 5000,
    factor: opts.factor ?? 2,
    maxAttempts: opts.maxAttempts ?? 0,
  };
}

/**
 * Delay before retry number `attempt` (0-based): exponential growth capped at `maxDelayMs`, with
 * "full jitter" in the upper half so that many clients restarted together do not reconnect in lockstep.
 * `random` is injectable for tests.
 */
export function backoffDelay(
  policy: ResolvedReconnect,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, attempt));
  return Math.round(base / 2 + (base / 2) * random());
}
