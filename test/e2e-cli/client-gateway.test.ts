/**
 * @zeek-relay/client against the real gateway and hub (in this process, on 127.0.0.1): typed
 * round trip, no self-echo, typed server errors, and reconnect with resubscription after the
 * gateway restarts on the same port.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ZeekClient, data, type ZeekEvent } from '@zeek-relay/client';
import type { Gateway } from '@zeek-relay/gateway';
import { freePort, startLocalGateway, startLocalHub, type LocalHub } from './helpers.js';

let hub: LocalHub;
let gateway: Gateway | undefined;
let stable: Gateway;
let gwPort: number;
let gw2Port: number;

const startGateway = (port: number): Promise<Gateway> => startLocalGateway(hub, port);

before(async () => {
  hub = await startLocalHub();
  [gwPort, gw2Port] = [await freePort(), await freePort()];
  gateway = await startGateway(gwPort);
  stable = await startGateway(gw2Port);
});

after(async () => {
  await gateway?.close();
  await stable.close();
  await hub.hub.close();
});

const url = (): string => `ws://127.0.0.1:${gwPort}`;

async function next(it: AsyncIterator<ZeekEvent>): Promise<ZeekEvent> {
  const r = await it.next();
  assert.equal(r.done, false);
  return r.value as ZeekEvent;
}

test('typed events travel between two clients; the publisher does not see its own event', async () => {
  await using a = await ZeekClient.connect({ url: url(), topics: ['/test/pings'], applicationName: 'e2e-a' });
  await using b = await ZeekClient.connect({ url: url(), topics: ['/test/pings'] });
  assert.notEqual(a.ack?.endpoint, b.ack?.endpoint);
  const itA = a.events();
  const itB = b.events();
  const args = [
    data.string('hello'),
    data.count(18446744073709551615n),
    data.integer(-42),
    data.real(1.5),
    data.address('192.168.1.1'),
    data.port(443, 'tcp'),
    data.timespan(1_500_000_000n),
    data.vector(data.boolean(true), data.enumValue('Conn::LOG')),
  ];
  b.publish('/test/pings/x', { name: 'Test::ping', args });
  const ev = await next(itA);
  assert.equal(ev.topic, '/test/pings/x');
  assert.equal(ev.name, 'Test::ping');
  assert.deepEqual(ev.args, args);
  // B is subscribed to the same prefix but must not get its own event: A's reply is B's next event.
  a.publish('/test/pings/y', { name: 'Test::pong', args: [data.count(1)] });
  const reply = await next(itB);
  assert.equal(reply.name, 'Test::pong');
  assert.deepEqual(reply.args, [data.count(1)]);
});

test('a wrong path is the typed, fatal error invalid_uri', async () => {
  await assert.rejects(
    ZeekClient.connect({ url: `ws://127.0.0.1:${gwPort}/v0/messages/json`, topics: [] }),
    (err: unknown) => {
      const e = err as { code: string; serverCode: string; context: string; fatal: boolean };
      assert.equal(e.code, 'ZR_CLIENT_INVALID_URI');
      assert.equal(e.serverCode, 'invalid_uri');
      assert.equal(e.context, 'Invalid URI - use /v1/messages/json');
      assert.equal(e.fatal, true);
      return true;
    },
  );
});

test('bad input is rejected before anything is sent', async () => {
  await assert.rejects(ZeekClient.connect({ url: url(), topics: [], applicationName: 'bad name!' }), {
    code: 'ZR_CLIENT_INVALID_ARGUMENT',
  });
  await assert.rejects(ZeekClient.connect({ url: 'http://127.0.0.1:1', topics: [] }), {
    code: 'ZR_CLIENT_INVALID_ARGUMENT',
  });
  const port = await freePort();
  await assert.rejects(ZeekClient.connect({ url: `ws://127.0.0.1:${port}`, topics: [] }), {
    code: 'ZR_CLIENT_CONNECT_FAILED',
  });
});

test('after a gateway restart clients reconnect, resubscribe and flush what was published meanwhile', async () => {
  const policy = { initialDelayMs: 20, maxDelayMs: 100 };
  await using subA = await ZeekClient.connect({ url: url(), topics: ['/test/re/'], reconnect: policy });
  await using pubA = await ZeekClient.connect({ url: url(), topics: [], reconnect: policy });
  // Clients of a second gateway that stays up observe and drive the restarted ones.
  await using subB = await ZeekClient.connect({ url: `ws://127.0.0.1:${gw2Port}`, topics: ['/test/re/'] });
  await using pubB = await ZeekClient.connect({ url: `ws://127.0.0.1:${gw2Port}`, topics: [] });
  const itA = subA.events();
  const itB = subB.events();
  const firstEndpoint = subA.ack?.endpoint;
  pubB.publish('/test/re/a', { name: 'Test::before', args: [data.count(1)] });
  assert.equal((await next(itA)).name, 'Test::before');
  assert.equal((await next(itB)).name, 'Test::before');

  const lost = Promise.all([
    new Promise((r) => subA.once('disconnected', r)),
    new Promise((r) => pubA.once('disconnected', r)),
  ]);
  await gateway?.close();
  await lost;
  assert.equal(subA.connected, false);
  pubA.publish('/test/re/b', { name: 'Test::during', args: [data.count(2)] }); // queued while disconnected
  const back = Promise.all([
    new Promise((r) => subA.once('connected', r)),
    new Promise((r) => pubA.once('connected', r)),
  ]);
  gateway = await startGateway(gwPort);
  await back;
  assert.notEqual(subA.ack?.endpoint, firstEndpoint, 'a new connection has a new endpoint id');
  const during = await next(itB);
  assert.equal(during.name, 'Test::during');
  assert.deepEqual(during.args, [data.count(2)]);

  pubB.publish('/test/re/c', { name: 'Test::after', args: [data.count(3)] });
  // subA may or may not see pubA's flushed `during`, depending on which reconnected first.
  let after = await next(itA);
  if (after.name === 'Test::during') after = await next(itA);
  assert.equal(after.name, 'Test::after', 'the reconnected client is subscribed again');
  assert.equal(subA.stats.reconnects, 1);
  assert.equal(pubA.stats.dropped, 0);
});
