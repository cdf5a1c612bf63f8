import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Service name, bound as `service` on every line. */
  readonly service: string;
  readonly level?: LevelWithSilent;
  /** Defaults to stdout (see {@link logDestination}); tests pass a stream to read lines back. */
  readonly destination?: DestinationStream;
}

/**
 * A log destination on a file descriptor (1: stdout, 2: stderr) that never blocks the exit.
 * Synchronous on purpose: services log per event, never per message, so the cost is small; and
 * an asynchronous sonic-boom flushes synchronously at exit, which loops forever when the reader
 * of the pipe is gone (its `flushSync` retries every error, EPIPE included: a process piped to
 * `head` or `tee` would never end). Synchronous writes report EPIPE at once, and pino then stops
 * writing to that descriptor.
 */
export function logDestination(fd: 1 | 2): DestinationStream {
  return pino.destination({ fd, sync: true });
}

/**
 * The one root logger of a process (JSON lines on stdout). Components take `log.child({ component })`.
 * Never log per message on a data path: count instead.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? logDestination(1),
  );
}
