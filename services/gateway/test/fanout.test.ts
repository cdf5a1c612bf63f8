import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMetrics } from '@zeek-relay/runtime';
import { data } from '@zeek-relay/wire';
import { C, S, dataMessage } from './helpers/events.js';
import { startRig } from './helpers/gateway.js';
import { startTestHub, attachNode } from './helpers/hub.js';
import { freePort } from '@zeek-relay/test-support';
import { waitUntil } from './helpers/scenario.js';
import { RecordingClient } from './helpers/ws-client.js';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';

async function acked(url: string, subs: string[]): Promise<RecordingClient> {
  const c = new RecordingClient(url);
  await c.opened;
  c.send(JSON.stringify(subs));
  const ack = (await c.nextJson()) as { type: string };
  assert.equal(ack.type, 'ack');
  return c;
}

describe('delivery semantics', () => {
  test('at most once per client even when several prefixes match; prefix match is byte-wise', async () => {
    const rig = await startRig();
    const node = await attachNode('zeromq_manager_host_1_Nfan', rig.hub);
    try {
      const overlapping = await acked(rig.url, ['/a', '/a/b', '/a/b/c', '', '/a/b/c/d']);
      const exact = await acked(rig.url, ['/a/b/c/d']);
      const other = await acked(rig.url, ['/a/x']);
      for (let i = 1; i <= 3; i++)
        await node.publishWhenSubscribed('/a/b/c/d', { name: 'n', args: [data.count(i)] });
      await node.publishWhenSubscribed('/a/x', { name: 'marker', args: [] });
      for (const c of [overlapping, exact]) {
        for (let i = 1; i <= 3; i++) {
          const m = (await c.nextJson()) as {
            topic: string;
            data: [unknown, unknown, { data: [unknown, { data: [{ data: number }] }] }];
          };
          assert.equal(m.topic, '/a/b/c/d');
          assert.equal(m.data[2].data[1].data[0].data, i);
        }
      }
      // The marker is the next thing `overlapping` sees: no duplicate of the three events came first.
      assert.equal(((await overlapping.nextJson()) as { topic: string }).topic, '/a/x');
      assert.equal(((await other.nextJson()) as { topic: string }).topic, '/a/x');
      for (const c of [overlapping, exact, other]) await c.close();
      assert.deepEqual(
        [overlapping, exact, other].map((c) => c.leftovers.filter((o) => o.kind === 'message').length),
        [0, 0, 0],
      );
    } finally {
      await node.close();
      await rig.close();
    }
  });

  test('events of every frame size in one burst reach every client whole and in order', async () => {
    const rig = await startRig();
    const node = await attachNode('zeromq_manager_host_1_Nsizes', rig.hub);
    try {
      const clients = [await acked(rig.url, ['/sizes/']), await acked(rig.url, ['/sizes/'])];
      // Texts under 64 KiB (16-bit length) and over it (64-bit length), interleaved.
      const lengths = [1, 70_000, 2, 65_536, 3, 200_000, 4];
      await node.publishWhenSubscribed('/sizes/x', { name: 'first', args: [] });
      await Promise.all(
        lengths.map((n, i) =>
          node.publish('/sizes/x', { name: 'sized', args: [data.count(i), data.string('s'.repeat(n))] }),
        ),
      );
      for (const c of clients) {
        assert.equal(((await c.nextJson()) as { topic: string }).topic, '/sizes/x');
        for (let i = 0; i < lengths.length; i++) {
          const m = (await c.nextJson()) as {
            data: [unknown, unknown, { data: [unknown, { data: [{ data: number }, { data: string }] }] }];
          };
          const [index, str] = m.data[2].data[1].data;
          assert.equal(index.data, i);
          assert.equal(str.data, 's'.repeat(lengths[i] as number));
        }
        await c.close();
      }
    } finally {
      await node.close();
      await rig.close();
    }
  });

  test('1000 concurrent clients: every one acked, every one gets each event once, the process lives', async () => {
    const rig = await startRig({ maxClients: 2000 });
    const node = await attachNode('zeromq_manager_host_1_Nthousand', rig.hub);
    await node.subscribeAndWait('/from-clients/');
    const clients: RecordingClient[] = [];
    try {
      for (let batch = 0; batch < 10; batch++) {
        clients.push(
          ...(await Promise.all(
            Array.from({ length: 100 }, (_, i) => acked(rig.url, ['/all/', `/one/${batch * 100 + i}/`])),
          )),
        );
      }
      assert.equal(rig.gateway.clientCount, 1000);
      const counts = new Array<number>(1000).fill(0);
      clients.forEach((c, i) => c.ws.on('message', () => (counts[i] = (counts[i] ?? 0) + 1)));
      await node.publishWhenSubscribed('/all/x', { name: 'broadcast', args: [data.string('to everyone')] });
      await node.publishWhenSubscribed('/one/500/', { name: 'unicast', args: [] });
      await waitUntil(() => counts.every((n, i) => n >= (i === 500 ? 2 : 1)), 'fan-out to 1000 clients');
      // Every client publishes once; the node gets all 1000, each with its client's sender id.
      clients.forEach((c, i) => c.send(dataMessage('/from-clients/', 'hello', [S(`c${i}`), C(i)])));
      await node.waitFor(() => node.events('hello').length === 1000, '1000 publications');
      assert.equal(
        new Set(node.inbox.filter((r) => r.event?.name === 'hello').map((r) => r.sender)).size,
        1000,
      );
      assert.deepEqual(
        counts.filter((n, i) => n !== (i === 500 ? 2 : 1)),
        [],
        'exactly once each',
      );
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await node.close();
      await rig.close();
    }
  });

  test('a slow client is closed (1008 Send queue full) and never slows the others', async () => {
    const metrics = createMetrics({ serviceName: 'test' });
    const rig = await startRig({ sendQueueBytes: 256 * 1024 }, undefined, { meter: metrics.meter });
    const node = await attachNode('zeromq_manager_host_1_Nslow', rig.hub);
    const fast = await acked(rig.url, ['/bulk/']);
    const slow = await acked(rig.url, ['/bulk/']);
    try {
      // The slow client stops reading from its socket: its TCP window fills, then the gateway's buffer.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      let received = 0;
      fast.ws.on('message', () => received++);
      const big = 'x'.repeat(32 * 1024);
      const total = 2000;
      // Flow control towards the fast client only (it shares this process with the gateway): at
      // most 4 events in flight to it, so its own queue never nears the limit.
      for (let i = 0; i < total; i++) {
        await node.publishWhenSubscribed('/bulk/', { name: 'bulk', args: [data.string(big), data.count(i)] });
        if (i - received >= 4) await waitUntil(() => i - received < 4, 'fast client keeps up');
      }
      await waitUntil(() => received === total, 'the fast client receives everything').catch(
        (err: unknown) => {
          throw new Error(`${String(err)}: ${received} of ${total}, slow state ${slow.ws.readyState}`);
        },
      );
      const closed = await Promise.race([
        slow.closed,
        (async () => {
          (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
          return slow.closed;
        })(),
      ]);
      // The close frame (1008 Send queue full) waits behind megabytes the client never read, so
      // the client usually sees the TCP connection end (1006) when the close timeout expires.
      assert.ok([1008, 1006].includes(closed.code), `slow client closed with ${closed.code}`);
      assert.equal(rig.gateway.clientCount, 1);
      assert.match(await metrics.scrape(), /^zeek_relay_gateway_slow_client_closes_total 1$/m);
    } finally {
      await fast.close();
      slow.ws.terminate();
      await node.close();
      await rig.close();
    }
  });
});

describe('several replicas behave as one service', () => {
  test('two gateways on one hub: a client on each sees the other side, never itself', async () => {
    const hub = await startTestHub();
    const g1 = await startRig({}, hub);
    const g2 = await startRig({}, hub);
    try {
      assert.notEqual(g1.gateway.nodeId, g2.gateway.nodeId);
      const c1 = await acked(g1.url, ['/shared/']);
      const c2 = await acked(g2.url, ['/shared/']);
      c1.send(dataMessage('/shared/', 'from', [S('replica-1')]));
      c2.send(dataMessage('/shared/', 'from', [S('replica-2')]));
      const at2 = (await c2.nextJson()) as {
        data: [unknown, unknown, { data: [unknown, { data: [{ data: string }] }] }];
      };
      const at1 = (await c1.nextJson()) as typeof at2;
      assert.equal(at2.data[2].data[1].data[0].data, 'replica-1');
      assert.equal(at1.data[2].data[1].data[0].data, 'replica-2');
      // A shared prefix held by both replicas survives one of them leaving (no unsubscription leak).
      await c1.close();
      await g1.close();
      const c3 = await acked(g2.url, ['/other/']);
      c3.send(dataMessage('/shared/', 'from', [S('after-replica-1-left')]));
      const after = (await c2.nextJson()) as typeof at2;
      assert.equal(after.data[2].data[1].data[0].data, 'after-replica-1-left');
      await c3.close();
      await c2.close();
      assert.deepEqual(
        [...c1.leftovers, ...c2.leftovers, ...c3.leftovers].filter((o) => o.kind === 'message'),
        [],
      );
    } finally {
      await g1.close();
      await g2.close();
      await hub.close();
    }
  });
});

describe('hub restarts', () => {
  test('readiness follows the hub; subscriptions come back by themselves after a restart', async () => {
    // The new hub binds the old one's ports while the gateway reconnects to them: ports outside the
    // ephemeral range, which no connect() or bind(0) can take in between.
    const ports = { xsub: await freePort(), xpub: await freePort() };
    let hub = await startTestHub('127.0.0.1', ports);
    const metrics = createMetrics({ serviceName: 'test' });
    const rig = await startRig({}, hub, { meter: metrics.meter });
    const c = await acked(rig.url, ['/survives/']);
    let node: EmulatedZeekNode | undefined;
    try {
      assert.deepEqual(rig.gateway.readiness(), { ready: true });
      await hub.close();
      await waitUntil(() => !rig.gateway.readiness().ready, 'not ready without a hub');
      // Publications while the hub is away are dropped, as a libzmq XPUB without a peer drops
      // them, and counted (the publishing side may notice the loss a moment after readiness).
      const hubDown = async (): Promise<number> =>
        Number(
          /^zeek_relay_gateway_dropped_total\{reason="hub_down"\} (\d+)$/m.exec(
            await metrics.scrape(),
          )?.[1] ?? 0,
        );
      for (let k = 0; k < 200 && (await hubDown()) === 0; k++) {
        c.send(dataMessage('/from-client/', 'lost', []));
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok((await hubDown()) > 0, 'publications while the hub is down are counted');
      hub = await startTestHub('127.0.0.1', ports);
      await waitUntil(() => rig.gateway.readiness().ready, 'ready again');
      node = await attachNode('zeromq_manager_host_1_Nrestart', hub);
      await node.subscribeAndWait('/from-client/');
      await waitUntil(
        () => node?.seenTopics.has('/survives/') === true,
        'client prefix re-sent to the new hub',
      );
      await node.publishWhenSubscribed('/survives/x', { name: 'after_restart', args: [] });
      assert.equal(((await c.nextJson()) as { topic: string }).topic, '/survives/x');
      c.send(dataMessage('/from-client/', 'back', []));
      await node.waitFor(() => node?.events('back').length === 1);
    } finally {
      await c.close();
      await node?.close();
      await rig.close();
      await hub.close();
    }
  });
});
