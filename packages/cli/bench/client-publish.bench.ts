/**
 * Throughput of @zeek-relay/client through the real gateway and hub (in this process), against an
 * anchor measured in the same run: raw `ws` sockets sending pre-encoded data messages and counting
 * received frames without decoding. The ratio shows what the client's typed encode/decode,
 * queueing and iterator cost relative to the bare protocol. `--json` prints the result object last.
 */
import { freePort } from '@zeek-relay/test-support';
import WebSocket from 'ws';
import { ZeekClient, data, encodeEventMessage } from '@zeek-relay/client';
import { createGateway, defaultGatewayConfig } from '@zeek-relay/gateway';
import { createHub } from '@zeek-relay/hub';

const N = Number(process.env['BENCH_EVENTS'] ?? 20_000);
/**
 * Events in flight at most: publishers wait for the subscriber to catch up before sending more.
 * Zeek (and the gateway) drop events beyond their ZeroMQ high-water marks, so an unpaced burst
 * would measure loss, not throughput.
 */
const WINDOW = 500;
const json = process.argv.includes('--json');

const args = [
  data.string('worker-1'),
  data.count(42),
  data.address('10.0.0.1'),
  data.port(443, 'tcp'),
  data.real(1.5),
];

async function rawSocket(url: string, topics: string[]): Promise<WebSocket> {
  const ws = new WebSocket(`${url}/v1/messages/json`);
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify(topics));
  await new Promise((r) => ws.once('message', r)); // ack
  return ws;
}

async function anchor(url: string): Promise<number> {
  const sub = await rawSocket(url, ['bench/raw']);
  const pub = await rawSocket(url, []);
  const frame = encodeEventMessage('bench/raw', { name: 'Bench::ev', args });
  let n = 0;
  let wake: (() => void) | undefined;
  sub.on('message', () => {
    n++;
    if (n % WINDOW === 0 || n === N) wake?.();
  });
  const t0 = performance.now();
  for (let sent = 0; sent < N; ) {
    const batch = Math.min(WINDOW, N - sent);
    const target = sent + batch;
    const reached = new Promise<void>((r) => (wake = r));
    for (let i = 0; i < batch; i++) pub.send(frame, { binary: false });
    sent = target;
    if (n < target) await reached;
  }
  const s = (performance.now() - t0) / 1000;
  sub.close();
  pub.close();
  return N / s;
}

async function subject(url: string): Promise<number> {
  const sub = await ZeekClient.connect({ url, topics: ['bench/client'] });
  const pub = await ZeekClient.connect({ url, topics: [] });
  const it = sub.events();
  const t0 = performance.now();
  for (let sent = 0; sent < N; ) {
    const batch = Math.min(WINDOW, N - sent);
    for (let i = 0; i < batch; i++) pub.publish('bench/client', { name: 'Bench::ev', args });
    sent += batch;
    for (let i = 0; i < batch; i++) {
      const r = await it.next();
      if (r.done || r.value.args.length !== args.length) throw new Error('bad event');
    }
  }
  const s = (performance.now() - t0) / 1000;
  await sub.close();
  await pub.close();
  return N / s;
}

const [xpub, xsub, gw] = [await freePort(), await freePort(), await freePort()];
const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: xpub, xsubPort: xsub });
await hub.start();
const gateway = createGateway(
  defaultGatewayConfig({
    host: '127.0.0.1',
    port: gw,
    healthPort: -1,
    connectXpubEndpoint: `tcp://127.0.0.1:${xsub}`,
    connectXsubEndpoint: `tcp://127.0.0.1:${xpub}`,
    logLevel: 'silent',
  }),
);
await gateway.start();
await gateway.hubReady;
const url = `ws://127.0.0.1:${gw}`;
await anchor(url); // warm-up
const a = await anchor(url);
const c = await subject(url);
await gateway.close();
await hub.close();
const ratio = c / a;
process.stdout.write(
  `client publish→gateway→hub→gateway→client: ${Math.round(c)} events/s; raw ws anchor: ${Math.round(a)} events/s; ratio ${ratio.toFixed(2)} (goal ≥ 0.5)\n`,
);
if (json) {
  process.stdout.write(
    `${JSON.stringify({
      results: [
        {
          name: 'client-publish-subscribe',
          subject: c,
          anchor: a,
          unit: 'events/s',
          ratio,
          goal: 0.5,
          higherIsBetter: true,
        },
      ],
    })}\n`,
  );
}
