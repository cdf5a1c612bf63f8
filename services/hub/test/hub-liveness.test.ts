/**
 * Dead-peer detection (issue: "a node that vanishes without closing TCP is dropped"): emulated
 * Zeek nodes in their own processes are killed (SIGKILL: the kernel closes TCP) or frozen
 * (SIGSTOP: TCP stays open, nothing answers). The others must see the unsubscription of the
 * dead node's nodeid topic, i.e. Zeek's `node_down`. The frozen case is also run with heartbeats
 * off to show that the heartbeats, not something else, detect it. Every case runs on libzmq's
 * heartbeats (`forwarding=native`) and on the hub's own ZMTP core's (`forwarding=zmtp`).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createHub, type Hub } from '../src/index.js';
import { EmulatedZeekNode, spawnZeekNode, type ZeekNodeProcess } from '@zeek-relay/zeek-node';
import { connectable, sleep, waitFor } from './helpers/wait.js';

const HEARTBEAT_IVL = 200;
const HEARTBEAT_TIMEOUT = 800;

type Forwarding = 'native' | 'counted' | 'zmtp';

async function setup(
  heartbeatIntervalMs: number,
  cleanup: Array<() => Promise<void> | void>,
  forwarding: Forwarding = 'native',
) {
  const hub = createHub({
    bindAddress: '127.0.0.1',
    xpubPort: 0,
    xsubPort: 0,
    heartbeatIntervalMs,
    heartbeatTimeoutMs: HEARTBEAT_TIMEOUT,
    forwarding,
  });
  cleanup.push(() => hub.close());
  const a = await hub.start();
  const endpoints = { connectXpub: connectable(a.xsub), connectXsub: connectable(a.xpub) };
  const manager = new EmulatedZeekNode({ name: 'manager', role: 'manager', ...endpoints });
  cleanup.push(() => manager.close());
  await manager.start();
  return { hub, manager, endpoints };
}

async function spawnWorker(
  name: string,
  endpoints: { connectXpub: string; connectXsub: string },
  cleanup: Array<() => Promise<void> | void>,
  manager: EmulatedZeekNode,
) {
  const child = spawnZeekNode({ name, role: 'worker', ...endpoints });
  cleanup.push(() => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  const id = await child.id;
  await waitFor(() => manager.up.has(id), `node_up(${name}) at the manager`);
  return { child, id };
}

/** Waits until the manager saw the nodeid unsubscription; returns the elapsed ms. */
async function untilDown(manager: EmulatedZeekNode, hub: Hub, name: string, id: string): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    () => manager.notifications.includes(`-zeek.cluster.nodeid.${id}.`),
    `unsubscription of ${name}`,
  );
  await waitFor(() => manager.lifecycle.includes(`down:${name}`), `node_down(${name})`);
  await waitFor(() => !hub.nodes().some((n) => n.id === id), `${name} gone from the registry`);
  return Date.now() - t0;
}

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

for (const path of ['native', 'zmtp'] as const)
  describe(`dead-peer detection, forwarding=${path}`, () => {
    it('a killed node process is reported down', async () => {
      const { hub, manager, endpoints } = await setup(HEARTBEAT_IVL, cleanup, path);
      const w = await spawnWorker('worker-1', endpoints, cleanup, manager);
      assert.ok(hub.nodes().some((n) => n.name === 'worker-1'));
      w.child.kill('SIGKILL');
      await untilDown(manager, hub, 'worker-1', w.id);
      // One 0x00 per distinct prefix of the dead node reached the manager (zeromq-wire.md §5.2).
      for (const t of ['zeek.cluster.node.worker-1.', 'zeek.cluster.worker', 'zeek.cluster.pool.worker']) {
        assert.ok(manager.notifications.includes(`-${t}`), `-${t}`);
      }
    });

    it('a frozen (SIGSTOP) node is dropped by the ZMTP heartbeats and reported down', async () => {
      const { hub, manager, endpoints } = await setup(HEARTBEAT_IVL, cleanup, path);
      const w = await spawnWorker('worker-2', endpoints, cleanup, manager);
      w.child.kill('SIGSTOP');
      // Detection needs one interval plus the timeout; waited for as an event (the default limit is
      // only a hang guard), so a loaded machine is slow, never wrong.
      await untilDown(manager, hub, 'worker-2', w.id);
      assert.ok(!manager.up.has(w.id));
    });

    // The re-introduction is published into the hub, so it must hold on every data path.
    for (const forwarding of path === 'native' ? (['native', 'counted'] as const) : ([path] as const))
      it(`a frozen node dropped by the heartbeats is re-admitted after SIGCONT: down → up on every side (forwarding=${forwarding})`, async () => {
        const { hub, manager, endpoints } = await setup(HEARTBEAT_IVL, cleanup, forwarding);
        const proxy = new EmulatedZeekNode({ name: 'proxy-1', role: 'proxy', ...endpoints });
        cleanup.push(() => proxy.close());
        await proxy.start();
        const w = await spawnWorker('worker-4', endpoints, cleanup, manager);
        await waitFor(() => proxy.up.has(w.id), 'node_up(worker-4) at proxy-1');
        const lifecycle = () => w.child.lifecycle();
        await waitFor(
          () => lifecycle().includes('up:manager') && lifecycle().includes('up:proxy-1'),
          'worker-4 up',
        );
        w.child.kill('SIGSTOP');
        await untilDown(manager, hub, 'worker-4', w.id);
        await waitFor(() => proxy.lifecycle.includes('down:worker-4'), 'node_down(worker-4) at proxy-1');
        w.child.kill('SIGCONT');
        // Back through the same libzmq pipes: without the hub's re-introduction the worker ignores the
        // others' hellos ("sends ZeroMQ::hello twice") and nobody raises node_up(worker-4) again.
        const upAgain = (n: EmulatedZeekNode) => n.lifecycle.filter((e) => e === 'up:worker-4').length === 2;
        await waitFor(
          () => upAgain(manager) && upAgain(proxy),
          'node_up(worker-4) again at manager and proxy-1',
        );
        const twiceUp = (n: string) => lifecycle().filter((e) => e === `up:${n}`).length === 2;
        await waitFor(
          () => twiceUp('manager') && twiceUp('proxy-1'),
          'the worker saw the others come up again',
        );
        for (const n of ['manager', 'proxy-1']) {
          const seen = lifecycle().filter((e) => e === `up:${n}` || e === `down:${n}`);
          assert.deepEqual(seen, [`up:${n}`, `down:${n}`, `up:${n}`], `worker-4's view of ${n}`);
        }
        assert.ok(manager.up.has(w.id) && proxy.up.has(w.id));
        assert.ok(hub.nodes().some((n) => n.id === w.id));
        assert.deepEqual(
          manager.warnings.filter((x) => x.startsWith('Expired')),
          [],
          'no hello state expired at the manager',
        );
      });

    it('control: without heartbeats a frozen node stays "up" (as with Zeek\'s own hub)', async () => {
      const { hub, manager, endpoints } = await setup(0, cleanup, path);
      const w: { child: ZeekNodeProcess; id: string } = await spawnWorker(
        'worker-3',
        endpoints,
        cleanup,
        manager,
      );
      w.child.kill('SIGSTOP');
      await sleep((HEARTBEAT_IVL + HEARTBEAT_TIMEOUT) * 3);
      assert.ok(manager.up.has(w.id), 'still up without heartbeats');
      assert.ok(hub.nodes().some((n) => n.id === w.id));
    });
  });
