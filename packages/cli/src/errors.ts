/**
 * Errors raised by @zeek-relay/cli. Callers branch on `code`; `main.ts` prints `message` and exits
 * with `exitCode` (one of @zeek-relay/runtime's `EXIT_CODES`).
 */
import { EXIT_CODES, type ExitCode } from '@zeek-relay/runtime/exit-codes';

/** Stable error codes of the CLI package. */
export const CLI_ERROR_CODES = {
  /** A flag or argument is missing, unknown or has a bad value. Exit code 2 (`USAGE`). */
  INVALID_ARGUMENT: 'ZR_CLI_INVALID_ARGUMENT',
  /** The simulated nodes did not all see each other (hub unreachable?) in time. Exit code 3 (`START_FAILED`). */
  SIM_NOT_READY: 'ZR_CLI_SIM_NOT_READY',
  /** A service could not start (port in use, …) or is not reachable. Exit code 3 (`START_FAILED`). */
  SERVICE_UNAVAILABLE: 'ZR_CLI_SERVICE_UNAVAILABLE',
  /** An HTTP request to a service failed or returned an unexpected answer. Exit code 3 (`START_FAILED`). */
  REQUEST_FAILED: 'ZR_CLI_REQUEST_FAILED',
} as const;

/** Union of all CLI error codes. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[keyof typeof CLI_ERROR_CODES];

/** Base class of every error raised by the CLI. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Process exit code for this error: `USAGE` for usage errors, `START_FAILED` otherwise. */
  get exitCode(): ExitCode {
    return this.code === CLI_ERROR_CODES.INVALID_ARGUMENT ? EXIT_CODES.USAGE : EXIT_CODES.START_FAILED;
  }
}
