/**
 * Fault drill (issue #15): the hub process SIGKILLed under load with emulated Zeek nodes attached,
 * then started again on the same ports. Reports what was lost; checks that nothing arrives twice
 * or out of order, that traffic resumes, that the nodes never saw each other go down (their
 * sockets keep their pipes, as with Zeek's own hub), that the registry is right again and that a
 * node joining afterwards meets both (node_up on every side).
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { data } from '@zeek-relay/wire';
import { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { HUB_MAIN, hubProcessSetup, spawnNode, type Child } from './helpers/spawn.js';
import { sleep, waitFor } from './helpers/wait.js';

const children: Child[] = [];
const nodes: EmulatedZeekNode[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  for (const c of children) c.kill('SIGKILL');
});

async function startHub(env: Record<string, string>, url: string): Promise<Child> {
  const c = spawnNode(HUB_MAIN, [], env);
  children.push(c);
  const end = Date.now() + 60_000; // hang guard
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > end) throw new Error('hub not ready');
    await sleep(50);
  }
  return c;
}

it('hub SIGKILLed under load: loss reported, no duplicates, traffic and registry recover', async (t) => {
  const { env, url, endpoints: ep } = await hubProcessSetup();
  const first = await startHub(env, url);
  const manager = new EmulatedZeekNode({ name: 'manager', role: 'manager', ...ep });
  const worker = new EmulatedZeekNode({ name: 'worker-1', role: 'worker', keepInbox: false, ...ep });
  nodes.push(manager, worker);
  await manager.start();
  await worker.start();
  await waitFor(() => manager.up.has(worker.id) && worker.up.has(manager.id), 'node_up', 30_000);

  const seqs: number[] = [];
  worker.onEvent = ({ topic, event }) => {
    if (topic !== 'zeek.cluster.worker') return;
    const arg = event?.args[0];
    if (arg?.type === 'count') seqs.push(Number(arg.value));
  };
  let sent = 0;
  let publishing = true;
  const load = (async () => {
    while (publishing) {
      await manager.publish('zeek.cluster.worker', { name: 'Drill::tick', args: [data.count(++sent)] });
      if (sent % 20 === 0) await sleep(1);
    }
  })();
  await waitFor(() => seqs.length > 500, 'traffic before the kill', 30_000);

  first.kill('SIGKILL');
  await first.exited;
  const atKill = { sent, received: seqs.length };
  await startHub(env, url);
  await waitFor(() => seqs.length > atKill.received + 500, 'traffic after the restart', 60_000);
  publishing = false;
  await load;
  await waitFor(() => seqs.at(-1) === sent || seqs.length >= sent, 'the last event', 30_000).catch(
    () => undefined,
  );

  // Nothing twice, nothing out of order.
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `in order at ${i}`);
  const lost = sent - seqs.length;
  t.diagnostic(
    `sent ${sent}, received ${seqs.length}, lost ${lost} (${((lost / sent) * 100).toFixed(2)} %), ` +
      `of which dropped at the manager's XPUB HWM while the hub was away: ${manager.xpubDrops}; ` +
      `at the kill: ${atKill.sent} sent, ${atKill.received} received`,
  );
  assert.ok(lost >= 0);
  // The nodes' sockets kept their pipes: neither saw the other go down.
  assert.deepEqual(manager.lifecycle, ['up:worker-1']);
  assert.deepEqual(worker.lifecycle, ['up:manager']);
  // A node joining the restarted hub meets both.
  const late = new EmulatedZeekNode({ name: 'worker-2', role: 'worker', ...ep });
  nodes.push(late);
  await late.start();
  await waitFor(
    () => manager.up.has(late.id) && worker.up.has(late.id) && late.up.size === 2,
    'node_up between the newcomer and both',
    30_000,
  );
  type Nodes = { nodes: Array<{ name: string }> };
  const body = (await (await fetch(`${url}/nodes`)).json()) as Nodes;
  assert.deepEqual(
    body.nodes.map((n) => n.name),
    ['manager', 'worker-1', 'worker-2'],
  );
});
