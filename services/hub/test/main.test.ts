/**
 * `zeek-relay-hub` as a process: config from env, clean SIGTERM shutdown, every config problem
 * reported at once, and a hub restart under load (zeromq-wire.md §5.3): nodes reconnect and
 * resubscribe, traffic resumes, the registry is right again and no node_down is raised.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { data } from '@zeek-relay/wire';
import { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { HUB_MAIN, hubProcessSetup, jsonLines, spawnNode, type Child } from './helpers/spawn.js';
import { sleep, waitFor } from './helpers/wait.js';

/** Resolves once the hub at `url` answers /readyz with 200; fails if `child` exits first. */
async function ready(url: string, child: Child): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (exited) throw new Error(`hub exited before it was ready: ${child.stderr()}${child.lines.join('\n')}`);
    await sleep(50);
  }
}

describe('zeek-relay-hub process', () => {
  const children: Child[] = [];
  const nodes: EmulatedZeekNode[] = [];
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    for (const c of children) c.kill('SIGKILL');
  });

  it('rejects bad configuration with every problem listed, exit code 1', async () => {
    const c = spawnNode(HUB_MAIN, ['--xsub-port=99999', '--slow-subscriber', 'sometimes'], {
      ZR_HUB_HEARTBEAT_INTERVAL_MS: 'often',
    });
    children.push(c);
    assert.equal(await c.exited, 1);
    const err = c.stderr();
    assert.match(err, /--xsub-port: must be <= 65535/);
    assert.match(err, /--slow-subscriber: /);
    assert.match(err, /ZR_HUB_HEARTBEAT_INTERVAL_MS: must be integer/);
  });

  it('prints every setting for --help', async () => {
    const c = spawnNode(HUB_MAIN, ['--help']);
    children.push(c);
    assert.equal(await c.exited, 0);
    const text = c.lines.join('\n');
    for (const s of [
      '--xpub-port',
      'ZR_HUB_XSUB_PORT',
      '--curve-client-public-key-files',
      '--slow-subscriber',
    ])
      assert.ok(text.includes(s), s);
  });

  for (const forwarding of ['native', 'counted', 'zmtp'])
    it(`survives a restart under load (forwarding=${forwarding}): clean SIGTERM exit, reconnect, resubscribe, traffic resumes, registry right`, async () => {
      const {
        env,
        url,
        endpoints: ep,
      } = await hubProcessSetup({
        ZR_HUB_HEARTBEAT_INTERVAL_MS: '200',
        ZR_HUB_HEARTBEAT_TIMEOUT_MS: '1000',
        ZR_HUB_FORWARDING: forwarding,
      });
      const first = spawnNode(HUB_MAIN, [], env);
      children.push(first);
      await ready(url, first);

      const manager = new EmulatedZeekNode({ name: 'manager', role: 'manager', ...ep });
      const worker = new EmulatedZeekNode({ name: 'worker-1', role: 'worker', ...ep });
      nodes.push(manager, worker);
      await manager.start();
      await worker.start();
      await waitFor(() => manager.up.has(worker.id) && worker.up.has(manager.id), 'node_up');

      let publishing = true;
      const load = (async () => {
        const ev = { name: 'Test::tick', args: [data.string('x'.repeat(200))] };
        while (publishing) {
          await manager.publish('zeek.cluster.worker', ev);
          await sleep(1);
        }
      })();
      await waitFor(
        () => (worker.received.get('zeek.cluster.worker') ?? 0) > 50,
        'traffic before the restart',
      );

      first.kill('SIGTERM');
      assert.equal(await first.exited, 0, 'clean exit on SIGTERM');
      assert.ok(jsonLines(first).some((l) => l.msg === 'Shut down'));
      const before = worker.received.get('zeek.cluster.worker') ?? 0;

      const second = spawnNode(HUB_MAIN, [], env);
      children.push(second);
      await ready(url, second);
      await waitFor(
        () => (worker.received.get('zeek.cluster.worker') ?? 0) > before + 50,
        'traffic after the restart',
      );
      // Each node re-subscribes when its own XSUB reconnects, which can lag its XPUB's reconnect
      // (and so the traffic above): wait until the registry has seen both, then check it exactly.
      type Nodes = { nodes: Array<{ name: string; id: string }> };
      let body: Nodes = { nodes: [] };
      while (body.nodes.length < 2) {
        body = (await (await fetch(`${url}/nodes`)).json()) as Nodes;
        if (body.nodes.length < 2) await sleep(50);
      }
      assert.deepEqual(
        body.nodes.map((n) => [n.name, n.id]),
        [
          ['manager', manager.id],
          ['worker-1', worker.id],
        ],
      );
      // Node sockets are connect-side: no unsubscription, hence no node_down, during the outage.
      assert.deepEqual(manager.lifecycle, ['up:worker-1']);
      assert.deepEqual(worker.lifecycle, ['up:manager']);
      publishing = false;
      await load;
      second.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    });
});
