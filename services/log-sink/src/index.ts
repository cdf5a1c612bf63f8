/**
 * @zeek-relay/log-sink — a Zeek logger as a service: PULL intake of `zeek-bin-serializer` log
 * batches, Zeek-identical TSV/JSON files with rotation and crash recovery, stdout JSON lines and
 * OTLP logs. The CLI embeds `createSink` in-process; `main.ts` is the standalone binary.
 */
export { createSink, type Sink, type SinkDeps, type SinkStats } from './sink.js';
export {
  SinkConfigSchema,
  SINK_ENV_PREFIX,
  SINK_OUTPUTS,
  loadSinkConfig,
  resolveSinkConfig,
  type SinkConfig,
  type SinkConfigInput,
} from './config.js';
export {
  SinkError,
  SINK_ERROR_CODES,
  BAD_INPUT_REASONS,
  type BadInputReason,
  type SinkErrorCode,
} from './errors.js';
export type { HandshakeFailureKind } from './handshake-monitor.js';
export type { ConnectionStats } from './connection-events.js';
export { recoverDirectory, type RecoveredFile } from './recovery.js';
export { nextRotationMs, rotatedFileName, isSafeLogPath } from './rotation.js';
export * from './metrics.js';
