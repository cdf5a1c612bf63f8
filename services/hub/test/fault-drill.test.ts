/**
 * Fault drill (issue #15): the hub process SIGKILLed while four emulated Zeek nodes (manager,
 * proxy, two workers) publish to each other flat out, then started again on the same ports.
 * Asserts the recovery, never timings: every node is re-admitted (the registry lists all four
 * again, every node still counts every other one as up, so Zeek's pools keep them), traffic flows
 * again on every path, nothing arrives twice or out of order, and a node joining afterwards meets
 * all of them. Prints what was lost per path and how long each step of the recovery took.
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
  let exit: number | null | undefined;
  void c.exited.then((code) => (exit = code));
  const end = Date.now() + 120_000; // hang guard
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    // A hub that exited (a port it could not bind, …) will never be ready: say so with its log.
    if (exit !== undefined || Date.now() > end)
      throw new Error(
        `hub not ready (${exit === undefined ? 'still running' : `exited with ${exit}`}); ` +
          `stdout:\n${c.lines.join('\n')}\nstderr: ${c.stderr()}`,
      );
    await sleep(50);
  }
  return c;
}

/** Who publishes where: the manager to every worker, the workers and the proxy to the manager. */
const ROUTES: Record<string, string> = {
  manager: 'zeek.cluster.worker',
  proxy: 'zeek.cluster.manager',
  'worker-1': 'zeek.cluster.manager',
  'worker-2': 'zeek.cluster.manager',
};

/** Sequence numbers each receiver got from each sender (key `sender>receiver`). */
type Paths = Map<string, number[]>;

/** Records `Drill::tick`s into `paths` and each sender's end marker `Drill::done` into `done`. */
function record(paths: Paths, done: Set<string>, receiver: EmulatedZeekNode): void {
  receiver.onEvent = ({ event: ev }) => {
    const from = ev?.args.at(-1);
    if (from?.type !== 'string') return;
    const key = `${new TextDecoder().decode(from.value)}>${receiver.options.name}`;
    if (ev?.name === 'Drill::done') done.add(key);
    const seq = ev?.args[0];
    if (ev?.name !== 'Drill::tick' || seq?.type !== 'count') return;
    const got = paths.get(key) ?? [];
    got.push(Number(seq.value));
    paths.set(key, got);
  };
}

/**
 * After the load stopped: each sender publishes its end marker until every path has carried it.
 * A path delivers in order, so once its marker is in, every tick sent before it has arrived or
 * was dropped. (A marker can itself be dropped at a full queue, hence repeated.)
 */
async function drainPaths(all: EmulatedZeekNode[], pathKeys: string[], done: Set<string>): Promise<void> {
  const end = Date.now() + 120_000; // hang guard
  for (;;) {
    const pending = pathKeys.filter((k) => !done.has(k));
    if (pending.length === 0) return;
    if (Date.now() > end) throw new Error(`no end marker on ${pending.join(', ')}`);
    const senders = new Set(pending.map((k) => k.split('>')[0]!));
    const marker = (name: string) => ({ name: 'Drill::done', args: [data.string(name)] });
    await Promise.all(
      all
        .filter((n) => senders.has(n.options.name))
        .map((n) => n.publish(ROUTES[n.options.name]!, marker(n.options.name))),
    );
    await sleep(50); // pace the repeats
  }
}

/** Each node publishes to its route until `stop()`; `sent` counts per sender. */
function publishFlatOut(all: EmulatedZeekNode[]) {
  const sent = new Map(all.map((n) => [n.options.name, 0]));
  let running = true;
  const loops = all.map(async (n) => {
    const name = n.options.name;
    while (running) {
      const seq = sent.get(name)! + 1;
      sent.set(name, seq);
      await n.publish(ROUTES[name]!, { name: 'Drill::tick', args: [data.count(seq), data.string(name)] });
      if (seq % 20 === 0) await sleep(1);
    }
  });
  return {
    sent,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const receiversOf = (sender: string, all: EmulatedZeekNode[]) =>
  all.filter((n) =>
    ROUTES[sender] === 'zeek.cluster.worker' ? n.options.role === 'worker' : n.options.role === 'manager',
  );

for (const forwarding of ['native', 'zmtp'])
  it(`hub SIGKILLed under load with four nodes (forwarding=${forwarding}): all re-admitted, traffic on every path, loss reported`, async (t) => {
    const { env, url, endpoints: ep } = await hubProcessSetup({ ZR_HUB_FORWARDING: forwarding });
    const first = await startHub(env, url);
    const all = (
      [
        ['manager', 'manager'],
        ['proxy', 'proxy'],
        ['worker-1', 'worker'],
        ['worker-2', 'worker'],
      ] as const
    ).map(([name, role]) => new EmulatedZeekNode({ name, role, keepInbox: false, ...ep }));
    nodes.push(...all);
    for (const n of all) await n.start();
    const meshUp = () => all.every((n) => n.up.size === all.length - 1);
    await waitFor(meshUp, 'node_up between all four', 60_000);
    const paths: Paths = new Map();
    const done = new Set<string>();
    for (const n of all) record(paths, done, n);
    const load = publishFlatOut(all);
    const pathKeys = all.flatMap((s) =>
      receiversOf(s.options.name, all).map((r) => `${s.options.name}>${r.options.name}`),
    );
    const lastSeen = (key: string) => paths.get(key)?.at(-1) ?? 0;
    await waitFor(
      () => pathKeys.every((k) => lastSeen(k) > 200),
      'traffic on every path before the kill',
      60_000,
    );

    const tKill = performance.now();
    first.kill('SIGKILL');
    await first.exited;
    const sentAtKill = new Map(load.sent);
    const tSpawn = performance.now();
    await startHub(env, url);
    const tReady = performance.now();
    type Nodes = { nodes: Array<{ name: string }> };
    const registry = async () =>
      ((await (await fetch(`${url}/nodes`)).json()) as Nodes).nodes.map((n) => n.name);
    while ((await registry()).length < all.length) await sleep(20);
    const tRegistry = performance.now();
    // Traffic on every path: each receiver got something its sender published after the restart began.
    await waitFor(
      () => pathKeys.every((k) => lastSeen(k) > sentAtKill.get(k.split('>')[0]!)!),
      'traffic on every path after the restart',
      120_000,
    );
    const tTraffic = performance.now();
    await load.stop();
    // Let what is in flight arrive, then account.
    await drainPaths(all, pathKeys, done);

    const report: string[] = [];
    for (const key of pathKeys) {
      const got = paths.get(key) ?? [];
      for (let i = 1; i < got.length; i++)
        assert.ok(got[i]! > got[i - 1]!, `${key}: in order, no duplicate at ${i}`);
      const sender = key.split('>')[0]!;
      const sent = load.sent.get(sender)!;
      const lost = sent - got.length;
      assert.ok(lost >= 0, `${key}: nothing invented`);
      report.push(
        `${key} sent ${sent} received ${got.length} lost ${lost} (${((lost / sent) * 100).toFixed(1)} %)`,
      );
    }
    const drops = all.map((n) => `${n.options.name} ${n.xpubDrops}`).join(', ');
    const ms = (a: number, b: number) => `${Math.round(b - a)} ms`;
    t.diagnostic(`per path: ${report.join('; ')}`);
    t.diagnostic(`dropped at the senders' XPUB high-water mark (as Zeek counts xpub_drops): ${drops}`);
    t.diagnostic(
      `kill → new process spawned ${ms(tKill, tSpawn)}, → ready ${ms(tKill, tReady)}, → all four in the registry ${ms(tKill, tRegistry)}, → traffic on every path ${ms(tKill, tTraffic)}`,
    );

    // Re-admitted: nobody went down for anybody (the nodes' pipes survived), every pool is whole.
    for (const n of all) {
      assert.equal(n.up.size, all.length - 1, `${n.options.name} counts every other node as up`);
      assert.ok(
        !n.lifecycle.some((e) => e.startsWith('down:')),
        `${n.options.name}: ${n.lifecycle.join(',')}`,
      );
    }
    assert.deepEqual((await registry()).sort(), ['manager', 'proxy', 'worker-1', 'worker-2']);
    // A node joining the restarted hub meets every one of them, and they it.
    const late = new EmulatedZeekNode({ name: 'worker-3', role: 'worker', ...ep });
    nodes.push(late);
    await late.start();
    await waitFor(
      () => all.every((n) => n.up.has(late.id)) && late.up.size === all.length,
      'node_up between the newcomer and all four',
      60_000,
    );
  });
