import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';

/** Options of {@link onShutdown}. */
export interface ShutdownOptions {
  readonly log: Logger;
  /**
   * Milliseconds the close function may take before the process exits anyway; keep it below the
   * pod's `terminationGracePeriodSeconds`.
   */
  readonly delayMs: number;
}

/**
 * Installs the process's one signal handler (SIGTERM, SIGINT, uncaught errors): runs `close` once,
 * logs the reason, then exits (code 1 after an error or a timeout). Returns a function that
 * removes the handler, e.g. after a manual close.
 */
export function onShutdown(options: ShutdownOptions, close: () => Promise<void>): () => void {
  const { log } = options;
  const handle = closeWithGrace(
    { delay: options.delayMs, logger: { error: (m: unknown) => log.error({ err: m }, 'Shutdown failed') } },
    async ({ signal, err }) => {
      if (err) log.error({ err }, 'Shutting down after an unexpected error');
      else log.info({ signal }, 'Shutting down');
      await close();
      log.info('Shut down');
      log.flush();
    },
  );
  return () => handle.uninstall();
}
