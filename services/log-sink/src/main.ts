#!/usr/bin/env node
/**
 * `zeek-relay-log-sink`: the log sink as a process (settings from `ZR_SINK_*` variables and
 * flags; `--help` lists them). Start-up, the health server and shutdown are @zeek-relay/runtime's
 * `runService`; exit codes: its `EXIT_CODES`. Shutting down fails readiness first, drains intake,
 * writes `#close`, fsyncs and closes. With the `stdout` writer on, the service's own log goes to
 * stderr so stdout carries only log records.
 */
import { logDestination, runService } from '@zeek-relay/runtime';
import { SINK_ENV_PREFIX, SinkConfigSchema, loadSinkConfig, type SinkConfig } from './config.js';
import { SINK_ERROR_CODES } from './errors.js';
import { createSink } from './sink.js';

await runService<SinkConfig>({
  name: 'log-sink',
  summary: 'Zeek logger (ZeroMQ PULL) as a service',
  schema: SinkConfigSchema,
  envPrefix: SINK_ENV_PREFIX,
  loadConfig: loadSinkConfig,
  health: (c) => ({ host: c.httpHost, port: c.httpPort }),
  logDestination: (c) => (c.outputs.includes('stdout') ? logDestination(2) : undefined),
  create: createSink,
  configErrorCodes: [SINK_ERROR_CODES.CURVE_KEY_INVALID, SINK_ERROR_CODES.CURVE_CONFIG_INVALID],
});
