/**
 * The log sink: a Zeek logger as a service. `createSink(config, deps)` wires intake → decode →
 * writers. `start()` recovers leftover files, starts the writers, binds the PULL socket and
 * returns the bound endpoint; `close()` fails readiness, drains intake, flushes every writer,
 * writes `#close`, fsyncs and closes (archiving the files when time rotation is on).
 */
import { metrics as otelMetrics } from '@opentelemetry/api';
import { Context } from 'zeromq';
import { createLogBatchDecoder, decodeLogFrames, type LogBatch } from '@zeek-relay/wire';
import type { Service, ServiceDeps } from '@zeek-relay/runtime';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { WriteBudget } from './backpressure.js';
import { resolveSinkConfig, type SinkConfig, type SinkConfigInput } from './config.js';
import { connectionEvents, type ConnectionStats } from './connection-events.js';
import { resolveSinkCurve, startZapHandler, type ZapHandler } from './curve.js';
import { BAD_INPUT_REASONS, SINK_ERROR_CODES, SinkError, type BadInputReason } from './errors.js';
import { createFileOutput } from './file-output.js';
import { startIntake, type Intake } from './intake.js';
import { SinkMetrics } from './metrics.js';
import { createOtlpOutput } from './otlp-output.js';
import type { SinkOutput } from './outputs.js';
import { RateLimitedLog } from './rate-limited-log.js';
import {
  createBatchRenderer,
  renderSettingsOf,
  type BatchRenderer,
  type RenderedBatch,
} from './batch-renderer.js';
import { createRenderPool, type DeliveredResult, type RenderPool } from './render-pool.js';
import { isSafeLogPath, nextRotationMs, parseBaseTime } from './rotation.js';
import { createStdoutOutput } from './stdout-output.js';

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
  /** Failed file operations (each retried until it succeeds). */
  writeFailures: number;
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

function reasonOf(err: unknown): BadInputReason {
  const code = (err as { code?: string }).code;
  if (code === 'ZR_WIRE_TRUNCATED') return BAD_INPUT_REASONS.TRUNCATED;
  if (code === 'ZR_WIRE_UNKNOWN_TAG') return BAD_INPUT_REASONS.UNKNOWN_TAG;
  return BAD_INPUT_REASONS.CORRUPT;
}

/** Builds a sink from a (partial) config; nothing happens until `start()`. Throws `ConfigError`. */
export function createSink(input: SinkConfigInput | SinkConfig, deps: SinkDeps): Sink {
  const config = resolveSinkConfig(input);
  const log = deps.log.child({ component: 'log-sink' });
  const warn = new RateLimitedLog(log);
  const now = deps.now ?? (() => new Date());
  const budget = new WriteBudget(config.maxQueuedBytes);
  const metrics = new SinkMetrics(deps.meter ?? otelMetrics.getMeter('@zeek-relay/log-sink'), {
    batches: () => budget.chunks,
    bytes: () => budget.bytes,
  });
  const stats: SinkStats = {
    batches: 0,
    records: 0,
    badInput: {},
    intakePauses: 0,
    writeFailures: 0,
    zap: { accepted: 0, rejected: 0 },
    handshakeFailures: {},
  };
  const jsonDir =
    config.jsonLogDir !== ''
      ? config.jsonLogDir
      : config.outputs.includes('tsv')
        ? join(config.logDir, 'json')
        : config.logDir;
  const outputs: SinkOutput[] = config.outputs.map((kind) => {
    switch (kind) {
      case 'tsv':
        return createFileOutput('tsv', config.logDir, config, { log, warn, metrics, budget, now, stats });
      case 'json':
        return createFileOutput('json', jsonDir, config, { log, warn, metrics, budget, now, stats });
      case 'stdout':
        return createStdoutOutput(deps.stdout ?? process.stdout, config, budget, metrics);
      case 'otlp':
        return createOtlpOutput(config, 'zeek-relay-log-sink');
      default: {
        const never: never = kind;
        throw new Error(`unknown output ${String(never)}`);
      }
    }
  });
  const decoder = createLogBatchDecoder();

  const bad = (reason: BadInputReason, err: unknown, sender?: Uint8Array) => {
    stats.badInput[reason] = (stats.badInput[reason] ?? 0) + 1;
    metrics.badInput(reason);
    warn.warn(
      reason,
      { err, sender: sender ? Buffer.from(sender).toString('latin1').slice(0, 200) : undefined },
      'Dropped bad log message',
    );
  };

  const accept = (
    batch: { header: LogBatch['header']; records: number; bytes: number },
    sender: Uint8Array | undefined,
  ): boolean => {
    const { path } = batch.header;
    if (!isSafeLogPath(path)) {
      bad(
        BAD_INPUT_REASONS.BAD_PATH,
        new SinkError(SINK_ERROR_CODES.BAD_INPUT, `unusable log path ${JSON.stringify(path.slice(0, 100))}`),
        sender,
      );
      return false;
    }
    stats.batches += 1;
    stats.records += batch.records;
    metrics.batchAccepted(path, batch.records, batch.bytes);
    return true;
  };

  const writeFailed = (out: SinkOutput, err: unknown, path: string) => {
    metrics.writeFailed(out.kind);
    warn.warn(`render_failed:${out.kind}`, { err, path }, 'Could not render log batch');
  };

  // When every output is text (tsv, json, stdout), batches go from payload to text without value
  // objects (batch-renderer.ts): on worker threads (the CPU-heavy part), or here with
  // renderThreads 0. OTLP needs the values, so with it everything is decoded here.
  const textOnly = config.outputs.every((o) => o === 'tsv' || o === 'json' || o === 'stdout');
  const pooled = config.renderThreads > 0 && textOnly;
  const renderSettings = renderSettingsOf(config);
  const direct: BatchRenderer | undefined =
    textOnly && !pooled ? createBatchRenderer(renderSettings) : undefined;
  const writeRendered = (
    header: LogBatch['header'],
    r: { tsv?: Uint8Array; json?: Uint8Array; stdout?: Uint8Array },
  ) => {
    for (const out of outputs) {
      const lines =
        out.kind === 'tsv'
          ? r.tsv
          : out.kind === 'json'
            ? r.json
            : out.kind === 'stdout'
              ? r.stdout
              : undefined;
      try {
        if (lines && out.writeRendered) out.writeRendered(header, lines);
      } catch (err) {
        writeFailed(out, err, header.path);
      }
    }
  };
  const delivered = (r: DeliveredResult) => {
    if (!r.ok) {
      bad(reasonOf({ code: r.code }), new SinkError(SINK_ERROR_CODES.BAD_INPUT, r.message));
      return;
    }
    if (!accept(r, undefined)) return;
    writeRendered(r.header, r);
  };
  let pool: RenderPool | undefined;

  const onMessage = (frames: Buffer[]) => {
    let batch: LogBatch | undefined;
    let rendered: RenderedBatch | undefined;
    let sender: Uint8Array | undefined;
    try {
      const msg = decodeLogFrames(frames);
      sender = msg.sender;
      if (pool) {
        pool.submit(msg.payload);
        return;
      }
      if (direct) rendered = direct.render(msg.payload);
      else batch = decoder.decode(msg.payload);
    } catch (err) {
      if (frames.length !== 4) bad(BAD_INPUT_REASONS.FRAME_COUNT, err);
      else if (sender === undefined) bad(BAD_INPUT_REASONS.FORMAT, err, frames[1]);
      else bad(reasonOf(err), err, sender);
      return;
    }
    const bytes = (frames[3] as Buffer).length;
    if (rendered !== undefined) {
      const { header } = rendered.entry;
      if (accept({ header, records: rendered.records, bytes }, sender)) writeRendered(header, rendered);
      return;
    }
    if (batch === undefined) return;
    if (!accept({ header: batch.header, records: batch.records.length, bytes }, sender)) return;
    for (const out of outputs) {
      try {
        out.write(batch);
      } catch (err) {
        writeFailed(out, err, batch.header.path);
      }
    }
  };

  const { onZap, onHandshakeFailed } = connectionEvents(stats, metrics, warn);

  let state: 'new' | 'starting' | 'running' | 'closing' | 'closed' = 'new';
  let intake: Intake | undefined;
  let zap: ZapHandler | undefined;
  let rotationTimer: NodeJS.Timeout | undefined;
  let syncTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

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

  const sink: Sink = {
    stats,
    config,
    async start() {
      if (state !== 'new') throw new SinkError(SINK_ERROR_CODES.STATE, `start() called in state ${state}`);
      // Before anything is opened: a bad key leaves the sink as it was (`new`).
      const curve = resolveSinkCurve(config);
      state = 'starting';
      for (const out of outputs) await out.start();
      if (pooled) {
        pool = createRenderPool(config.renderThreads, renderSettings, budget, delivered, (err) =>
          log.error({ err }, 'Render worker failed; restarted it'),
        );
        await pool.ready();
      }
      // The ZAP handler lives in the PULL socket's own context, bound before the PULL socket.
      const context = curve ? new Context({ blocky: false }) : undefined;
      if (curve && context) {
        zap = await startZapHandler(context, curve.clientPublicKeys, onZap, (err) =>
          log.error({ err }, 'ZAP handler failed'),
        );
      }
      intake = await startIntake({
        endpoint: config.pullEndpoint,
        receiveHighWaterMark: config.receiveHighWaterMark,
        receiveBufferSize: config.receiveBufferSize,
        ipv6: config.ipv6,
        drainIdleMs: config.drainIdleMs,
        drainTimeoutMs: config.drainTimeoutMs,
        budget,
        onMessage,
        onPause: () => {
          stats.intakePauses += 1;
          metrics.intakePaused();
        },
        onError: (err) => warn.warn('receive_failed', { err }, 'Could not receive from PULL socket'),
        onHandshakeFailed,
        ...(curve && context ? { curve: { context, serverSecretKey: curve.serverSecretKey } } : {}),
      }).catch(async (err: unknown) => {
        zap?.close();
        await zap?.done;
        throw err;
      });
      scheduleRotation();
      if (config.fsyncIntervalMs > 0) {
        syncTimer = setInterval(() => {
          for (const out of outputs) out.sync();
        }, config.fsyncIntervalMs);
        syncTimer.unref();
      }
      state = 'running';
      log.info(
        { endpoint: intake.endpoint, outputs: config.outputs, logDir: config.logDir, curve: !!curve },
        'Log sink listening',
      );
      return { endpoint: intake.endpoint };
    },
    readiness() {
      if (state === 'running') return { ready: true };
      return { ready: false, reason: `log sink is ${state}` };
    },
    async flush() {
      await pool?.idle();
      for (const out of outputs) await out.flush();
    },
    close() {
      closing ??= (async () => {
        state = 'closing';
        clearTimeout(rotationTimer);
        clearInterval(syncTimer);
        if (intake) await intake.stop();
        zap?.close();
        await zap?.done;
        await pool?.idle();
        for (const out of outputs) {
          try {
            await out.close();
          } catch (err) {
            log.error({ err, output: out.kind }, 'Could not close log writer');
          }
        }
        await pool?.close();
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
