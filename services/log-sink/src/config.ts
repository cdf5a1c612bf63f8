/**
 * Typed configuration of the log sink (spec zeromq-wire.md §6, log-batch.md §4–6). The only file
 * that reads `process.env`. Environment variables use the prefix `ZR_SINK_` (`logDir` ↔
 * `ZR_SINK_LOG_DIR`), flags the kebab-case name (`--log-dir`); flags win. Validated once.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  ConfigError,
  loadConfig,
  LogLevelSchema,
  parseZeekVersion,
  resolveConfig,
  ZeekVersionSchema,
  type ServiceSources,
} from '@zeek-relay/runtime';
import { JSON_STRING_ESCAPE_POLICIES, logTextProfile } from '@zeek-relay/wire';
import { CurveServerSettings } from '@zeek-relay/zmq';

/** Environment variable prefix of the log sink. */
export const SINK_ENV_PREFIX = 'ZR_SINK_';

const Millis = (def: number, description: string) => Type.Integer({ minimum: 0, default: def, description });
const Lit = <T extends string>(values: readonly T[], def: T, description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { default: def, description },
  );

/** The writers a sink can run at once. */
export const SINK_OUTPUTS = ['tsv', 'json', 'stdout', 'otlp'] as const;

/** Schema of every setting; the source of `--help`, defaults and the README table. */
export const SinkConfigSchema = Type.Object(
  {
    pullEndpoint: Type.String({
      minLength: 1,
      default: 'tcp://0.0.0.0:27764',
      description:
        "PULL bind endpoint = the nodes' connect_log_endpoints (zeekctl 8.1+ first logger: 27764); port 0 = ephemeral",
    }),
    receiveHighWaterMark: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'ZMQ_RCVHWM of the PULL socket, in batches (Zeek: log_rcvhwm 1000)',
    }),
    receiveBufferSize: Type.Integer({
      minimum: -1,
      default: -1,
      description: 'ZMQ_RCVBUF in bytes (-1 = OS default)',
    }),
    ipv6: Type.Boolean({ default: false, description: 'ZMQ_IPV6 on the PULL socket' }),
    intake: Lit(
      ['native', 'zmtp'] as const,
      'native',
      '`native`: the PULL socket is zeromq.js (libzmq); `zmtp`: the sink speaks ZMTP itself on node:net (no libzmq, less CPU per batch; tcp:// and ipc:// only) (README, Intake)',
    ),
    maxMessageBytes: Type.Integer({
      minimum: 1,
      default: 256 * 1024 * 1024,
      description:
        'ZMQ_MAXMSGSIZE: a node sending a larger frame is disconnected (Zeek batches are far smaller)',
    }),
    heartbeatIntervalMs: Millis(
      0,
      'ZMQ_HEARTBEAT_IVL: ZMTP PING interval towards every node; 0 = off (as Zeek sets it)',
    ),
    heartbeatTimeoutMs: Millis(
      5000,
      'ZMQ_HEARTBEAT_TIMEOUT: with heartbeats on, a node silent this long is disconnected',
    ),
    handshakeTimeoutMs: Millis(
      30000,
      'ZMQ_HANDSHAKE_IVL: maximum time for a ZMTP/CURVE handshake; 0 = unlimited',
    ),
    maxQueuedBytes: Type.Integer({
      minimum: 1024,
      default: 64 * 1024 * 1024,
      description:
        'Rendered bytes waiting for the disk above which the sink stops reading (backpressure via HWM)',
    }),
    outputs: Type.Array(Lit(SINK_OUTPUTS, 'tsv', 'writer'), {
      minItems: 1,
      default: ['tsv'],
      description:
        'Writers, comma-separated: tsv (Zeek ASCII files), json (Zeek JSON files), stdout (JSON lines), otlp',
    }),
    renderThreads: Type.Integer({
      minimum: 0,
      maximum: 16,
      default: 2,
      description:
        'Worker threads rendering batches for the tsv/json/stdout writers (0 = on the main thread; only used when no output is otlp)',
    }),
    renderSpecialised: Type.Boolean({
      default: true,
      description:
        'Render through a record loop generated per schema (column types only; same text); false = the generic per-value path',
    }),
    logDir: Type.String({
      minLength: 1,
      default: '.',
      description: 'Directory of the TSV files (Log::default_logdir)',
    }),
    jsonLogDir: Type.String({
      default: '',
      description: 'Directory of the JSON files; empty = logDir, or logDir/json when tsv is also on',
    }),
    logSuffix: Type.String({
      minLength: 1,
      pattern: '^[A-Za-z0-9_.-]+$',
      default: 'log',
      description: 'File extension (ZEEK_LOG_SUFFIX)',
    }),
    zeekVersion: ZeekVersionSchema,
    numberProfile: Lit(
      ['auto', 'zeek-8.0', 'zeek-8.2'] as const,
      'auto',
      'TSV number formatting: auto (from zeekVersion), or force zeek-8.0 (8.0/8.1) or zeek-8.2 (8.2+)',
    ),
    jsonStringEscapePolicy: Lit(
      JSON_STRING_ESCAPE_POLICIES,
      'hex',
      'LogAscii::json_string_escape_policy (Zeek 9.0+): hex, pua or tsv',
    ),
    jsonStringEscapePolicyByPath: Type.String({
      default: '',
      pattern: '^([^=,]+=(hex|pua|tsv)(,[^=,]+=(hex|pua|tsv))*)?$',
      description:
        "Per-path json_string_escape_policy (a filter's $config), e.g. 'ssh=tsv,http=pua' (Zeek 9.0+)",
    }),
    jsonTimestamps: Lit(
      ['epoch', 'iso8601', 'millis', 'millis-unsigned'] as const,
      'epoch',
      'JSON time format (LogAscii::json_timestamps)',
    ),
    jsonIncludeUnsetFields: Type.Boolean({
      default: false,
      description: 'LogAscii::json_include_unset_fields',
    }),
    rotationIntervalSeconds: Type.Integer({
      minimum: 0,
      default: 3600,
      description: 'Rotation interval (Log::default_rotation_interval); 0 = never by time',
    }),
    rotationBaseTime: Type.String({
      pattern: '^([01]?[0-9]|2[0-3]):[0-5][0-9]$',
      default: '0:00',
      description: 'Local time rotations are aligned to (log_rotate_base_time)',
    }),
    rotationMaxBytes: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Also rotate a file once it holds this many bytes; 0 = no size limit',
    }),
    gzipLevel: Type.Integer({
      minimum: 0,
      maximum: 9,
      default: 0,
      description: 'gzip level of rotated files (0 = none)',
    }),
    fsyncIntervalMs: Millis(
      1000,
      'fsync open files at most this often while writing (Zeek fsyncs on every flush)',
    ),
    otlpUrl: Type.String({
      default: 'http://127.0.0.1:4318/v1/logs',
      description: 'OTLP/HTTP logs endpoint of the collector',
    }),
    otlpMaxQueueSize: Type.Integer({
      minimum: 1,
      default: 65536,
      description: 'OTLP log records buffered before the exporter drops',
    }),
    metricsMaxPaths: Type.Integer({
      minimum: 1,
      default: 100,
      description:
        "Distinct zeek.log.path metric values; later paths are counted as 'other' (paths come from the network)",
    }),
    drainIdleMs: Millis(200, 'At shutdown keep reading until the PULL socket was idle this long'),
    drainTimeoutMs: Millis(5000, 'Longest time spent draining at shutdown'),
    ...CurveServerSettings,
    httpHost: Type.String({
      default: '0.0.0.0',
      description: 'Address of the HTTP side port (/healthz /readyz /metrics)',
    }),
    httpPort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 9914,
      description: 'HTTP side port; 0 = ephemeral',
    }),
    logLevel: LogLevelSchema,
    shutdownGraceMs: Millis(
      20000,
      'Longest graceful shutdown before the process exits anyway (< terminationGracePeriodSeconds)',
    ),
  },
  { additionalProperties: false },
);

/** The sink's validated, frozen configuration. */
export type SinkConfig = Static<typeof SinkConfigSchema>;

/** Input accepted by `createSink`: every setting optional, defaults as in {@link SinkConfigSchema}. */
export type SinkConfigInput = Partial<SinkConfig>;

/**
 * Reads the configuration from the environment and argv (main.ts only) and checks the
 * cross-field rules; throws one `ConfigError` (`ZR_CONFIG_INVALID`) listing every problem.
 */
export function loadSinkConfig(sources: ServiceSources): SinkConfig {
  return checkSinkConfig(loadConfig(SinkConfigSchema, { ...sources, envPrefix: SINK_ENV_PREFIX }));
}

/**
 * Applies defaults to a partial config (embedding, tests) and checks the cross-field rules.
 * Throws `ConfigError` listing every problem.
 */
export function resolveSinkConfig(input: SinkConfigInput): SinkConfig {
  return checkSinkConfig(resolveConfig(SinkConfigSchema, input, SINK_ENV_PREFIX));
}

function checkSinkConfig(config: SinkConfig): SinkConfig {
  const problems: string[] = [];
  if (new Set(config.outputs).size !== config.outputs.length)
    problems.push('outputs: a writer is listed twice');
  if (!/^(tcp|ipc|inproc):\/\//.test(config.pullEndpoint))
    problems.push(`pullEndpoint: "${config.pullEndpoint}" is not a tcp://, ipc:// or inproc:// endpoint`);
  if (config.intake === 'zmtp' && config.pullEndpoint.startsWith('inproc://'))
    problems.push('pullEndpoint: inproc:// needs intake=native (inproc is libzmq-internal)');
  if (
    config.outputs.includes('tsv') &&
    config.outputs.includes('json') &&
    config.jsonLogDir !== '' &&
    config.jsonLogDir === config.logDir
  ) {
    problems.push('jsonLogDir: must differ from logDir when both tsv and json are on (same file names)');
  }
  const version = parseZeekVersion(config.zeekVersion);
  const policies = version ? logTextProfile(version.line).jsonStringEscapePolicies : false;
  if (!policies && (config.jsonStringEscapePolicy !== 'hex' || config.jsonStringEscapePolicyByPath !== ''))
    problems.push(
      `jsonStringEscapePolicy: Zeek ${config.zeekVersion} has no json_string_escape_policy (9.0+ only)`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
