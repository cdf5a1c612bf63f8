/**
 * A Zeek node's log traffic for the benchmark, in its own process, through the emulated node's
 * log path (`LogPush` of @zeek-relay/zeek-node): connects to the sink, waits for "go" on IPC,
 * sends `count` copies of the batch as fast as the high-water mark allows (blocking: the benchmark
 * measures the sink, not losses) and closes the socket (libzmq keeps sending what is queued,
 * linger). On "report" (sent once the receiver has everything) it reports the CPU it used since
 * "go" (`cpuUs`, user + system, libzmq's I/O thread included) and exits.
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
let cpu0 = process.cpuUsage();
process.on('message', async (m: string) => {
  if (m === 'go') {
    cpu0 = process.cpuUsage();
    const n = Number(countText);
    for (let i = 0; i < n; i++) await push.sendBatchBlocking(payload);
    push.close();
  } else {
    // 'report': the receiver has every batch, so the sending is over.
    const cpu = process.cpuUsage(cpu0);
    process.send?.({ cpuUs: cpu.user + cpu.system });
    process.disconnect();
  }
});
