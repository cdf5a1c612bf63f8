/**
 * Benchmark child processes (forked by hub.bench.ts with an IPC channel):
 * - `pub`: a Zeek-like publisher (XPUB, SNDHWM 1000, no NODROP) sending 4-frame events at a
 *   given rate (0 = as fast as possible); payload bytes 16..23 carry a CLOCK_MONOTONIC send time.
 * - `sub`: a subscriber counting events between `begin` and `end`, optionally with latencies.
 * - `bare-proxy`: zeromq.js `Proxy` between plain XSUB/XPUB (second anchor, no features).
 */
import { Context, Proxy, XPublisher, XSubscriber } from 'zeromq';
import { data, encodeEvent, encodeEventFrames, encodeSubscriptionFrame } from '@zeek-relay/wire';

export const TOPIC = 'zeek.cluster.node.bench-target.'; // 31 bytes, Zeek-like
export const SENDER = 'zeromq_worker-17_bench-host_12345_NabcdEFGH123'; // ≈ 40+ bytes like a real node id
/**
 * The workload of the Zeek reference measurement: the `ping` event with one 64-byte string
 * argument, broker-bin-v1 (4 frames with topic, sender and format).
 */
export const PAYLOAD = encodeEvent({
  name: 'ping',
  args: [data.string(new Uint8Array(64).fill(0x61))],
});
const TS_OFFSET = PAYLOAD.length - 16;

type Msg = { type: string; [k: string]: unknown };
const send = (m: Msg) => process.send?.(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pub(endpoint: string, ratePerS: number): Promise<void> {
  const sock = new XPublisher({ sendHighWaterMark: 1000, linger: 0 });
  sock.connect(endpoint);
  await sock.receive(); // the first subscription notification: someone listens
  let running = true;
  process.on('message', (m: Msg) => {
    if (m.type === 'stop') running = false;
  });
  send({ type: 'sending' });
  const frames = encodeEventFrames({ topic: TOPIC, sender: SENDER, payload: PAYLOAD });
  let sent = 0;
  const t0 = performance.now();
  while (running) {
    if (ratePerS === 0) {
      for (let i = 0; i < 256; i++) await sock.send(frames);
      sent += 256;
      await new Promise(setImmediate);
      continue;
    }
    const due = Math.floor(((performance.now() - t0) / 1000) * ratePerS);
    for (; sent < due; sent++) {
      const payload = Buffer.from(PAYLOAD);
      payload.writeBigUInt64BE(process.hrtime.bigint(), TS_OFFSET);
      await sock.send([frames[0]!, frames[1]!, frames[2]!, payload]);
    }
    await sleep(1);
  }
  sock.close();
  send({ type: 'stopped', sent });
}

async function sub(endpoint: string, latency: boolean): Promise<void> {
  const sock = new XSubscriber({ receiveHighWaterMark: 1000, linger: 0 });
  sock.connect(endpoint);
  await sock.send(encodeSubscriptionFrame(true, TOPIC));
  let counting = false;
  let count = 0;
  let lat: number[] = [];
  process.on('message', (m: Msg) => {
    if (m.type === 'begin') {
      counting = true;
      count = 0;
      lat = [];
    } else if (m.type === 'end') {
      counting = false;
      lat.sort((a, b) => a - b);
      const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
      send({ type: 'result', count, p50: q(0.5), p99: q(0.99) });
    } else if (m.type === 'stop') {
      sock.close();
    }
  });
  send({ type: 'ready' });
  try {
    for await (const frames of sock) {
      if (!counting) continue;
      count++;
      if (latency) {
        const p = frames[3]!;
        lat.push(Number(process.hrtime.bigint() - p.readBigUInt64BE(p.length - 16)) / 1e6);
      }
    }
  } catch (err) {
    if (!sock.closed) throw err;
  }
  process.exit(0);
}

async function bareProxy(xsubEp: string, xpubEp: string): Promise<void> {
  const context = new Context({ ioThreads: 2, blocky: false });
  const xsub = new XSubscriber({ context, linger: 0 });
  const xpub = new XPublisher({ context, linger: 0 });
  await xpub.bind(xpubEp);
  await xsub.bind(xsubEp);
  const proxy = new Proxy(xsub, xpub);
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => proxy.terminate());
  await proxy.run();
}

/** Runs the role named in argv (`--role=<name> args…`); returns false if argv names none. */
export async function runRole(argv: readonly string[]): Promise<boolean> {
  const role = argv.find((a) => a.startsWith('--role='))?.slice('--role='.length);
  const args = argv.filter((a) => !a.startsWith('--'));
  switch (role) {
    case 'pub':
      await pub(args[0]!, Number(args[1]));
      return true;
    case 'sub':
      await sub(args[0]!, args[1] === 'latency');
      return true;
    case 'bare-proxy':
      await bareProxy(args[0]!, args[1]!);
      return true;
    default:
      return false;
  }
}
