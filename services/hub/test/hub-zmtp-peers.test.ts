/**
 * `forwarding=zmtp` against peers that are not well-behaved libzmq sockets: raw TCP clients that
 * send garbage, an old or foreign greeting, the wrong socket type, an oversized frame, nothing at
 * all, or stop answering after the handshake. Each must be closed with its typed error
 * (`ZR_HUB_PEER_PROTOCOL` / `ZR_HUB_PEER_TIMEOUT`) and counted, while a real libzmq publisher and
 * subscriber keep exchanging events through the same hub. Raw ZMTP 3.0 and 3.1 subscribers (the
 * `0x01` message and the SUBSCRIBE command) are served like libzmq ones. The bytes are written out
 * here from RFC 23/37, not produced by the hub's own codec.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMetrics } from '@zeek-relay/runtime';
import { createHub, type Hub } from '../src/index.js';
import { scrape, serveHub } from './helpers/http.js';
import { healthyPair, type HealthyPair } from './helpers/pair.js';
import { RawPeer, command, frame, greeting, ready } from './helpers/raw-zmtp.js';
import { connectable, sleep, waitFor } from './helpers/wait.js';

// The hub runs in this process: a starved process delays the hub's checks and the raw peers'
// keep-alives alike, so the timeout is generous against the 50 ms keep-alive below.
const HEARTBEAT_IVL = 200;
const HEARTBEAT_TIMEOUT = 2000;
const HANDSHAKE_TIMEOUT = 1000;

const peerErrors = (socket: string, code: string) =>
  `zeek_relay_hub_peer_errors_total{socket="${socket}",error_type="${code}"}`;

describe('forwarding=zmtp with misbehaving peers', () => {
  let hub: Hub;
  let base = '';
  let pubEp = '';
  let subEp = '';
  const metrics = createMetrics({ serviceName: 'zeek-relay-hub' });
  const closers: Array<() => Promise<void> | void> = [];
  let pair: HealthyPair | undefined;
  /** The healthy libzmq pair still works: one event from its publisher reaches its subscriber. */
  const healthy = () => pair!.healthy();

  /** Waits until `series` has reached `value` in a scrape. */
  async function counted(series: string, value: number): Promise<void> {
    let last = (await scrape(base)).get(series);
    while (last !== value) {
      assert.ok((last ?? 0) < value, `${series} = ${last}, more than ${value}`);
      await sleep(20);
      last = (await scrape(base)).get(series);
    }
  }

  before(async () => {
    hub = createHub(
      {
        bindAddress: '127.0.0.1',
        xpubPort: 0,
        xsubPort: 0,
        forwarding: 'zmtp',
        heartbeatIntervalMs: HEARTBEAT_IVL,
        heartbeatTimeoutMs: HEARTBEAT_TIMEOUT,
        handshakeTimeoutMs: HANDSHAKE_TIMEOUT,
      },
      { meter: metrics.meter },
    );
    const a = await hub.start();
    const http = await serveHub(hub, metrics);
    closers.push(() => http.close());
    base = `http://127.0.0.1:${http.port}`;
    pubEp = connectable(a.xsub);
    subEp = connectable(a.xpub);
    pair = await healthyPair(pubEp, subEp);
  });
  after(async () => {
    pair?.close();
    for (const c of closers.reverse()) await c();
    await hub.close();
    await metrics.shutdown();
  });

  it('closes a peer that sends garbage instead of a greeting', async () => {
    const p = new RawPeer(subEp);
    p.send(Buffer.from('GET / HTTP/1.1\r\nHost: hub\r\n\r\n'));
    await p.closed;
    await counted(peerErrors('xpub', 'ZR_HUB_PEER_PROTOCOL'), 1);
    await healthy();
  });

  it('closes ZMTP 2.0 peers and peers that want another security mechanism', async () => {
    const old = new RawPeer(pubEp);
    old.send(greeting(1, 0));
    await old.closed;
    const plain = new RawPeer(pubEp);
    plain.send(greeting(3, 1, 'PLAIN'));
    await plain.closed;
    await counted(peerErrors('xsub', 'ZR_HUB_PEER_PROTOCOL'), 2);
    await counted('zeek_relay_hub_handshake_failures_total{socket="xsub",error_type="protocol"}', 2);
    await healthy();
  });

  it('closes a peer of an incompatible socket type (a PUB on the XPUB side)', async () => {
    const p = new RawPeer(subEp);
    p.send(greeting(), ready('PUB'));
    await p.closed;
    await counted(peerErrors('xpub', 'ZR_HUB_PEER_PROTOCOL'), 2);
    await healthy();
  });

  it('closes a publisher that announces an oversized frame, without waiting for its body', async () => {
    const p = new RawPeer(pubEp);
    p.send(greeting(), ready('XPUB'));
    await waitFor(() => p.handshaken('XSUB'), 'handshake with the raw publisher');
    // LONG frame header: 2^40 bytes announced.
    p.send(Buffer.from([0x02, 0, 0, 0, 1, 0, 0, 0, 0]));
    await p.closed;
    await counted(peerErrors('xsub', 'ZR_HUB_PEER_PROTOCOL'), 3);
    await healthy();
  });

  it('drops a peer that never finishes its handshake, after the handshake timeout', async () => {
    const p = new RawPeer(subEp);
    await p.closed;
    await counted(peerErrors('xpub', 'ZR_HUB_PEER_TIMEOUT'), 1);
    await healthy();
  });

  it('drops a subscriber that stops answering after the handshake (heartbeat timeout), and its subscription', async () => {
    const p = new RawPeer(subEp);
    p.send(greeting(), ready('XSUB'), frame(0, Buffer.from('\x01t.frozen')));
    await waitFor(() => hub.subscriptions().includes('t.frozen'), 'the frozen peer subscribed');
    // It never answers the hub's PINGs (it never writes again).
    await p.closed;
    await counted(peerErrors('xpub', 'ZR_HUB_PEER_TIMEOUT'), 2);
    assert.ok(!hub.subscriptions().includes('t.frozen'));
    await healthy();
  });

  it('serves raw ZMTP 3.0 (0x01 message) and 3.1 (SUBSCRIBE command) subscribers', async () => {
    const v30 = new RawPeer(subEp);
    v30.send(greeting(3, 0), ready('SUB'), frame(0, Buffer.from('\x01t.raw30')));
    const v31 = new RawPeer(subEp);
    v31.send(greeting(3, 1), ready('XSUB'), command('SUBSCRIBE', Buffer.from('t.raw31')));
    v30.keepAlive();
    v31.keepAlive();
    closers.push(
      () => void v30.socket.destroy(),
      () => void v31.socket.destroy(),
    );
    await waitFor(
      () => ['t.raw30', 't.raw31'].every((t) => hub.subscriptions().includes(t)),
      'both raw subscriptions at the hub',
    );
    await pair!.pub.send(['t.raw30', 'a']);
    await pair!.pub.send(['t.raw31', 'b']);
    // Each gets exactly its event: topic frame with MORE, then the body frame.
    const want = (topic: string, body: string) =>
      Buffer.concat([frame(1, Buffer.from(topic)), frame(0, Buffer.from(body))]);
    await waitFor(() => v30.received.includes(want('t.raw30', 'a')), 'event at the 3.0 subscriber');
    await waitFor(() => v31.received.includes(want('t.raw31', 'b')), 'event at the 3.1 subscriber');
    assert.ok(!v30.received.includes(Buffer.from('t.raw31')));
    assert.ok(!v31.received.includes(Buffer.from('t.raw30')));
    await healthy();
  });
});
