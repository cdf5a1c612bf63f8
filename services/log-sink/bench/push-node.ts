/**
 * An emulated Zeek node for the benchmark, run as its own process: connects PUSH to the sink,
 * waits for "go" on IPC, pushes `count` copies of the batch (4 frames, like Zeek) as fast as the
 * HWM allows, then reports "done" and exits after its queue drained (linger).
 * argv: endpoint count nodeName; with ZR_BENCH_CURVE (JSON: serverKey, publicKey, secretKey) the
 * PUSH socket is a CURVE client, as a Zeek 8.2+ node's is.
 */
import { Push } from 'zeromq';
import { connLikeBatch } from './conn-like-batch.js';

const [endpoint = '', countText = '0', name = 'worker'] = process.argv.slice(2);
const payload = connLikeBatch(1000);
const frames = [
  Buffer.from('log-write'),
  Buffer.from(`zeromq_${name}_bench_${process.pid}_N1`),
  Buffer.from('zeek-bin-serializer'),
  payload,
];
const curve = process.env.ZR_BENCH_CURVE
  ? (JSON.parse(process.env.ZR_BENCH_CURVE) as { serverKey: string; publicKey: string; secretKey: string })
  : undefined;
const push = new Push({
  sendHighWaterMark: 1000,
  linger: 30000,
  ...(curve
    ? { curveServerKey: curve.serverKey, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey }
    : {}),
});
push.connect(endpoint);
process.send?.({ ready: true, bytes: payload.length });
process.once('message', async () => {
  const n = Number(countText);
  for (let i = 0; i < n; i++) await push.send(frames);
  push.close();
  process.send?.({ done: true });
  process.disconnect();
});
