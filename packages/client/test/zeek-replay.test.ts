/**
 * The client against the exact frames Zeek 8.0.10's own WebSocket server sent (captured; Zeek
 * cannot run here): a WebSocket server replays one connection's server frames after the client's
 * subscription message. Shows the client handles Zeek's real acks, errors and data messages.
 */
import assert from 'node:assert/strict';
import { readJsonFixture } from '@zeek-relay/fixtures';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { data } from '@zeek-relay/wire';
import { ZeekClient, type ClientError, type ServerError } from '../src/index.js';

type Frame =
  | { text: string }
  | { frame: { type: 'ping'; payload: string } | { type: 'close'; code: number; reason: string } };
/**
 * The server frames of each scenario's first connection, from Zeek 8.0.10's replays
 * (zeek-8.0/captured/websocket-replays.json of @zeek-relay/fixtures).
 */
function firstConnectionFrames(): { scenarios: Record<string, Frame[]> } {
  const replays = readJsonFixture<{
    scenarios: { file: string; server_frames?: (Frame & { conn: string })[] }[];
  }>('zeek-8.0', 'captured', 'websocket-replays.json');
  const scenarios: Record<string, Frame[]> = {};
  for (const s of replays.scenarios) {
    const frames = s.server_frames ?? []; // scenarios that failed to replay have none
    const first = frames[0]?.conn;
    const name = (s.file.split('/').pop() ?? '').replace(/\.json$/, '');
    scenarios[name] = frames.filter((f) => f.conn === first).map(({ conn: _conn, ...f }) => f as Frame);
  }
  return { scenarios };
}
const fixture = firstConnectionFrames();

let server: WebSocketServer;
let port: number;

before(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
  server.on('connection', (ws, req) => {
    const scenario = fixture.scenarios[(req.url ?? '').split('/').pop() ?? ''] ?? [];
    ws.once('message', () => {
      for (const f of scenario) {
        if ('text' in f) ws.send(f.text);
        else if (f.frame.type === 'ping') ws.ping(f.frame.payload);
        else if (f.frame.code !== 1000) ws.close(f.frame.code, f.frame.reason); // 1000 = echo of the client's close
      }
    });
  });
});

after(async () => {
  for (const c of server.clients) c.terminate();
  await new Promise((r) => server.close(r));
});

// Zeek only serves /v1/messages/json; the replay server picks the scenario from the path instead.
const url = (scenario: string): string => `ws://127.0.0.1:${port}/${scenario}`;

test('bad subscriptions: the error before the ack is the fatal ZR_CLIENT_INVALID_SUBSCRIPTIONS', async () => {
  await assert.rejects(
    ZeekClient.connect({ url: url('bad-subscriptions'), topics: [] }),
    (e: ServerError) => {
      assert.equal(e.code, 'ZR_CLIENT_INVALID_SUBSCRIPTIONS');
      assert.equal(e.serverCode, 'deserialization_failed');
      assert.equal(e.context, 'subscriptions not an array');
      assert.equal(e.fatal, true);
      return true;
    },
  );
});

test('invalid X-Application-Name: ZR_CLIENT_INVALID_APPLICATION_NAME', async () => {
  await assert.rejects(ZeekClient.connect({ url: url('extra.telemetry.ws-invalid-app'), topics: [] }), {
    code: 'ZR_CLIENT_INVALID_APPLICATION_NAME',
    context: 'Invalid X-Application-Name',
  });
});

test('errors after the ack are non-fatal serverError events, in order, between data messages', async () => {
  const errors: ClientError[] = [];
  await using client = await ZeekClient.connect({
    url: url('bad-event-args'),
    topics: ['/zeek/event/my_topic'],
    onServerError: (e) => errors.push(e),
  });
  assert.equal(client.ack?.version, '8.0.10');
  assert.match(client.ack?.endpoint ?? '', /^zeromq_manager_vm_\d+_N\w+-websocket-0$/);
  const it = client.events();
  const ev = (await it.next()).value;
  assert.equal(ev?.topic, '/zeek/event/my_topic');
  assert.equal(ev?.name, 'pong');
  assert.deepEqual(ev?.args, [data.string('Hello'), data.count(42)]);
  while (errors.length < 4) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(
    errors.map((e) => [e.code, (e as ServerError).context]),
    [
      ['ZR_CLIENT_DESERIALIZATION_FAILED', 'failed to decode JSON object'],
      ['ZR_CLIENT_DESERIALIZATION_FAILED', 'failed to create Zeek event'],
      ['ZR_CLIENT_DESERIALIZATION_FAILED', 'failed to create Zeek event'],
      ['ZR_CLIENT_DESERIALIZATION_FAILED', 'failed to decode JSON object'],
    ],
  );
  assert.equal(client.stats.serverErrors, 4);
  assert.equal(client.connected, true, 'errors do not end the connection');
});

test('network timestamp metadata is decoded (1970-01-01T01:18:31.000 = 4711 s)', async () => {
  await using client = await ZeekClient.connect({
    url: url('metadata.network-timestamp'),
    topics: ['/test/pongs/'],
  });
  const ev = (await client.events().next()).value;
  assert.equal(ev?.name, 'pong');
  assert.deepEqual(ev?.args, [data.string('fourty-two fourty-two'), data.count(84)]);
  assert.deepEqual(ev?.metadata, [{ id: 1n, value: data.timestamp(4711n * 1_000_000_000n) }]);
});
