/**
 * A Zeek node's log traffic for the benchmark, in its own process, through the emulated node's
 * log path (`LogPush` of @zeek-relay/zeek-node): connects to the sink, waits for "go" on IPC,
 * sends `count` copies of the batch as fast as the high-water mark allows (blocking: the benchmark
 * measures the sink, not losses), then reports "done" and exits after its queue drained (linger).
 * argv: endpoint count nodeName; with ZR_BENCH_CURVE (JSON: serverKey, publicKey, secretKey) the
 * PUSH socket is a CURVE client, as a Zeek 8.2+ node's is.
 */
import { LogPush, type LogPushOptions } from '@zeek-relay/zeek-node';
import { connLikeBatch } from './conn-like-batch.js';

const [endpoint = '', countText = '0', name = 'worker'] = process.argv.slice(2);
const payload = connLikeBatch(1000);
const curve = process.env.ZR_BENCH_CURVE
  ? (JSON.parse(process.env.ZR_BENCH_CURVE) as LogPushOptions['curve'])
  : undefined;
const push = new LogPush({
  endpoints: [endpoint],
  nodeId: `zeromq_${name}_bench_${process.pid}_N1`,
  linger: 30000,
  ...(curve ? { curve } : {}),
});
process.send?.({ ready: true, bytes: payload.length });
process.once('message', async () => {
  const n = Number(countText);
  for (let i = 0; i < n; i++) await push.sendBatchBlocking(payload);
  push.close();
  process.send?.({ done: true });
  process.disconnect();
});
