/**
 * The publish queue's pause-reading path driven to its limit with real sockets: a subscriber that
 * stops reading stalls the hub (XPUB_NODROP), the hub connection then stops taking bytes, events
 * queue up to `publishQueueLimit`, and the gateway stops reading its clients (TCP backpressure).
 * When the subscriber reads again, everything accepted arrives, in order, and reading resumes.
 * The same with CURVE on every connection to the hub: the gateway's boxed output (its write stage,
 * taken whole at every write) waits as the plaintext output does, and nothing of it is lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '@zeek-relay/runtime';
import { XSubscriber, curveKeyPair } from 'zeromq';
import { C, S, dataMessage } from './helpers/events.js';
import { startRig } from './helpers/gateway.js';
import { startTestHub, attachNode } from './helpers/hub.js';
import { until } from '@zeek-relay/test-support';
import { waitUntil } from './helpers/scenario.js';
import { RecordingClient } from './helpers/ws-client.js';

const LIMIT = 8;
const PER_CLIENT = 60;
const BIG = 'x'.repeat(64 * 1024);

async function acked(url: string): Promise<RecordingClient> {
  const c = new RecordingClient(url);
  await c.opened;
  c.send('[]');
  assert.equal(((await c.nextJson()) as { type: string }).type, 'ack');
  return c;
}

const backlog = async (scrape: () => Promise<string>): Promise<number> =>
  Number(/^zeek_relay_gateway_publish_backlog (\d+)$/m.exec(await scrape())?.[1] ?? NaN);

test('publish queue at its limit: clients are not read, nothing accepted is lost, reading resumes', () =>
  drive(false));

test('the same with CURVE: the boxed output waits behind the stalled hub, nothing of it is lost', () =>
  drive(true));

/** The scenario above, plaintext or with CURVE on the hub, the gateway, the subscriber and the node. */
async function drive(curve: boolean): Promise<void> {
  // With CURVE: a hub without allow-list (libzmq admits any client key), each client its own pair.
  const server = curveKeyPair();
  const [gw, sub, nodeKeys] = [curveKeyPair(), curveKeyPair(), curveKeyPair()];
  const client = (own: { publicKey: string; secretKey: string }) =>
    curve
      ? { curveServerKey: server.publicKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey }
      : {};
  const hub = await startTestHub(
    '127.0.0.1',
    undefined,
    true,
    curve ? { curveServer: true, curveSecretKey: server.secretKey } : {},
  );
  const metrics = createMetrics({ serviceName: 'test' });
  const keys = curve
    ? {
        hubCurveServerKey: server.publicKey,
        hubCurvePublicKey: gw.publicKey,
        hubCurveSecretKey: gw.secretKey,
      }
    : {};
  const rig = await startRig({ publishQueueLimit: LIMIT, ...keys }, hub, { meter: metrics.meter });
  // A subscriber that does not read: once its pipe and TCP buffers are full the hub blocks.
  const stuck = new XSubscriber({
    linger: 0,
    receiveHighWaterMark: 1,
    receiveBufferSize: 16384,
    ...client(sub),
  });
  const node = await attachNode(
    'zeromq_manager_host_1_Nbackpressure',
    hub,
    curve ? { serverKey: server.publicKey, ...nodeKeys } : undefined,
  );
  const clients: RecordingClient[] = [];
  let stuckReceived = 0;
  let reading: Promise<void> | undefined;
  try {
    stuck.connect(hub.xpubEndpoint);
    await stuck.send(Buffer.from('\x01/bp/', 'latin1'));
    await node.subscribeAndWait('/bp/');
    clients.push(await acked(rig.url), await acked(rig.url));
    const msg = (c: number, i: number): string => dataMessage('/bp/x', 'bulk', [C(c), C(i), S(BIG)]);
    clients.forEach((c, k) => {
      for (let i = 0; i < PER_CLIENT; i++) c.send(msg(k, i));
    });

    // The queue reaches the limit while the subscriber is stuck: the gateway stops reading.
    const scrape = (): Promise<string> => metrics.scrape();
    const pauses = async (): Promise<number> =>
      Number(/^zeek_relay_gateway_publish_pauses_total (\d+)$/m.exec(await scrape())?.[1] ?? 0);
    // Waits on the pause itself (the limit only guards against a hang).
    await until('reading paused', async () => (await pauses()) >= 1, { stepMs: 25 });
    assert.ok((await backlog(scrape)) > 0, 'events wait for the hub');
    // Paused means unread: the queue stays at the limit plus what one socket read had already
    // delivered per client (a frame of 64 KiB per read), however long the hub stays stuck.
    let most = 0;
    for (let k = 0; k < 10; k++) {
      most = Math.max(most, await backlog(scrape));
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(most <= LIMIT + 2 * clients.length, `backlog grew to ${most} while paused`);
    assert.ok(node.inbox.length < 2 * PER_CLIENT);

    // The subscriber reads again: every event arrives at both subscribers, in order per client.
    reading = (async () => {
      for await (const frames of stuck) if (frames.length === 4) stuckReceived++;
    })();
    await node.waitFor(() => node.inbox.length === 2 * PER_CLIENT, 'all events at the node');
    await waitUntil(() => stuckReceived === 2 * PER_CLIENT, 'all events at the stuck subscriber');
    const seq = new Map<string, bigint[]>();
    for (const r of node.inbox) {
      const [c, i] = (r.event?.args ?? []).map((a) => (a.type === 'count' ? a.value : -1n));
      seq.set(r.sender, [...(seq.get(r.sender) ?? []), i ?? -1n]);
      assert.ok(c === 0n || c === 1n);
    }
    assert.equal(seq.size, 2);
    for (const s of seq.values())
      assert.deepEqual(
        s,
        Array.from({ length: PER_CLIENT }, (_, i) => BigInt(i)),
      );

    // Reading resumed: the queue is empty, the clients' buffers drained, and new events pass.
    assert.equal(await backlog(scrape), 0);
    await waitUntil(() => clients.every((c) => c.ws.bufferedAmount === 0), 'client buffers drained');
    clients.forEach((c, k) => c.send(msg(k, PER_CLIENT)));
    await node.waitFor(() => node.inbox.length === 2 * PER_CLIENT + 2, 'events after resume');
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await node.close();
    stuck.close();
    await reading?.catch(() => undefined);
    await rig.close();
    await hub.close();
  }
}
