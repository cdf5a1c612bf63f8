/**
 * The one shape of every zeek-relay service process. A service package exports a factory
 * `createX(config, { log, meter })` returning {@link Service}; its `main.ts` is one
 * {@link runService} call, which does the rest the same way everywhere: `--help`, configuration,
 * logger, MeterProvider, health server, signal handling with a grace period, and the exit codes
 * of {@link EXIT_CODES}.
 */
import type { Meter } from '@opentelemetry/api';
import type { TObject } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, LevelWithSilent, Logger } from 'pino';
import { describeConfig } from './config.js';
import { EXIT_CODES } from './exit-codes.js';
import { startHealthServer, type HealthServer, type Readiness } from './health-server.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { onShutdown } from './shutdown.js';

/** Where the settings come from: only `main.ts` passes the real process's. */
export interface ServiceSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Arguments without node and script (`process.argv.slice(2)`). */
  readonly argv: readonly string[];
}

/** What every service factory receives from its host (`main.ts`, the CLI, a test). */
export interface ServiceDeps {
  readonly log: Logger;
  /** Meter for the service's instruments; the host owns the MeterProvider behind it. */
  readonly meter?: Meter;
}

/** What every service factory returns. Nothing opens before `start()`. */
export interface Service {
  /** Opens sockets and ports; resolves with fields worth logging (bound addresses). */
  start(): Promise<object | void>;
  /** Graceful, idempotent stop: readiness fails first, then everything closes in order. */
  close(): Promise<void>;
  /** For `/readyz`; cheap. */
  readiness(): Readiness;
  /** Extra routes on the health server (the hub's `/nodes`). */
  routes?(app: FastifyInstance): void;
  /** Synchronous last resort before a forced exit: stop native threads (see `onShutdown`). */
  abort?(): void;
}

/** Settings every service has. */
export interface CommonServiceConfig {
  readonly logLevel: LevelWithSilent;
  readonly shutdownGraceMs: number;
}

/** A service as {@link runService} runs it. */
export interface ServiceDefinition<C extends CommonServiceConfig> {
  /** Short name: `hub` → binary `zeek-relay-hub`, log field `service: hub`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  readonly schema: TObject;
  readonly envPrefix: string;
  loadConfig(sources: ServiceSources): C;
  /** Host and port of the health server; undefined: none. */
  health(config: C): { readonly host: string; readonly port: number } | undefined;
  /** Where the service's own log goes (default stdout). */
  logDestination?(config: C): DestinationStream | undefined;
  create(config: C, deps: Required<ServiceDeps>): Service;
  /**
   * Error codes that `create` or `start` throw for a bad configuration found only then (half a
   * CURVE key pair, a missing kubeconfig): they exit with `BAD_CONFIG`, not `START_FAILED`.
   */
  readonly configErrorCodes?: readonly string[];
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** One line on stderr for an operator at a terminal: `zeek-relay-hub: ZR_…: message`. */
function reportLine(binary: string, err: unknown): string {
  const code = codeOf(err);
  return `${binary}: ${code ? `${code}: ` : ''}${(err as Error).message ?? String(err)}\n`;
}

/**
 * Runs a service as this process: `--help`; configuration (bad: message on stderr, exit 1); the
 * root logger; the MeterProvider (global); the health server; start (failure: logged, everything
 * closed, exit 3, or 1 for a `configErrorCodes` error); then runs until a signal or a closed output and shuts down within
 * `shutdownGraceMs` (see {@link onShutdown} for the exit codes).
 */
export async function runService<C extends CommonServiceConfig>(
  def: ServiceDefinition<C>,
  sources: ServiceSources = { env: process.env, argv: process.argv.slice(2) },
): Promise<void> {
  const binary = `zeek-relay-${def.name}`;
  if (sources.argv.includes('--help') || sources.argv.includes('-h')) {
    process.stdout.write(
      `Usage: ${binary} [--flag value …]\n${def.summary}\n\n${describeConfig(def.schema, def.envPrefix)}\n`,
    );
    return;
  }
  let config: C;
  try {
    config = def.loadConfig(sources);
  } catch (err) {
    if (codeOf(err) !== 'ZR_CONFIG_INVALID') throw err;
    process.stderr.write(reportLine(binary, err));
    process.exitCode = EXIT_CODES.BAD_CONFIG;
    return;
  }
  const destination = def.logDestination?.(config);
  const log = createLogger({
    service: def.name,
    level: config.logLevel,
    ...(destination ? { destination } : {}),
  });
  const metrics = createMetrics({ serviceName: binary, global: true });
  let service: Service | undefined;
  let health: HealthServer | undefined;
  const shutdown = onShutdown({
    log,
    graceMs: config.shutdownGraceMs,
    abort: () => service?.abort?.(),
    close: async () => {
      await service?.close();
      await health?.close();
      await metrics.shutdown();
    },
  });
  try {
    service = def.create(config, { log, meter: metrics.meter });
    const at = def.health(config);
    if (at) {
      const svc = service;
      health = await startHealthServer({
        ...at,
        log,
        metrics,
        readiness: () => svc.readiness(),
        ...(svc.routes ? { routes: (app: FastifyInstance) => svc.routes?.(app) } : {}),
      });
    }
    const info = await service.start();
    log.info({ ...info, ...(health ? { health: health.url } : {}) }, `${binary} started`);
  } catch (err) {
    log.fatal({ err }, `${binary} could not start`);
    const code = codeOf(err);
    const badConfig = code !== undefined && (def.configErrorCodes ?? []).includes(code);
    if (badConfig) process.stderr.write(reportLine(binary, err));
    shutdown.stop(badConfig ? EXIT_CODES.BAD_CONFIG : EXIT_CODES.START_FAILED, 'could not start');
  }
}
