#!/usr/bin/env node
/** Process entry point: config → logger → metrics → health server → operator; one shutdown handler. */
import {
  createLogger,
  createMetrics,
  describeConfig,
  onShutdown,
  startHealthServer,
} from '@zeek-relay/runtime';
import {
  kubeconfigFromEnv,
  loadOperatorConfig,
  OPERATOR_ENV_PREFIX,
  OperatorConfigSchema,
} from './config.js';
import { createOperator } from './operator.js';

if (process.argv.includes('--help')) {
  process.stdout.write(`zeek-relay-operator\n${describeConfig(OperatorConfigSchema, OPERATOR_ENV_PREFIX)}\n`);
  process.exit(0);
}
/** Bad configuration or credentials: one clear line on stderr and exit 1, never a stack trace. */
function fail(err: unknown): never {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string' && e.code.startsWith('ZR_')) {
    process.stderr.write(`zeek-relay-operator: ${e.code}: ${String(e.message)}\n`);
    process.exit(1);
  }
  throw err;
}

let config: ReturnType<typeof loadOperatorConfig>;
try {
  config = loadOperatorConfig(process.argv.slice(2));
} catch (err) {
  fail(err);
}
const log = createLogger({ service: 'operator', level: config.logLevel });
const metrics = createMetrics({ serviceName: 'zeek-relay-operator', global: true });
let operator: ReturnType<typeof createOperator>;
try {
  operator = createOperator(config, { log, metrics, kubeconfig: kubeconfigFromEnv() });
} catch (err) {
  fail(err);
}
const health = await startHealthServer({
  host: config.healthHost,
  port: config.healthPort,
  log,
  metrics,
  readiness: () =>
    operator.ready() ? { ready: true } : { ready: false, reason: 'not leading or caches not synced' },
});
onShutdown({ log, delayMs: config.shutdownGraceMs }, async () => {
  await health.close();
  await operator.close();
  await metrics.shutdown();
});
log.info({ port: health.port }, 'Started health server');
void operator.start().catch((err: unknown) => {
  log.error({ err }, 'Could not start operator');
  process.kill(process.pid, 'SIGTERM');
});
