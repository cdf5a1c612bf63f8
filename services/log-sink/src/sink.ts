/**
 * The log sink: a Zeek logger as a service. `createSink(config, deps)` wires intake → decode →
 * writers. `start()` recovers leftover files, starts the writers, binds the PULL socket and
 * returns the bound endpoint; `close()` fails readiness, drains intake, flushes every writer,
 * writes `#close`, fsyncs and closes (archiving the files when time rotation is on).
 */
import { metrics as otelMetrics } from '@opentelemetry/api';
import { Context } from 'zeromq';
import type { Logger, Service, ServiceDeps } from '@zeek-relay/runtime';
import { specialisedStats, type SpecialisedStats } from '@zeek-relay/wire';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { WriteBudget } from './backpressure.js';
import { resolveSinkConfig, SinkConfigSchema, type SinkConfig, type SinkConfigInput } from './config.js';
import { connectionEvents, type ConnectionStats } from './connection-events.js';
import { resolveSinkCurve, startZapHandler, type ZapHandler } from './curve.js';
import { createDispatcher, type Dispatcher } from './dispatch.js';
import { SINK_ERROR_CODES, SinkError, type BadInputReason } from './errors.js';
import { createFileOutput } from './file-output.js';
import { startIntake, type Intake } from './intake.js';
import { SinkMetrics } from './metrics.js';
import { createOtlpOutput } from './otlp-output.js';
import type { SinkOutput } from './outputs.js';
import { RateLimitedLog } from '@zeek-relay/zmq';
import { addLoops, createRenderPool, type RenderPool } from './render-pool.js';
import { nextRotationMs, parseBaseTime } from './rotation.js';
import { createStdoutOutput } from './stdout-output.js';

/**
 * `intake=zmtp` with render workers: a payload frame of at least this size that spans reads is
 * assembled straight in a pooled buffer, which then goes to a worker without another copy.
 */
export const ASSEMBLE_MIN_BYTES = 32 * 1024;

/** What the sink needs from its host (main.ts or an embedding CLI). */
export interface SinkDeps extends ServiceDeps {
  /** Destination of the `stdout` writer (default process.stdout). */
  readonly stdout?: Writable;
  /** Wall clock for `#open`/`#close` and rotation (tests). */
  readonly now?: () => Date;
}

/** Counters a host or test can read without a metrics pipeline. */
export interface SinkStats extends ConnectionStats {
  batches: number;
  records: number;
  badInput: Partial<Record<BadInputReason, number>>;
  /** Times intake stopped reading because the write queue was full. */
  intakePauses: number;
  /** Failed file operations that are retried (transient: ENOSPC, EIO, …). */
  writeFailures: number;
  /** Files the file system refused for good (EACCES, EISDIR, ENAMETOOLONG, …): their path is dropped. */
  pathsRejected: number;
  /** Batches dropped on arrival because their path was rejected. */
  rejectedBatches: number;
}

/** A created sink. */
export interface Sink extends Service {
  /** Recovers, opens writers, binds. Resolves to the bound endpoint (ephemeral port resolved). */
  start(): Promise<{ endpoint: string }>;
  /** Graceful stop (see module comment); idempotent. */
  close(): Promise<void>;
  /** For `/readyz`: ready once bound, not ready while closing. */
  readiness(): { ready: true } | { ready: false; reason: string };
  /** Waits until everything received so far reached the writers' destinations. */
  flush(): Promise<void>;
  readonly stats: SinkStats;
  readonly config: SinkConfig;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The writers of the configured outputs. */
function createOutputs(
  config: SinkConfig,
  deps: SinkDeps,
  shared: {
    log: Logger;
    warn: RateLimitedLog;
    metrics: SinkMetrics;
    budget: WriteBudget;
    stats: SinkStats;
    recycle: (bytes: Uint8Array) => void;
  },
): SinkOutput[] {
  const now = deps.now ?? (() => new Date());
  const fileDeps = { ...shared, now };
  const jsonDir =
    config.jsonLogDir !== ''
      ? config.jsonLogDir
      : config.outputs.includes('tsv')
        ? join(config.logDir, 'json')
        : config.logDir;
  return config.outputs.map((kind) => {
    switch (kind) {
      case 'tsv':
        return createFileOutput('tsv', config.logDir, config, fileDeps);
      case 'json':
        return createFileOutput('json', jsonDir, config, fileDeps);
      case 'stdout':
        return createStdoutOutput(deps.stdout ?? process.stdout, config, shared.budget, shared.metrics);
      case 'otlp':
        return createOtlpOutput(config, 'zeek-relay-log-sink');
      default: {
        const never: never = kind;
        throw new Error(`unknown output ${String(never)}`);
      }
    }
  });
}

/** Time rotation (aligned to `rotationBaseTime`) and the periodic fsync. */
function startTimers(config: SinkConfig, outputs: readonly SinkOutput[], now: () => Date): () => void {
  let rotationTimer: NodeJS.Timeout | undefined;
  const scheduleRotation = () => {
    if (config.rotationIntervalSeconds <= 0) return;
    const t = now().getTime();
    const at = nextRotationMs(t, config.rotationIntervalSeconds, parseBaseTime(config.rotationBaseTime));
    rotationTimer = setTimeout(
      () => {
        for (const out of outputs) out.rotateAll('interval');
        scheduleRotation();
      },
      Math.max(1, at - t),
    );
    rotationTimer.unref();
  };
  scheduleRotation();
  const syncTimer =
    config.fsyncIntervalMs > 0
      ? setInterval(() => {
          for (const out of outputs) out.sync();
        }, config.fsyncIntervalMs)
      : undefined;
  syncTimer?.unref();
  return () => {
    clearTimeout(rotationTimer);
    clearInterval(syncTimer);
  };
}

/** The running parts of a started sink (undone by `close`). */
interface Running {
  intake?: Intake;
  zap?: ZapHandler;
  pool?: RenderPool;
  stopTimers?: () => void;
}

/** The generated-loop cache counters of this thread (renderThreads 0) plus the render workers'. */
function loopCounts(running: Running): SpecialisedStats {
  const { compiled, hits, evicted, failed } = specialisedStats();
  const own = { compiled, hits, evicted, failed };
  return running.pool ? addLoops(own, running.pool.loopStats()) : own;
}

/** `start()`: writers, render pool, ZAP handler (CURVE), PULL socket, timers, in this order. */
async function startParts(
  parts: {
    config: SinkConfig;
    log: Logger;
    warn: RateLimitedLog;
    metrics: SinkMetrics;
    stats: SinkStats;
    budget: WriteBudget;
    outputs: readonly SinkOutput[];
    dispatcher: Dispatcher;
    now: () => Date;
  },
  running: Running,
  curve: ReturnType<typeof resolveSinkCurve>,
): Promise<{ endpoint: string; curve: boolean }> {
  const { config, log, warn, metrics, stats, budget, outputs, dispatcher } = parts;
  for (const out of outputs) await out.start();
  if (dispatcher.pooled) {
    running.pool = createRenderPool(
      config.renderThreads,
      dispatcher.settings,
      budget,
      dispatcher.delivered,
      (err) => log.error({ err }, 'Render worker failed; restarted it'),
    );
    await running.pool.ready();
    dispatcher.usePool(running.pool);
  }
  const { onZap, onHandshakeFailed, onClient, onPeerError } = connectionEvents(stats, metrics, warn);
  const pool = running.pool;
  const zmtp = config.intake === 'zmtp';
  // native: the ZAP handler lives in the PULL socket's own context, bound before the PULL socket.
  const context = curve && !zmtp ? new Context({ blocky: false }) : undefined;
  if (curve && context) {
    running.zap = await startZapHandler(context, curve.clientPublicKeys, onZap, (err) =>
      log.error({ err }, 'ZAP handler failed'),
    );
  }
  running.intake = await startIntake({
    mode: config.intake,
    endpoint: config.pullEndpoint,
    maxMessageBytes: config.maxMessageBytes,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    receiveHighWaterMark: config.receiveHighWaterMark,
    receiveBufferSize: config.receiveBufferSize,
    ipv6: config.ipv6,
    drainIdleMs: config.drainIdleMs,
    drainTimeoutMs: config.drainTimeoutMs,
    budget,
    onMessage: dispatcher.onMessage,
    onPause: () => {
      stats.intakePauses += 1;
      metrics.intakePaused();
    },
    onError: (err) => warn.warn('receive_failed', { err }, 'Could not receive from PULL socket'),
    onHandshakeFailed,
    onPeerError,
    ...(curve && context ? { curve: { context, serverSecretKey: curve.serverSecretKey } } : {}),
    ...(curve && zmtp ? { zmtpCurve: { ...curve, onClient } } : {}),
    ...(pool ? { frameTarget: { minBytes: ASSEMBLE_MIN_BYTES, allocate: (n: number) => pool.lend(n) } } : {}),
  }).catch(async (err: unknown) => {
    running.zap?.close();
    await running.zap?.done;
    throw err;
  });
  running.stopTimers = startTimers(config, outputs, parts.now);
  return { endpoint: running.intake.endpoint, curve: !!curve };
}

/** `close()`: stop intake, drain the workers, close every writer (`#close`, fsync), stop the pool. */
async function stopParts(running: Running, outputs: readonly SinkOutput[], log: Logger): Promise<void> {
  running.stopTimers?.();
  if (running.intake) await running.intake.stop();
  running.zap?.close();
  await running.zap?.done;
  await running.pool?.idle();
  for (const out of outputs) {
    try {
      await out.close();
    } catch (err) {
      log.error({ err, output: out.kind }, 'Could not close log writer');
    }
  }
  await running.pool?.close();
}

/** libzmq's receive settings mean nothing to `intake=zmtp`: one warning names the ones set. */
function warnUnapplied(config: SinkConfig, log: Logger): void {
  if (config.intake !== 'zmtp') return;
  const set = [
    ...(config.receiveBufferSize >= 0 ? ['receiveBufferSize'] : []),
    ...(config.receiveHighWaterMark !== SinkConfigSchema.properties.receiveHighWaterMark.default
      ? ['receiveHighWaterMark']
      : []),
  ];
  if (set.length > 0) log.warn({ settings: set }, 'Not applied with intake=zmtp (libzmq settings)');
}

function newStats(): SinkStats {
  return {
    batches: 0,
    records: 0,
    badInput: {},
    intakePauses: 0,
    writeFailures: 0,
    pathsRejected: 0,
    rejectedBatches: 0,
    zap: { accepted: 0, rejected: 0 },
    handshakeFailures: {},
    peerErrors: {},
  };
}

/** Builds a sink from a (partial) config; nothing happens until `start()`. Throws `ConfigError`. */
export function createSink(input: SinkConfigInput | SinkConfig, deps: SinkDeps): Sink {
  const config = resolveSinkConfig(input);
  const log = deps.log.child({ component: 'log-sink' });
  const warn = new RateLimitedLog(log);
  const now = deps.now ?? (() => new Date());
  const budget = new WriteBudget(config.maxQueuedBytes);
  const metrics = new SinkMetrics(
    deps.meter ?? otelMetrics.getMeter('@zeek-relay/log-sink'),
    { batches: () => budget.chunks, bytes: () => budget.bytes },
    config.metricsMaxPaths,
    () => loopCounts(running),
  );
  const stats = newStats();
  const running: Running = {};
  const recycle = (bytes: Uint8Array) => running.pool?.recycle(bytes);
  const outputs = createOutputs(config, deps, { log, warn, metrics, budget, stats, recycle });
  const dispatcher = createDispatcher({ config, outputs, stats, metrics, warn });
  let state: 'new' | 'starting' | 'running' | 'closing' | 'closed' = 'new';
  let closing: Promise<void> | undefined;

  const sink: Sink = {
    stats,
    config,
    async start() {
      if (state !== 'new') throw new SinkError(SINK_ERROR_CODES.STATE, `start() called in state ${state}`);
      // Before anything is opened: a bad key leaves the sink as it was (`new`).
      const keys = resolveSinkCurve(config);
      state = 'starting';
      warnUnapplied(config, log);
      const parts = { config, log, warn, metrics, stats, budget, outputs, dispatcher, now };
      const { endpoint, curve } = await startParts(parts, running, keys);
      state = 'running';
      log.info({ endpoint, outputs: config.outputs, logDir: config.logDir, curve }, 'Log sink listening');
      return { endpoint };
    },
    readiness() {
      if (state === 'running') return { ready: true };
      return { ready: false, reason: `log sink is ${state}` };
    },
    async flush() {
      await running.pool?.idle();
      for (const out of outputs) await out.flush();
    },
    close() {
      closing ??= (async () => {
        state = 'closing';
        await stopParts(running, outputs, log);
        state = 'closed';
        log.info({ batches: stats.batches, records: stats.records }, 'Log sink closed');
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return sink.close();
    },
  };
  return sink;
}
