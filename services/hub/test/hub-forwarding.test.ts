/**
 * Forwarding through the hub between emulated Zeek nodes (real libzmq sockets on 127.0.0.1 and
 * ipc): subscription propagation (zeromq-wire.md §4.2), prefix routing (§4.3), the hello → node_up exchange and
 * node_down (§5), verbatim 4-frame forwarding of captured Zeek events, registry and HTTP side port.
 * Each test starts its own hub and nodes, so any one runs alone. Every test runs on both data paths
 * that forward differently: libzmq's proxy (`native`) and the hub's own ZMTP core (`zmtp`).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readJsonFixture } from '@zeek-relay/fixtures';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createMetrics } from '@zeek-relay/runtime';
import { createHub, type Hub } from '../src/index.js';
import { serveHub } from './helpers/http.js';
import { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { connectable, waitFor } from './helpers/wait.js';

interface Captured {
  vectors: Array<{ name: string; topic: string; hex: string }>;
}
/** The first six events a Zeek 8.0.10 worker published (Test::marker, ping, my_event, two bools, a count). */
const events: Captured = {
  vectors: readJsonFixture<Captured>('zeek-8.0', 'captured', 'zeromq-events.json').vectors.slice(0, 6),
};

let ipcHubs = 0;
const transports = {
  tcp: () => ({ bindAddress: '127.0.0.1', xpubPort: 0, xsubPort: 0 }),
  ipc: () => {
    const base = join(tmpdir(), `zr-hub-${process.pid}-${++ipcHubs}`);
    ipcFiles.push(`${base}-xpub`, `${base}-xsub`);
    return { xpubEndpoint: `ipc://${base}-xpub`, xsubEndpoint: `ipc://${base}-xsub` };
  },
};
/** The ipc socket files the hubs bound (libzmq leaves them behind on close): removed at the end. */
const ipcFiles: string[] = [];
after(() => {
  for (const f of ipcFiles) rmSync(f, { force: true });
});

/** One test's hub, its metrics and its nodes; `close()` stops them all (run by each test). */
interface Cluster {
  readonly hub: Hub;
  readonly metrics: ReturnType<typeof createMetrics>;
  node(name: string, role: 'manager' | 'worker' | 'logger', extra?: string[]): Promise<EmulatedZeekNode>;
  close(): Promise<void>;
}

type Forwarding = 'native' | 'zmtp';
const FORWARDINGS: Forwarding[] = ['native', 'zmtp'];

/** A fresh hub on `endpoints` (fast heartbeats), started, with no nodes yet. */
async function startCluster(
  endpoints: () => Record<string, unknown>,
  forwarding: Forwarding,
): Promise<Cluster> {
  const metrics = createMetrics({ serviceName: 'zeek-relay-hub' });
  const hub = createHub(
    { ...endpoints(), heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1000, forwarding },
    { meter: metrics.meter },
  );
  await hub.start();
  const nodes: EmulatedZeekNode[] = [];
  return {
    hub,
    metrics,
    async node(name, role, extra = []) {
      const a = hub.addresses!;
      const n = new EmulatedZeekNode({
        name,
        role,
        connectXpub: connectable(a.xsub),
        connectXsub: connectable(a.xpub),
        extraSubscriptions: extra,
      });
      nodes.push(n);
      await n.start();
      return n;
    },
    async close() {
      await Promise.all(nodes.map((n) => n.close()));
      await hub.close();
      await metrics.shutdown();
    },
  };
}

/**
 * Runs `fn` on a fresh cluster of a manager, worker-1 (also subscribed to `zeek.test.ev.`) and
 * worker-10, once all three are up for each other and the hub registered them.
 */
async function withThreeNodes(
  endpoints: () => Record<string, unknown>,
  forwarding: Forwarding,
  fn: (
    c: Cluster,
    manager: EmulatedZeekNode,
    worker: EmulatedZeekNode,
    worker10: EmulatedZeekNode,
  ) => Promise<void>,
): Promise<void> {
  const c = await startCluster(endpoints, forwarding);
  try {
    const manager = await c.node('manager', 'manager');
    const worker = await c.node('worker-1', 'worker', ['zeek.test.ev.']);
    const worker10 = await c.node('worker-10', 'worker');
    const all = [manager, worker, worker10];
    await waitFor(
      () => all.every((n) => all.every((o) => o === n || n.up.has(o.id))),
      'node_up among the three nodes',
    );
    await waitFor(() => c.hub.nodes().length === 3, 'registry with three nodes');
    await fn(c, manager, worker, worker10);
  } finally {
    await c.close();
  }
}

for (const [proto, endpoints] of Object.entries(transports))
  for (const forwarding of FORWARDINGS) {
    describe(`hub forwarding over ${proto}, forwarding=${forwarding}`, () => {
      it('starts on the requested endpoints and reports the bound addresses', async () => {
        const { hub, close } = await startCluster(endpoints, forwarding);
        try {
          const addrs = hub.addresses!;
          assert.match(addrs.xpub, proto === 'tcp' ? /^tcp:\/\/127\.0\.0\.1:\d+$/ : /^ipc:\/\//);
          assert.match(addrs.xsub, proto === 'tcp' ? /^tcp:\/\/127\.0\.0\.1:\d+$/ : /^ipc:\/\//);
          assert.notEqual(addrs.xpub, addrs.xsub);
          assert.deepEqual(hub.readiness(), { ready: true });
        } finally {
          await close();
        }
      });

      it('runs the hello → node_up exchange between two nodes, and every node sees every subscription', async () => {
        const c = await startCluster(endpoints, forwarding);
        try {
          const manager = await c.node('manager', 'manager');
          const worker = await c.node('worker-1', 'worker', ['zeek.test.ev.']);
          await waitFor(
            () => manager.up.has(worker.id) && worker.up.has(manager.id),
            'node_up on both sides',
          );
          assert.deepEqual(manager.lifecycle, ['up:worker-1']);
          assert.deepEqual(worker.lifecycle, ['up:manager']);
          // Every node's XPUB sees the other's (and its own) subscriptions (§4.2, VERBOSER).
          for (const n of [manager, worker]) {
            for (const t of [
              'zeek.cluster.manager',
              `zeek.cluster.nodeid.${manager.id}.`,
              'zeek.cluster.node.manager.',
              'zeek.cluster.pool.worker',
              'zeek.cluster.worker',
              `zeek.cluster.nodeid.${worker.id}.`,
              'zeek.cluster.node.worker-1.',
              'zeek.test.ev.',
            ]) {
              await waitFor(() => n.seenTopics.has(t), `${n.options.name} sees ${t}`);
            }
          }
          await waitFor(() => c.hub.nodes().length === 2, 'registry with two nodes');
          assert.deepEqual(
            c.hub.nodes().map((x) => [x.name, x.id]),
            [
              ['manager', manager.id],
              ['worker-1', worker.id],
            ],
          );
        } finally {
          await c.close();
        }
      });

      it('forwards captured Zeek events verbatim, by byte prefix only', () =>
        withThreeNodes(endpoints, forwarding, async (_c, manager, worker, workers10) => {
          await waitFor(
            () => manager.seenTopics.has('zeek.test.ev.'),
            'worker-1 subscription at the manager',
          );
          for (const v of events.vectors) await manager.publishRaw(v.topic, Buffer.from(v.hex, 'hex'));
          await waitFor(
            () => (worker.received.get('zeek.test.ev.') ?? 0) === events.vectors.length,
            'captured events at worker-1',
          );
          const last = events.vectors.at(-1)!;
          assert.deepEqual(
            worker.lastFrames!.map((f) => Buffer.from(f).toString('hex')),
            [
              Buffer.from(last.topic).toString('hex'),
              Buffer.from(manager.id).toString('hex'),
              Buffer.from('broker-bin-v1').toString('hex'),
              last.hex,
            ],
          );
          // `zeek.cluster.node.worker-1.` must not reach worker-10 (prefix + trailing dot, §4.3) …
          await manager.publishRaw('zeek.cluster.node.worker-1.', Buffer.from(last.hex, 'hex'));
          // … while `zeek.cluster.worker` reaches both workers.
          await manager.publishRaw('zeek.cluster.worker', Buffer.from(last.hex, 'hex'));
          await waitFor(
            () =>
              worker.received.get('zeek.cluster.worker') === 1 &&
              workers10.received.get('zeek.cluster.worker') === 1,
            'role topic at both workers',
          );
          assert.equal(worker.received.get('zeek.cluster.node.worker-1.'), 1);
          assert.equal(workers10.received.get('zeek.cluster.node.worker-1.'), undefined);
          assert.equal(
            manager.received.get('zeek.cluster.worker'),
            undefined,
            'manager is not subscribed to the worker topic',
          );
        }));

      it('propagates an unsubscription only when the last holder of a prefix is gone (§4.5)', () =>
        withThreeNodes(endpoints, forwarding, async ({ hub }, manager, worker, worker10) => {
          await worker10.subscribe('zeek.shared.');
          await worker.subscribe('zeek.shared.');
          await waitFor(() => manager.seenTopics.has('zeek.shared.'), 'shared subscription');
          await worker10.unsubscribe('zeek.shared.');
          await worker.unsubscribe('zeek.shared.');
          await waitFor(() => manager.notifications.includes('-zeek.shared.'), 'shared unsubscription');
          assert.equal(manager.notifications.filter((n) => n === '-zeek.shared.').length, 1);
          assert.ok(!hub.subscriptions().includes('zeek.shared.'));
        }));

      it('serves /nodes, /subscriptions, /readyz and /metrics on the HTTP side port', () =>
        withThreeNodes(endpoints, forwarding, async ({ hub, metrics }) => {
          const http = await serveHub(hub, metrics);
          const base = http.url;
          try {
            const body = (await (await fetch(`${base}/nodes`)).json()) as {
              nodes: Array<{ name: string; id: string; connectedSince: string }>;
            };
            assert.deepEqual(
              body.nodes.map((n) => n.name),
              ['manager', 'worker-1', 'worker-10'],
            );
            assert.ok(body.nodes.every((n) => !Number.isNaN(Date.parse(n.connectedSince))));
            const subs = (await (await fetch(`${base}/subscriptions`)).json()) as { subscriptions: string[] };
            assert.ok(subs.subscriptions.includes('zeek.cluster.node.worker-10.'));
            assert.equal((await fetch(`${base}/readyz`)).status, 200);
            assert.equal((await fetch(`${base}/healthz`)).status, 200);
            const text = await (await fetch(`${base}/metrics`)).text();
            assert.match(text, /^zeek_relay_hub_nodes(\{[^}]*\})? 3$/m);
            assert.match(text, /^zeek_relay_hub_connects_total\{[^}]*socket="xpub"[^}]*\} 3$/m);
            assert.match(text, /^zeek_relay_hub_node_changes_total\{[^}]*change="up"[^}]*\} 3$/m);
          } finally {
            await http.close();
          }
        }));

      it('tells the others when a node leaves: unsubscription → node_down, registry updated', () =>
        withThreeNodes(endpoints, forwarding, async ({ hub }, manager, worker, worker10) => {
          await worker10.close();
          await waitFor(
            () => manager.lifecycle.includes('down:worker-10') && worker.lifecycle.includes('down:worker-10'),
            'node_down(worker-10)',
          );
          await waitFor(() => hub.nodes().length === 2, 'registry without worker-10');
          for (const t of ['zeek.cluster.node.worker-10.', `zeek.cluster.nodeid.${worker10.id}.`]) {
            assert.ok(manager.notifications.includes(`-${t}`), `manager saw -${t}`);
          }
          // zeek.cluster.worker / pool.worker are still held by worker-1: no unsubscription for them.
          assert.ok(!manager.notifications.includes('-zeek.cluster.worker'));
        }));

      it('closes cleanly: readiness fails, ports are released', async () => {
        const { hub, close } = await startCluster(endpoints, forwarding);
        await close();
        assert.equal(hub.readiness().ready, false);
        await hub.close(); // idempotent
        const again = createHub({
          forwarding,
          ...(proto === 'tcp'
            ? {
                bindAddress: '127.0.0.1',
                xpubPort: Number(hub.addresses!.xpub.split(':').at(-1)),
                xsubPort: Number(hub.addresses!.xsub.split(':').at(-1)),
              }
            : { xpubEndpoint: hub.addresses!.xpub, xsubEndpoint: hub.addresses!.xsub }),
        });
        const addrs = await again.start();
        assert.equal(addrs.xpub, hub.addresses!.xpub);
        await again.close();
      });
    });
  }
