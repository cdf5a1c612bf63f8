/**
 * Zeek ASCII (TSV) or Zeek JSON log files: one live file per path in one directory, rendered
 * by @zeek-relay/wire's renderers (byte-identical to a Zeek logger), rotated and recovered as
 * described in rotation.ts and recovery.ts. A batch whose columns differ from the open file's
 * (e.g. a node running another script version) rotates the file so every file has one schema.
 */
import {
  createJsonRenderer,
  createTsvRenderer,
  type LogBatch,
  type LogBatchHeader,
  type LogTextRenderer,
} from '@zeek-relay/wire';
import type { Logger } from '@zeek-relay/runtime';
import type { WriteBudget } from './backpressure.js';
import { BAD_INPUT_REASONS, SINK_ERROR_CODES, SinkError } from './errors.js';
import type { SinkConfig } from './config.js';
import { jsonOptions, textSettingsOf, tsvOptions } from './text-options.js';
import { LogFile, type LogFileContext } from './log-file.js';
import type { SinkMetrics } from './metrics.js';
import type { SinkOutput } from './outputs.js';
import type { RateLimitedLog } from '@zeek-relay/zmq';
import { recoverDirectory } from './recovery.js';

/** Dependencies of a file output. */
export interface FileOutputDeps {
  readonly log: Logger;
  readonly warn: RateLimitedLog;
  readonly metrics: SinkMetrics;
  readonly budget: WriteBudget;
  readonly now: () => Date;
  /** `writeFailures`: every retried file operation; `pathsRejected`/`rejectedBatches`: refused paths. */
  readonly stats: { writeFailures: number; pathsRejected: number; rejectedBatches: number };
  /** Takes back rendered lines once written (the render pool reuses their buffers). */
  readonly recycle?: (bytes: Uint8Array) => void;
}

function sameColumns(a: LogBatchHeader, b: LogBatchHeader): boolean {
  if (a === b) return true;
  if (a.fields.length !== b.fields.length) return false;
  for (let i = 0; i < a.fields.length; i++) {
    const x = a.fields[i];
    const y = b.fields[i];
    if (!x || !y || x.name !== y.name || x.type !== y.type || x.subtype !== y.subtype) return false;
  }
  return true;
}

/** The settings and callbacks (metrics, logging, compression tracking) the files of one writer share. */
function fileContext(
  kind: 'tsv' | 'json',
  dir: string,
  config: SinkConfig,
  deps: FileOutputDeps,
  compressions: Set<Promise<void>>,
): LogFileContext {
  return {
    dir,
    suffix: config.logSuffix,
    gzipLevel: config.gzipLevel,
    maxBytes: config.rotationMaxBytes,
    budget: deps.budget,
    now: deps.now,
    retryDelayMs: 1000,
    rotating: config.rotationIntervalSeconds > 0 || config.rotationMaxBytes > 0,
    ...(deps.recycle ? { recycle: deps.recycle } : {}),
    written: (path, bytes, seconds) => {
      deps.metrics.bytesWritten(path, kind, bytes);
      deps.metrics.writeTook(seconds, kind);
    },
    rotated: (path, reason, archivedAs) => {
      deps.metrics.rotated(reason);
      deps.log.info({ path, reason, file: archivedAs, output: kind }, 'Rotated log file');
    },
    failed: (path, cause) => {
      deps.stats.writeFailures += 1;
      deps.metrics.writeFailed(kind);
      const err = new SinkError(
        SINK_ERROR_CODES.WRITE_FAILED,
        `Could not write ${kind} log file for path ${path}`,
        { cause },
      );
      deps.warn.warn(`write_failed:${kind}`, { err, path, dir }, 'Could not write log file, retrying');
    },
    rejected: (path, cause, droppedBatches) => {
      deps.stats.pathsRejected += 1;
      deps.metrics.badInput(BAD_INPUT_REASONS.PATH_REJECTED, droppedBatches);
      const err = new SinkError(
        SINK_ERROR_CODES.WRITE_FAILED,
        `The file system refused the ${kind} log file of path ${path}; its batches are dropped`,
        { cause },
      );
      deps.log.error({ err, path, dir, output: kind, droppedBatches }, 'Log path rejected');
    },
    dropped: () => {
      deps.stats.rejectedBatches += 1;
      deps.metrics.badInput(BAD_INPUT_REASONS.PATH_REJECTED);
    },
    track: (p) => {
      const tracked = p.catch((err: unknown) =>
        deps.log.error({ err, dir }, 'Could not compress rotated log file'),
      );
      compressions.add(tracked);
      void tracked.finally(() => compressions.delete(tracked));
    },
  };
}

/** Creates the TSV or JSON file output writing into `dir`. */
export function createFileOutput(
  kind: 'tsv' | 'json',
  dir: string,
  config: SinkConfig,
  deps: FileOutputDeps,
): SinkOutput {
  const text = textSettingsOf(config);
  const renderers = new WeakMap<LogBatchHeader, LogTextRenderer>();
  const headers = new WeakMap<LogTextRenderer, LogBatchHeader>();
  const files = new Map<string, LogFile>();
  const compressions = new Set<Promise<void>>();
  const rendererFor = (header: LogBatchHeader): LogTextRenderer => {
    let r = renderers.get(header);
    if (r === undefined) {
      r =
        kind === 'tsv'
          ? createTsvRenderer(header, tsvOptions(text))
          : createJsonRenderer(header, jsonOptions(text, header.path));
      renderers.set(header, r);
      headers.set(r, header);
    }
    return r;
  };
  const ctx = fileContext(kind, dir, config, deps, compressions);
  /** The path's file (opened lazily; rotated first when the columns changed) and its renderer. */
  const fileFor = (header: LogBatchHeader): { file: LogFile; renderer: LogTextRenderer } => {
    let file = files.get(header.path);
    let renderer = rendererFor(header);
    if (file === undefined) {
      file = new LogFile(header.path, renderer, ctx);
      files.set(header.path, file);
    } else if (file.currentRenderer !== renderer) {
      const current = headers.get(file.currentRenderer);
      if (current !== undefined && sameColumns(current, header)) renderer = file.currentRenderer;
      else file.rotate('schema', renderer);
    }
    return { file, renderer };
  };
  return {
    kind,
    async start() {
      const recovered = await recoverDirectory(dir, config.logSuffix, config.gzipLevel);
      for (const r of recovered)
        deps.log.warn({ ...r, dir, output: kind }, 'Recovered leftover log file from a previous run');
    },
    write(batch: LogBatch) {
      const { file, renderer } = fileFor(batch.header);
      file.append(renderer.records(batch.records));
    },
    writeRendered(header: LogBatchHeader, lines: Uint8Array) {
      fileFor(header).file.append(lines);
    },
    rotateAll(reason: string) {
      for (const f of files.values()) f.rotate(reason);
    },
    sync() {
      for (const f of files.values()) f.sync();
    },
    async flush() {
      await Promise.all([...files.values()].map((f) => f.idle()));
    },
    async close() {
      const rotate = config.rotationIntervalSeconds > 0;
      await Promise.all([...files.values()].map((f) => f.close(rotate)));
      while (compressions.size > 0) await Promise.all([...compressions]);
    },
  };
}
