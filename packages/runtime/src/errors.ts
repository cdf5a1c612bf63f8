/** Stable error codes of @zeek-relay/runtime. */
export const RUNTIME_ERROR_CODES = {
  CONFIG_INVALID: 'ZR_CONFIG_INVALID',
} as const;

/**
 * Thrown once by {@link loadConfig} when the configuration is invalid. `problems` lists every
 * bad key (not just the first), each naming the environment variable or flag it came from.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = RUNTIME_ERROR_CODES.CONFIG_INVALID;
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}
