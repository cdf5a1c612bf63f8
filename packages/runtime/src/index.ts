export { ConfigError, RUNTIME_ERROR_CODES } from './errors.js';
export {
  loadConfig,
  resolveConfig,
  describeConfig,
  toEnvName,
  toFlagName,
  LogLevelSchema,
  ZeekVersionSchema,
  type ConfigSources,
} from './config.js';
export { createLogger, logDestination, type Logger, type LoggerOptions } from './logger.js';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.js';
export {
  startHealthServer,
  type HealthServer,
  type HealthServerOptions,
  type Readiness,
} from './health-server.js';
export { onShutdown, type Shutdown, type ShutdownOptions } from './shutdown.js';
export { EXIT_CODES, type ExitCode } from './exit-codes.js';
export {
  runService,
  type CommonServiceConfig,
  type Service,
  type ServiceDefinition,
  type ServiceDeps,
  type ServiceSources,
} from './service.js';
export {
  ZEEK_LINES,
  DEFAULT_ZEEK_VERSION,
  parseZeekVersion,
  type ZeekLine,
  type ZeekVersion,
} from './zeek-version.js';
