import type { Logger } from 'pino';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';

/** Options of {@link onShutdown}. */
export interface ShutdownOptions {
  readonly log: Logger;
  /**
   * Milliseconds the graceful close may take before the process exits anyway; keep it below the
   * pod's `terminationGracePeriodSeconds`.
   */
  readonly graceMs: number;
  /** Closes everything the process opened, in order. Runs at most once. */
  readonly close: () => Promise<void>;
  /**
   * Synchronous last resort before a forced exit: stops native threads (the hub's proxy runs on a
   * libuv pool thread, and `process.exit` waits for every pool thread) so the exit cannot block.
   */
  readonly abort?: () => void;
  /** Output streams whose failure (EPIPE: the reader went away) asks the process to stop. */
  readonly streams?: readonly NodeJS.EventEmitter[];
  /** Ends the process (tests replace it). Default `process.exit`. */
  readonly exit?: (code: ExitCode) => void;
}

/** The handle {@link onShutdown} returns. */
export interface Shutdown {
  /**
   * Starts the graceful close (once; later calls are ignored) and exits with `code` when it is
   * done, or with `SHUTDOWN_FORCED` when the grace period runs out first.
   */
  stop(code: ExitCode, reason: string, err?: unknown): void;
  /** True once stopping began. */
  readonly stopping: boolean;
  /** Removes every handler (tests). */
  uninstall(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function isBrokenPipe(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * Installs the process's one stop handler. The first SIGTERM, SIGINT or SIGHUP, or a closed
 * output stream (EPIPE), starts the graceful close; an uncaught error does too but exits with
 * `FAILED`. A second signal, or the grace period running out, stops native threads (`abort`) and
 * exits with `SHUTDOWN_FORCED` at once. Errors during the close are logged and never end the
 * process early, so the close still finishes (or the grace period ends it).
 */
export function onShutdown(options: ShutdownOptions): Shutdown {
  const { log } = options;
  const exit = options.exit ?? ((code: ExitCode) => process.exit(code));
  let stopping = false;
  let exited = false;
  const end = (code: ExitCode): void => {
    if (exited) return;
    exited = true;
    // A real exit keeps the handlers to the end: Node's teardown can take a moment (it joins the
    // thread pool), and a signal arriving then would otherwise kill the process with the default
    // action instead of letting it exit with its code. An injected exit (tests) cleans up.
    if (options.exit) uninstall();
    exit(code);
  };
  const force = (reason: string): void => {
    log.error({ reason }, 'Shutdown cut short');
    try {
      options.abort?.();
    } catch (err) {
      log.error({ err }, 'Could not stop native threads');
    }
    end(EXIT_CODES.SHUTDOWN_FORCED);
  };
  const stop = (code: ExitCode, reason: string, err?: unknown): void => {
    if (stopping) return;
    stopping = true;
    if (err === undefined) log.info({ reason }, 'Shutting down');
    else log.fatal({ err, reason }, 'Shutting down after an unexpected error');
    const timer = setTimeout(() => force(`grace period of ${options.graceMs} ms over`), options.graceMs);
    options.close().then(
      () => {
        clearTimeout(timer);
        log.info('Shut down');
        end(code);
      },
      (closeErr: unknown) => {
        clearTimeout(timer);
        log.error({ err: closeErr }, 'Shutdown failed');
        force('shutdown failed');
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) force(`second ${signal}`);
    else stop(EXIT_CODES.OK, signal);
  };
  const onError = (err: unknown): void => {
    if (isBrokenPipe(err)) stop(EXIT_CODES.OK, 'output closed');
    else if (stopping) log.error({ err }, 'Error while shutting down');
    else stop(EXIT_CODES.FAILED, 'unexpected error', err);
  };
  const onStreamError = (err: unknown): void => stop(EXIT_CODES.OK, `output closed (${String(err)})`);
  const streams: readonly NodeJS.EventEmitter[] = options.streams ?? [process.stdout, process.stderr];
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  for (const s of streams) s.on('error', onStreamError);
  function uninstall(): void {
    for (const s of SIGNALS) process.off(s, onSignal);
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
    for (const s of streams) s.off('error', onStreamError);
  }
  return {
    stop,
    get stopping() {
      return stopping;
    },
    uninstall,
  };
}
