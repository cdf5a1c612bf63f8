/**
 * Worker thread of the render pool: decodes a batch and renders it for the file writers, so
 * decode + render (the sink's CPU cost) run on several cores. Pure: no files, no sockets.
 * Protocol: in `RenderJob`, out `RenderResult` (rendered buffers transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  createJsonRenderer,
  createLogBatchDecoder,
  createTsvRenderer,
  type LogBatchHeader,
  type LogTextRenderer,
} from '@zeek-relay/wire';
import type { RenderJob, RenderResult, RenderSettings } from './render-protocol.js';
import { headerKey } from './render-protocol.js';

const settings = workerData as RenderSettings;
const decoder = createLogBatchDecoder();
const cache = new WeakMap<LogBatchHeader, { key: string; tsv?: LogTextRenderer; json?: LogTextRenderer }>();

parentPort?.on('message', (job: RenderJob) => {
  let result: RenderResult;
  const transfer: ArrayBuffer[] = [];
  try {
    const batch = decoder.decode(new Uint8Array(job.payload));
    let c = cache.get(batch.header);
    if (c === undefined) {
      c = { key: headerKey(batch.header) };
      if (settings.tsv) c.tsv = createTsvRenderer(batch.header, { numberProfile: settings.numberProfile });
      if (settings.json)
        c.json = createJsonRenderer(batch.header, {
          timestamps: settings.jsonTimestamps,
          includeUnsetFields: settings.jsonIncludeUnsetFields,
        });
      cache.set(batch.header, c);
    }
    const tsv = c.tsv?.records(batch.records);
    const json = c.json?.records(batch.records);
    for (const b of [tsv, json])
      if (b && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength)
        transfer.push(b.buffer as ArrayBuffer);
    result = {
      seq: job.seq,
      ok: true,
      key: c.key,
      header: batch.header,
      records: batch.records.length,
      bytes: job.payload.byteLength,
      tsv,
      json,
    };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    result = { seq: job.seq, ok: false, code: e.code ?? 'ERROR', message: e.message ?? String(err) };
  }
  parentPort?.postMessage(result, transfer);
});
