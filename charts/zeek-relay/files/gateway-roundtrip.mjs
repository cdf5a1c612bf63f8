// `helm test` round trip through a ZeekCluster's gateway (Zeek WebSocket API v1, JSON).
// Client A subscribes to a unique topic; client B publishes an event carrying a nonce on that topic
// (gateway -> hub -> gateway); the test passes when A receives it. Runs in the gateway image, whose
// `ws` package it borrows. Exit code 0 = pass, 1 = fail (with the reason on stderr).
// Env: ZR_TEST_URL (ws:// or wss:// .../v1/messages/json), ZR_TEST_TOKEN (optional bearer token),
//      ZR_TEST_CA_FILE (optional CA for wss), ZR_TEST_TIMEOUT_MS, ZR_TEST_MODULES (dir to resolve ws from).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const env = process.env;
const url = env.ZR_TEST_URL;
if (!url) {
  console.error('gateway-roundtrip: ZR_TEST_URL is not set');
  process.exit(1);
}
const timeoutMs = Number(env.ZR_TEST_TIMEOUT_MS ?? '60000');
const require = createRequire(env.ZR_TEST_MODULES ?? '/app/services/gateway/');
const WebSocket = require('ws');

const nonce = randomUUID();
const topic = `/zeek/zeek-relay/helm-test/${nonce}`;
const options = { headers: { 'X-Application-Name': 'zeek-relay-helm-test' } };
if (env.ZR_TEST_TOKEN) options.headers.Authorization = `Bearer ${env.ZR_TEST_TOKEN.trim()}`;
if (env.ZR_TEST_CA_FILE) options.ca = readFileSync(env.ZR_TEST_CA_FILE);

const sockets = [];
let publishTimer;

function finish(code, message) {
  clearInterval(publishTimer);
  for (const ws of sockets) ws.terminate();
  (code === 0 ? console.log : console.error)(`gateway-roundtrip: ${message}`);
  process.exit(code);
}

const deadline = setTimeout(() => finish(1, `no round trip within ${timeoutMs} ms (${url})`), timeoutMs);
deadline.unref?.();

/** Opens a client, sends its subscription list, resolves once the gateway acknowledges it. */
function connect(name, subscriptions, onData) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    sockets.push(ws);
    let failure;
    ws.on('error', (err) => {
      failure = err;
      reject(new Error(`${name}: ${err.message}`));
    });
    // 'close' follows 'error' at once: report the error (refused, HTTP 401, TLS) rather than code 1006.
    ws.on('close', (code, reason) =>
      finish(1, failure ? `${name}: ${failure.message}` : `${name} closed by the gateway: ${code} ${reason}`),
    );
    ws.on('open', () => ws.send(JSON.stringify(subscriptions)));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.type === 'ack') resolve(ws);
      else if (msg.type === 'error') finish(1, `${name} got an error: ${msg.code}: ${msg.message}`);
      else if (msg.type === 'data-message') onData(msg);
    });
  });
}

/** Zeek event `ZeekRelay::helm_test(nonce: string)` in Broker JSON v1 (websocket-v1 spec §3.4). */
const event = {
  type: 'data-message',
  topic,
  '@data-type': 'vector',
  data: [
    { '@data-type': 'count', data: 1 },
    { '@data-type': 'count', data: 1 },
    {
      '@data-type': 'vector',
      data: [
        { '@data-type': 'string', data: 'ZeekRelay::helm_test' },
        { '@data-type': 'vector', data: [{ '@data-type': 'string', data: nonce }] },
      ],
    },
  ],
};

try {
  await connect('subscriber', [topic], (msg) => {
    const args = msg.data?.[2]?.data?.[1]?.data;
    if (msg.topic === topic && args?.[0]?.data === nonce) finish(0, `event came back through ${url}`);
  });
  const publisher = await connect('publisher', [], () => {});
  // The subscriber's ack means its subscription reached the hub; repeat in case the publisher's
  // path is still settling, so one lost message does not fail the test.
  const publish = () => publisher.send(JSON.stringify(event));
  publish();
  publishTimer = setInterval(publish, 1000);
} catch (err) {
  finish(1, err instanceof Error ? err.message : String(err));
}
