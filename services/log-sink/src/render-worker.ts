/**
 * Worker thread of the render pool: renders a batch payload straight to text for the file
 * writers (batch-renderer.ts), so the sink's CPU cost runs on several cores. Pure: no files, no
 * sockets. Protocol: in `RenderJob`, out `RenderResult` (the payload buffer and the rendered text
 * transferred, not copied; the header only when the pool may not have it, see `HEADER_RESEND`),
 * and `'ready'` once loaded. Rendered text goes into buffers the pool sent back (`spares`) when
 * it has them: the worker tells which sizes it took (`wants`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { specialisedStats, type SpecialisedStats } from '@zeek-relay/wire';
import { createBatchRenderer, type RenderedBatch } from './batch-renderer.js';
import { BufferPool } from './buffer-pool.js';
import type { RenderJob, RenderResult, RenderSettings } from './render-protocol.js';
import { HEADER_RESEND, headerKey } from './render-protocol.js';

const settings = workerData as RenderSettings;
const spares = new BufferPool(4);
let wants: number[] = [];
const renderer = createBatchRenderer(settings, (size) => {
  wants.push(size);
  return new Uint8Array(spares.take(size));
});
/** Header id → index of the result that last carried it. */
const sentAt = new Map<number, number>();
let results = 0;
/** Loop cache counters last sent (sent again only when they change: once per new schema). */
let loopsSent = '';

/** This thread's generated-loop cache counters, when they changed since last sent. */
function loopsChanged(): SpecialisedStats | undefined {
  const { compiled, hits, evicted, failed } = specialisedStats();
  const now = `${compiled},${hits},${evicted},${failed}`;
  if (now === loopsSent) return undefined;
  loopsSent = now;
  return { compiled, hits, evicted, failed };
}

/** Whether the result for header `id` (the `n`th result) must carry the header. */
function mustSendHeader(id: number, n: number): boolean {
  const last = sentAt.get(id);
  if (last !== undefined && n - last < HEADER_RESEND) return false;
  sentAt.delete(id);
  sentAt.set(id, n);
  // Forget ids not sent for a long time (their header objects are usually gone).
  for (const [old, at] of sentAt) {
    if (n - at < HEADER_RESEND) break;
    sentAt.delete(old);
  }
  return true;
}

/** The result message of a rendered batch. Every text buffer is the caller's own (renderer contract). */
function okResult(job: RenderJob, r: RenderedBatch, n: number): RenderResult {
  const { entry } = r;
  return {
    seq: job.seq,
    ok: true,
    hid: entry.id,
    ...(mustSendHeader(entry.id, n) ? { key: headerKey(entry.header), header: entry.header } : {}),
    records: r.records,
    bytes: job.payload.byteLength,
    ...(r.tsv ? { tsv: r.tsv } : {}),
    ...(r.json ? { json: r.json } : {}),
    ...(r.stdout ? { stdout: r.stdout } : {}),
  };
}

parentPort?.on('message', (job: RenderJob) => {
  for (const ab of job.spares) spares.give(ab);
  let result: RenderResult;
  const n = results++;
  try {
    result = okResult(job, renderer.render(job.payload), n);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    result = { seq: job.seq, ok: false, code: e.code ?? 'ERROR', message: e.message ?? String(err) };
  }
  const transfer = new Set<ArrayBuffer>([job.payload.buffer as ArrayBuffer]);
  if (result.ok) {
    for (const b of [result.tsv, result.json, result.stdout])
      if (b && !(b.buffer instanceof SharedArrayBuffer)) transfer.add(b.buffer as ArrayBuffer);
  }
  const loops = loopsChanged();
  parentPort?.postMessage({ ...result, payload: job.payload.buffer, wants, ...(loops ? { loops } : {}) }, [
    ...transfer,
  ]);
  wants = [];
});
parentPort?.postMessage('ready');
