/**
 * The exit codes of every zeek-relay process (the four services and the `zeek-relay` CLI), in one
 * place. Each service README points here; the table in this package's README is the same list.
 */
export const EXIT_CODES = {
  /** Stopped cleanly: a signal (SIGTERM, SIGINT, SIGHUP), a closed stdout, or the command finished. */
  OK: 0,
  /** Bad configuration: an invalid setting, variable or flag value (`ZR_CONFIG_INVALID`). */
  BAD_CONFIG: 1,
  /** Usage error of the CLI: unknown command or flag, missing argument. */
  USAGE: 2,
  /**
   * Could not start, or a service the command needs is unreachable: a port in use, unreadable key
   * or certificate files, the hub not answering.
   */
  START_FAILED: 3,
  /**
   * Failed while running: an unexpected error (logged), or a CLI command whose work failed
   * (`publish`: the gateway rejected an event).
   */
  FAILED: 4,
  /**
   * The graceful shutdown was cut short: a second signal, or the shutdown grace period ran out.
   * Native threads are stopped first, so the process still exits.
   */
  SHUTDOWN_FORCED: 5,
} as const;

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
