#!/usr/bin/env node
/**
 * `zeek-relay-log-sink`: the log sink as a process. Reads config from `ZR_SINK_*` / flags, starts
 * the sink and the HTTP side port (/healthz /readyz /metrics), and shuts down gracefully on
 * SIGTERM/SIGINT: readiness fails first, intake drains, files get `#close`, fsync, close.
 * `--help` lists every setting. Exit code 1 on bad config or a failed start. With the `stdout`
 * writer on, the service's own log goes to stderr so stdout carries only log records.
 */
import {
  type ConfigError,
  createLogger,
  createMetrics,
  describeConfig,
  onShutdown,
  startHealthServer,
} from '@zeek-relay/runtime';
import { pino } from 'pino';
import { SINK_ENV_PREFIX, SinkConfigSchema, loadSinkConfig, type SinkConfig } from './config.js';
import { createSink } from './sink.js';

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(
      `zeek-relay-log-sink: Zeek logger (ZeroMQ PULL) as a service\n\n${describeConfig(SinkConfigSchema, SINK_ENV_PREFIX)}\n`,
    );
    return;
  }
  let config: SinkConfig;
  try {
    config = loadSinkConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if ((err as ConfigError).code === 'ZR_CONFIG_INVALID') {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  const log = createLogger({
    service: 'log-sink',
    level: config.logLevel,
    ...(config.outputs.includes('stdout') ? { destination: pino.destination({ fd: 2, sync: false }) } : {}),
  });
  const metrics = createMetrics({ serviceName: 'zeek-relay-log-sink', global: true });
  const sink = createSink(config, { log, meter: metrics.meter });
  let http: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  onShutdown({ log, delayMs: config.shutdownGraceMs }, async () => {
    await sink.close();
    await http?.close();
    await metrics.shutdown();
  });
  try {
    http = await startHealthServer({
      host: config.httpHost,
      port: config.httpPort,
      log,
      metrics,
      readiness: () => sink.readiness(),
    });
    const { endpoint } = await sink.start();
    log.info({ endpoint, http: http.url }, 'Log sink started');
  } catch (err) {
    log.fatal({ err }, 'Could not start the log sink');
    await http?.close();
    await metrics.shutdown();
    log.flush();
    process.exit(1);
  }
}

await main();
