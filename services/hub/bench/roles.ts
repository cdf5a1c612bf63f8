/**
 * Benchmark child processes (forked by hub.bench.ts with an IPC channel) when the native helper
 * (bench/native.c) cannot be built:
 * - `pub`: an emulated Zeek node (`@zeek-relay/zeek-node`: Zeek's sockets, start-up subscriptions
 *   and hellos) publishing 4-frame events at a given rate (0 = as fast as possible), dropping at
 *   its XPUB's high-water mark as Zeek does; payload bytes 16..23 from the end carry a
 *   CLOCK_MONOTONIC send time.
 * - `sub`: an emulated Zeek node subscribed to the bench topic, counting events between `begin`
 *   and `end`, optionally with latencies.
 * - `bare-proxy`: zeromq.js `Proxy` between plain XSUB/XPUB (second anchor, no features).
 */
import { Context, Proxy, XPublisher, XSubscriber } from 'zeromq';
import { data, encodeEvent } from '@zeek-relay/wire';
import { EmulatedZeekNode } from '@zeek-relay/zeek-node';

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

/** An emulated node on the hub (`xsubEp`: the hub's XSUB, `xpubEp`: its XPUB), started. */
async function benchNode(
  name: string,
  xsubEp: string,
  xpubEp: string,
  extra: string[] = [],
): Promise<EmulatedZeekNode> {
  const node = new EmulatedZeekNode({
    name,
    role: 'worker',
    connectXpub: xsubEp,
    connectXsub: xpubEp,
    extraSubscriptions: extra,
    keepInbox: false,
  });
  await node.start();
  return node;
}

async function pub(xsubEp: string, xpubEp: string, ratePerS: number): Promise<void> {
  const node = await benchNode(`worker-pub-${process.pid}`, xsubEp, xpubEp);
  await node.waitFor(() => node.seenTopics.has(TOPIC), 'a subscriber of the bench topic');
  let running = true;
  process.on('message', (m: Msg) => {
    if (m.type === 'stop') running = false;
  });
  send({ type: 'sending' });
  let sent = 0;
  const t0 = performance.now();
  while (running) {
    if (ratePerS === 0) {
      await Promise.all(Array.from({ length: 256 }, () => node.publishRaw(TOPIC, PAYLOAD)));
      sent += 256;
      await new Promise(setImmediate);
      continue;
    }
    const due = Math.floor(((performance.now() - t0) / 1000) * ratePerS);
    for (; sent < due; sent++) {
      const payload = Buffer.from(PAYLOAD);
      payload.writeBigUInt64BE(process.hrtime.bigint(), TS_OFFSET);
      await node.publishRaw(TOPIC, payload);
    }
    await sleep(1);
  }
  await node.close();
  send({ type: 'stopped', sent, dropped: node.xpubDrops });
}

async function sub(xsubEp: string, xpubEp: string, latency: boolean): Promise<void> {
  const node = await benchNode(`worker-sub-${process.pid}`, xsubEp, xpubEp, [TOPIC]);
  let counting = false;
  let count = 0;
  let lat: number[] = [];
  node.onEvent = ({ topic, payload }) => {
    if (!counting || topic !== TOPIC) return;
    count++;
    if (latency) {
      const sentAt = Buffer.from(payload.buffer, payload.byteOffset, payload.length).readBigUInt64BE(
        TS_OFFSET,
      );
      lat.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
    }
  };
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
      void node.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready' });
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
      await pub(args[0]!, args[1]!, Number(args[2]));
      return true;
    case 'sub':
      await sub(args[0]!, args[1]!, args[2] === 'latency');
      return true;
    case 'bare-proxy':
      await bareProxy(args[0]!, args[1]!);
      return true;
    default:
      return false;
  }
}
