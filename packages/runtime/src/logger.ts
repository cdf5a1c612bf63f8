import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Service name, bound as `service` on every line. */
  readonly service: string;
  readonly level?: LevelWithSilent;
  /** Defaults to stdout; tests pass a stream to read lines back. */
  readonly destination?: DestinationStream;
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
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
