/**
 * What happens to one received message: frame and batch checks, the choice of render strategy
 * (payload → text on the render workers or here, or decoded values for OTLP), the bad-input
 * accounting, and the hand-over to every writer.
 */
import { createLogBatchDecoder, decodeLogFrames, type LogBatch } from '@zeek-relay/wire';
import {
  createBatchRenderer,
  renderSettingsOf,
  type BatchRenderer,
  type RenderedBatch,
} from './batch-renderer.js';
import type { SinkConfig } from './config.js';
import { BAD_INPUT_REASONS, SINK_ERROR_CODES, SinkError, type BadInputReason } from './errors.js';
import type { SinkMetrics } from './metrics.js';
import type { SinkOutput } from './outputs.js';
import type { RateLimitedLog } from '@zeek-relay/zmq';
import type { RenderSettings } from './render-protocol.js';
import type { DeliveredResult, RenderPool } from './render-pool.js';
import { isSafeLogPath } from './rotation.js';
import type { SinkStats } from './sink.js';

/** The sink's parts a dispatcher uses. */
export interface DispatchDeps {
  readonly config: SinkConfig;
  readonly outputs: readonly SinkOutput[];
  readonly stats: SinkStats;
  readonly metrics: SinkMetrics;
  readonly warn: RateLimitedLog;
}

/** Routes received messages to the writers. */
export interface Dispatcher {
  /** Render workers are used (text outputs only, `renderThreads` > 0): start a pool with `settings`. */
  readonly pooled: boolean;
  readonly settings: RenderSettings;
  /** The pool's results, applied in arrival order. */
  delivered(r: DeliveredResult): void;
  /** Set once the pool runs; messages go to it from then on. */
  usePool(pool: RenderPool): void;
  /** One received multipart message. */
  onMessage(frames: Buffer[]): void;
}

function reasonOf(err: unknown): BadInputReason {
  const code = (err as { code?: string }).code;
  if (code === 'ZR_WIRE_TRUNCATED') return BAD_INPUT_REASONS.TRUNCATED;
  if (code === 'ZR_WIRE_UNKNOWN_TAG') return BAD_INPUT_REASONS.UNKNOWN_TAG;
  return BAD_INPUT_REASONS.CORRUPT;
}

/** Counting, rate-limited logging and the path check shared by every strategy. */
function intakeChecks({ config, stats, metrics, warn }: DispatchDeps) {
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
    if (!isSafeLogPath(path, config.logSuffix)) {
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
  return { bad, accept };
}

/** Hands rendered text (or decoded values) to every writer; a throwing writer is counted. */
function writers({ outputs, metrics, warn }: DispatchDeps) {
  const failed = (out: SinkOutput, err: unknown, path: string) => {
    metrics.writeFailed(out.kind);
    warn.warn(`render_failed:${out.kind}`, { err, path }, 'Could not render log batch');
  };
  const linesFor = (
    kind: SinkOutput['kind'],
    r: { tsv?: Uint8Array; json?: Uint8Array; stdout?: Uint8Array },
  ) => (kind === 'tsv' ? r.tsv : kind === 'json' ? r.json : kind === 'stdout' ? r.stdout : undefined);
  const writeRendered = (
    header: LogBatch['header'],
    r: { tsv?: Uint8Array; json?: Uint8Array; stdout?: Uint8Array },
  ) => {
    for (const out of outputs) {
      const lines = linesFor(out.kind, r);
      try {
        if (lines && out.writeRendered) out.writeRendered(header, lines);
      } catch (err) {
        failed(out, err, header.path);
      }
    }
  };
  const writeValues = (batch: LogBatch) => {
    for (const out of outputs) {
      try {
        out.write(batch);
      } catch (err) {
        failed(out, err, batch.header.path);
      }
    }
  };
  return { writeRendered, writeValues };
}

/**
 * Creates the dispatcher. When every output is text (tsv, json, stdout), batches go from payload
 * to text without value objects (batch-renderer.ts): on worker threads (the CPU-heavy part), or
 * here with renderThreads 0. OTLP needs the values, so with it everything is decoded here.
 */
export function createDispatcher(deps: DispatchDeps): Dispatcher {
  const { config } = deps;
  const { bad, accept } = intakeChecks(deps);
  const { writeRendered, writeValues } = writers(deps);
  const textOnly = config.outputs.every((o) => o === 'tsv' || o === 'json' || o === 'stdout');
  const settings = renderSettingsOf(config);
  const direct: BatchRenderer | undefined =
    textOnly && config.renderThreads === 0 ? createBatchRenderer(settings) : undefined;
  const decoder = createLogBatchDecoder();
  let pool: RenderPool | undefined;

  /** Renders or decodes here (no pool); DecodeError propagates. */
  const local = (payload: Uint8Array): RenderedBatch | LogBatch =>
    direct ? direct.render(payload) : decoder.decode(payload);

  const apply = (result: RenderedBatch | LogBatch, bytes: number, sender: Uint8Array) => {
    if ('entry' in result) {
      const { header } = result.entry;
      if (accept({ header, records: result.records, bytes }, sender)) writeRendered(header, result);
    } else if (accept({ header: result.header, records: result.records.length, bytes }, sender)) {
      writeValues(result);
    }
  };

  return {
    pooled: textOnly && config.renderThreads > 0,
    settings,
    delivered(r) {
      if (!r.ok) bad(reasonOf({ code: r.code }), new SinkError(SINK_ERROR_CODES.BAD_INPUT, r.message));
      else if (accept(r, undefined)) writeRendered(r.header, r);
    },
    usePool(p) {
      pool = p;
    },
    onMessage(frames) {
      let sender: Uint8Array | undefined;
      let result: RenderedBatch | LogBatch;
      try {
        const msg = decodeLogFrames(frames);
        sender = msg.sender;
        if (pool) {
          pool.submit(msg.payload);
          return;
        }
        result = local(msg.payload);
      } catch (err) {
        if (frames.length !== 4) bad(BAD_INPUT_REASONS.FRAME_COUNT, err);
        else if (sender === undefined) bad(BAD_INPUT_REASONS.FORMAT, err, frames[1]);
        else bad(reasonOf(err), err, sender);
        return;
      }
      apply(result, (frames[3] as Buffer).length, sender);
    },
  };
}
