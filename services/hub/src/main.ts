#!/usr/bin/env node
/**
 * `zeek-relay-hub`: the hub as a process. Reads config from `ZR_HUB_*` / flags, starts the hub
 * with the HTTP side port, and shuts down gracefully on SIGTERM/SIGINT (close-with-grace).
 * `--help` lists every setting. Exit codes: 0 after a clean shutdown, 1 on bad config or a
 * failed start (the error is logged), as close-with-grace reports otherwise.
 */
import type { ConfigError } from '@zeek-relay/runtime';
import { createLogger, createMetrics, describeConfig, onShutdown } from '@zeek-relay/runtime';
import { HUB_ENV_PREFIX, HubConfigSchema, loadHubConfig } from './config.js';
import { createHub } from './hub.js';

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(
      `zeek-relay-hub: Zeek-compatible ZeroMQ XPUB/XSUB hub\n\n${describeConfig(HubConfigSchema, HUB_ENV_PREFIX)}\n`,
    );
    return;
  }
  let config;
  try {
    config = loadHubConfig();
  } catch (err) {
    if (err instanceof Error && (err as ConfigError).code === 'ZR_CONFIG_INVALID') {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  const log = createLogger({ service: 'hub', level: config.logLevel });
  const metrics = createMetrics({ serviceName: 'zeek-relay-hub', global: true });
  const hub = createHub(config, { log, metrics });
  onShutdown({ log, delayMs: config.shutdownGraceMs }, async () => {
    await hub.close();
    await metrics.shutdown();
  });
  try {
    await hub.start();
  } catch (err) {
    log.fatal({ err }, 'Could not start the hub');
    await metrics.shutdown();
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    // close-with-grace keeps its signal handlers installed; leave explicitly.
    process.exit(1);
  }
}

await main();
