/**
 * An emulated Zeek node's log writer as its own process (argv: endpoint nodeIndex
 * [recordsPerBatch pauseMs base]), sending through the emulated node's log path (`LogPush` of
 * @zeek-relay/zeek-node). Like Zeek it flushes its log buffer periodically (3 batches of 20
 * records every 100–150 ms by default instead of Log::flush_interval = 1 s) and sends with
 * ZMQ_DONTWAIT (EAGAIN = the batch is dropped, counted). Values are base + seq (base default
 * nodeIndex × 1e6), unique per record. On the IPC message "progress" it answers `{ progress }`, the
 * records handed to its socket so far; on "stop" it stops, lets its queue drain (linger) and
 * reports `{ sent, dropped, flushes }` (records; flushes = [first seq, wall-clock ms] each).
 */
import { LogPush } from '@zeek-relay/zeek-node';
import { countsBatch } from './batches.js';

const [endpoint = '', indexText = '0', perBatchText = '20', pauseText = '100', baseText] =
  process.argv.slice(2);
const base = baseText === undefined ? Number(indexText) * 1_000_000 : Number(baseText);
const perBatch = Number(perBatchText);
const pauseMs = Number(pauseText);
const push = new LogPush({
  endpoints: [endpoint],
  nodeId: `zeromq_worker-${indexText}_test_${process.pid}_N1`,
  linger: 10_000,
});
let seq = 0;
let dropped = 0;
/** [first seq, wall-clock ms] of every flush, so the test can tell when each record was sent. */
const flushes: [number, number][] = [];
let stopping = false;

async function flushOnce(): Promise<void> {
  flushes.push([seq, Date.now()]);
  for (let b = 0; b < 3; b++) {
    const values = Array.from({ length: perBatch }, (_, i) => base + seq + i);
    if (!(await push.sendBatch(countsBatch(values, 'seq')))) dropped += values.length;
    seq += values.length;
  }
}

const loop = (async () => {
  while (!stopping) {
    await flushOnce();
    await new Promise((r) => setTimeout(r, pauseMs + Math.floor((Math.random() * pauseMs) / 2)));
  }
})();

process.on('message', async (m) => {
  if (m === 'progress') {
    process.send?.({ progress: seq });
    return;
  }
  stopping = true;
  await loop;
  push.close();
  process.send?.({ sent: seq, dropped, flushes });
  process.disconnect();
});
process.send?.({ ready: true });
