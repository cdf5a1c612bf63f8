#!/usr/bin/env node
import { createLogger, createMetrics, describeConfig, onShutdown } from '@zeek-relay/runtime';
import { ENV_PREFIX, GatewayConfigSchema, loadGatewayConfig } from './config.js';
import { createGateway } from './gateway.js';

/** `zeek-relay-gateway [--flag value …]`: settings from flags and ZR_GATEWAY_* variables. */
async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `Usage: zeek-relay-gateway [options]\n\n${describeConfig(GatewayConfigSchema, ENV_PREFIX)}\n`,
    );
    return;
  }
  let config;
  try {
    config = loadGatewayConfig(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const log = createLogger({ service: 'gateway', level: config.logLevel });
  const metrics = createMetrics({ serviceName: 'zeek-relay-gateway', global: true });
  const gateway = createGateway(config, { log, metrics });
  onShutdown({ log, delayMs: config.shutdownGraceMs }, async () => {
    await gateway.close();
    await metrics.shutdown();
  });
  try {
    const addr = await gateway.start();
    log.info({ url: addr.url, health: addr.healthUrl, nodeId: gateway.nodeId }, 'Gateway started');
  } catch (err) {
    log.fatal({ err }, 'Gateway could not start');
    await gateway.close();
    await metrics.shutdown();
    log.flush();
    process.exitCode = 1;
    process.exit();
  }
}

void main(process.argv.slice(2));
