/**
 * JSON lines on stdout for container log pipelines: Zeek's JSON line (same renderer and options as
 * the JSON files) with `"_path":"<path>"` as its first key so a collector can route by log.
 * Honours the stream's backpressure: bytes the stream has buffered count in the write budget.
 */
import {
  createJsonRenderer,
  type LogBatch,
  type LogBatchHeader,
  type LogTextRenderer,
} from '@zeek-relay/wire';
import type { Writable } from 'node:stream';
import type { WriteBudget } from './backpressure.js';
import type { SinkConfig } from './config.js';
import type { SinkMetrics } from './metrics.js';
import type { SinkOutput } from './outputs.js';
import { jsonOptions, textSettingsOf } from './text-options.js';

const NL = 0x0a;

/** Rewrites `{…}\n{…}\n` to `{"_path":"p",…}\n…` (an empty object gets no trailing comma). */
export function addPathKey(lines: Uint8Array, prefix: Uint8Array): Uint8Array {
  let count = 0;
  for (let i = lines.indexOf(NL); i !== -1; i = lines.indexOf(NL, i + 1)) count++;
  // Not from Buffer's shared pool: a render worker transfers this buffer to the main thread.
  const out = Buffer.allocUnsafeSlow(lines.length + count * prefix.length);
  let o = 0;
  let start = 0;
  while (start < lines.length) {
    let end = lines.indexOf(NL, start);
    if (end === -1) end = lines.length - 1;
    out.set(prefix, o);
    o += prefix.length;
    const empty = end - start === 2; // "{}"
    if (empty) o -= 1; // drop the comma of the prefix
    out.set(lines.subarray(start + 1, end + 1), o);
    o += end - start;
    start = end + 1;
  }
  return out.subarray(0, o);
}

/** `{"_path":"<path>",`: the prefix `addPathKey` puts on every line. */
export function pathKeyPrefix(path: string): Uint8Array {
  return Buffer.from(`{"_path":${JSON.stringify(path)},`);
}

/** Creates the stdout writer on `stream` (process.stdout in main.ts). */
export function createStdoutOutput(
  stream: Writable,
  config: SinkConfig,
  budget: WriteBudget,
  metrics: SinkMetrics,
): SinkOutput {
  const text = textSettingsOf(config);
  const renderers = new WeakMap<LogBatchHeader, LogTextRenderer>();
  const prefixes = new Map<string, Uint8Array>();
  let waiting = 0;
  /** `bytes`: lines already carrying the `_path` key (here or in batch-renderer.ts). */
  const writeLines = (header: LogBatchHeader, bytes: Uint8Array): void => {
    budget.add(bytes.length);
    waiting += 1;
    stream.write(bytes, () => {
      waiting -= 1;
      budget.release(bytes.length, 1);
      metrics.bytesWritten(header.path, 'stdout', bytes.length);
    });
  };
  return {
    kind: 'stdout',
    async start() {},
    write(batch: LogBatch) {
      const { header } = batch;
      let r = renderers.get(header);
      if (r === undefined) {
        r = createJsonRenderer(header, jsonOptions(text, header.path));
        renderers.set(header, r);
      }
      let prefix = prefixes.get(header.path);
      if (prefix === undefined) {
        prefix = pathKeyPrefix(header.path);
        prefixes.set(header.path, prefix);
      }
      writeLines(header, addPathKey(r.records(batch.records), prefix));
    },
    writeRendered: writeLines,
    rotateAll() {},
    sync() {},
    async flush() {
      while (waiting > 0) await new Promise((r) => setTimeout(r, 5));
    },
    async close() {
      await this.flush();
    },
  };
}
