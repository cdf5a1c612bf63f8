/**
 * Worker thread of the render pool: renders a batch payload straight to text for the file
 * writers (batch-renderer.ts), so the sink's CPU cost runs on several cores. Pure: no files, no
 * sockets. Protocol: in `RenderJob`, out `RenderResult` (rendered buffers transferred, not
 * copied; the header only when the pool may not have it, see `HEADER_RESEND`), and `'ready'`
 * once loaded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createBatchRenderer } from './batch-renderer.js';
import type { RenderJob, RenderResult, RenderSettings } from './render-protocol.js';
import { HEADER_RESEND, headerKey } from './render-protocol.js';

const settings = workerData as RenderSettings;
const renderer = createBatchRenderer(settings);
/** Header id → index of the result that last carried it. */
const sentAt = new Map<number, number>();
let results = 0;

const owns = (b: Uint8Array): boolean => b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;

parentPort?.on('message', (job: RenderJob) => {
  let result: RenderResult;
  const transfer: ArrayBuffer[] = [];
  const n = results++;
  try {
    const r = renderer.render(job.payload);
    const { entry } = r;
    const last = sentAt.get(entry.id);
    const send = last === undefined || n - last >= HEADER_RESEND;
    if (send) {
      sentAt.delete(entry.id);
      sentAt.set(entry.id, n);
      // Forget ids not sent for a long time (their header objects are usually gone).
      for (const [id, at] of sentAt) {
        if (n - at < HEADER_RESEND) break;
        sentAt.delete(id);
      }
    }
    if (r.tsv && owns(r.tsv)) transfer.push(r.tsv.buffer as ArrayBuffer);
    if (r.json && owns(r.json)) transfer.push(r.json.buffer as ArrayBuffer);
    if (r.stdout && owns(r.stdout)) transfer.push(r.stdout.buffer as ArrayBuffer);
    result = {
      seq: job.seq,
      ok: true,
      hid: entry.id,
      ...(send ? { key: headerKey(entry.header), header: entry.header } : {}),
      records: r.records,
      bytes: job.payload.byteLength,
      ...(r.tsv ? { tsv: r.tsv } : {}),
      ...(r.json ? { json: r.json } : {}),
      ...(r.stdout ? { stdout: r.stdout } : {}),
    };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    result = { seq: job.seq, ok: false, code: e.code ?? 'ERROR', message: e.message ?? String(err) };
  }
  parentPort?.postMessage(result, transfer);
});
parentPort?.postMessage('ready');
