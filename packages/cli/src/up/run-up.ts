/**
 * The body of `zeek-relay up`, loaded only when `up` runs: the three services through their
 * factories, one health server, the status line, and the same stop handling as every service's
 * `main.ts` (runtime's `onShutdown`: signals, a closed output, grace period, exit codes).
 */
import {
  createLogger,
  createMetrics,
  onShutdown,
  startHealthServer,
  type HealthServer,
} from '@zeek-relay/runtime';
import { defaultEndpoints } from '../defaults.js';
import { CLI_ERROR_CODES, CliError } from '../errors.js';
import { StatusLine } from '../status-line.js';
import { startEventCounter, type EventCounter } from './event-counter.js';
import { startServices, type EmbeddedServices } from './services.js';
import type { LEVELS, UpFlags } from './up.js';
import { configBanner } from './zeek-config.js';

/** Runs until a signal or a closed stdout; throws CliError `ZR_CLI_SERVICE_UNAVAILABLE` if a service cannot start. */
export async function runUp(flags: UpFlags, logDir: string, level: (typeof LEVELS)[number]): Promise<void> {
  const log = createLogger({
    service: 'zeek-relay',
    level: level ?? 'warn',
    destination: process.stderr,
  });
  const metrics = createMetrics({ serviceName: 'zeek-relay' });
  // The same shape as a service's main.ts (runtime's runService): shutdown handling first,
  // then the services, one health server (the hub's port: /nodes, /metrics), then start.
  let services: EmbeddedServices | undefined;
  let health: HealthServer | undefined;
  const live: { counter?: EventCounter; status?: StatusLine; timer?: NodeJS.Timeout } = {};
  const shutdown = onShutdown({
    log,
    graceMs: 10_000,
    abort: () => services?.abort(),
    close: async () => {
      clearInterval(live.timer);
      live.status?.done();
      say('Shutting down…\n');
      await live.counter?.close();
      await health?.close();
      await services?.close();
      await metrics.shutdown();
      say('Stopped.\n');
    },
  });
  try {
    services = await startServices(
      {
        host: flags.host,
        xpubPort: flags.xpubPort,
        xsubPort: flags.xsubPort,
        gatewayPort: flags.gatewayPort,
        logPort: flags.logPort,
        logDir,
        logFormat: flags.logFormat as 'tsv' | 'json',
        zeekVersion: flags.zeekVersion,
      },
      { log, meter: metrics.meter },
    );
    const running = services;
    health = await startHealthServer({
      host: flags.host,
      port: flags.httpPort,
      log,
      metrics,
      readiness: () => running.readiness(),
      routes: (app) => running.routes(app),
    }).catch((cause: unknown) => {
      throw new CliError(
        CLI_ERROR_CODES.SERVICE_UNAVAILABLE,
        `Could not start the HTTP port on ${flags.host}:${flags.httpPort}: ${(cause as Error).message}`,
        { cause },
      );
    });
  } catch (err) {
    // Nothing keeps running: close what started, then main.ts reports the error.
    shutdown.uninstall();
    await health?.close();
    await services?.close();
    await metrics.shutdown();
    throw err;
  }
  const running = services;
  const counter = flags.eventStats
    ? startEventCounter(defaultEndpoints(flags.host, { xpub: flags.xpubPort, xsub: flags.xsubPort }).hubXpub)
    : undefined;
  say(`${configBanner({ ...flags }, logDir)}\n\n`);
  const line = new StatusLine(process.stdout, flags.statusInterval * 1000);
  live.counter = counter;
  live.status = line;
  live.timer = showStatus(line, running, counter);
}

/** Updates the status line every second: nodes, event and log rates. */
function showStatus(
  line: StatusLine,
  running: EmbeddedServices,
  counter: EventCounter | undefined,
): NodeJS.Timeout {
  let prev = { t: Date.now(), events: 0, logs: 0 };
  return setInterval(() => {
    const now = Date.now();
    const events = counter?.count() ?? 0;
    const logs = running.logRecords() ?? 0;
    const dt = Math.max(0.001, (now - prev.t) / 1000);
    const evRate = counter ? `${Math.round((events - prev.events) / dt)} events/s` : 'events/s not counted';
    const logRate =
      running.logRecords() === undefined
        ? 'log records/s n/a'
        : `${Math.round((logs - prev.logs) / dt)} log records/s`;
    line.update(
      `status: ${running.nodes()} Zeek nodes connected, ${evRate}, ${logRate} (${events} events, ${logs} log records total)`,
      now,
    );
    prev = { t: now, events, logs };
  }, 1000);
}

/** Writes to stdout unless it is gone (a closed pipe: the shutdown handler stops the process). */
function say(text: string): void {
  if (process.stdout.writable) process.stdout.write(text);
}
