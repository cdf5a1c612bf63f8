/**
 * The emulated nodes against the recording of a real Zeek 8.2.2 session
 * (fixtures zeek-8.2/cluster-session): behind a hub run as Zeek's manager runs it (XSUB ↔ XPUB,
 * VERBOSER, NODROP) and observed the way that recording was made (an XSUB subscribed to
 * everything, an XPUB with VERBOSER), a manager, proxy-1 and worker-1 joining one after the other
 * make the same subscriptions in the same order and exchange the same hellos as the real nodes.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Proxy, XPublisher, XSubscriber } from 'zeromq';
import { readJsonFixture } from '@zeek-relay/fixtures';
import {
  decodeEvent,
  decodeEventFrames,
  encodeSubscriptionFrame,
  parseSubscriptionFrame,
} from '@zeek-relay/wire';
import { EmulatedZeekNode } from '../src/index.js';

interface Recording {
  nodes: Record<string, string>;
  frames: Array<{ topic: string; sender: string; format: string; event: { name: string; args: unknown[] } }>;
}
interface Subs {
  subscriptions: Array<{ kind: string; topic: string }>;
}
const recorded = readJsonFixture<Recording>('zeek-8.2', 'cluster-session', 'frames.json');
const recordedSubs = readJsonFixture<Subs>('zeek-8.2', 'cluster-session', 'subscriptions.json');
const NAMES = ['manager', 'proxy-1', 'worker-1'];

/** `zeek.cluster.nodeid.<id of worker-1>.` → `zeek.cluster.nodeid.<worker-1>.` */
function byName(text: string, ids: Record<string, string>): string {
  let out = text;
  for (const [name, id] of Object.entries(ids)) out = out.split(id).join(`<${name}>`);
  return out;
}

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

test('subscriptions and hellos have the shapes and order of the recorded Zeek 8.2.2 session', async () => {
  const front = new XSubscriber({ linger: 0 });
  const back = new XPublisher({ linger: 0, noDrop: true, verbosity: 'allSubsUnsubs' });
  await back.bind('tcp://127.0.0.1:*');
  await front.bind('tcp://127.0.0.1:*');
  const proxy = new Proxy(front, back);
  const running = proxy.run();
  cleanup.push(async () => {
    proxy.terminate();
    await running;
  });
  const seenSubs: string[] = [];
  const subRecorder = new XPublisher({ linger: 0, verbosity: 'allSubsUnsubs' });
  // libzmq attaches a connection asynchronously: start the nodes only once the recorder is
  // attached, or the first node's burst may reach the hub before anyone records it.
  const attached = new Promise<void>((resolve) => subRecorder.events.on('handshake', () => resolve()));
  subRecorder.connect(front.lastEndpoint as string);
  await attached;
  const frameRecorder = new XSubscriber({ linger: 0, receiveHighWaterMark: 0 });
  frameRecorder.connect(back.lastEndpoint as string);
  await frameRecorder.send(encodeSubscriptionFrame(true, ''));
  const seenFrames: Uint8Array[][] = [];
  const loops = [
    (async () => {
      for await (const [f] of subRecorder) {
        const { subscribe, prefix } = parseSubscriptionFrame(f!);
        if (prefix.length > 0) seenSubs.push(`${subscribe ? '+' : '-'}${Buffer.from(prefix).toString()}`);
      }
    })().catch(() => undefined),
    (async () => {
      for await (const frames of frameRecorder) seenFrames.push(frames);
    })().catch(() => undefined),
  ];
  cleanup.push(async () => {
    subRecorder.close();
    frameRecorder.close();
    await Promise.all(loops);
  });

  const endpoints = { connectXpub: front.lastEndpoint as string, connectXsub: back.lastEndpoint as string };
  const nodes: EmulatedZeekNode[] = [];
  const roles = { manager: 'manager', 'proxy-1': 'proxy', 'worker-1': 'worker' } as const;
  for (const name of NAMES) {
    const node = new EmulatedZeekNode({ name, role: roles[name as keyof typeof roles], ...endpoints });
    cleanup.push(() => node.close());
    await node.start();
    nodes.push(node);
    const others = nodes.slice(0, -1);
    const deadline = Date.now() + 20_000; // hang guard
    // Every node of the session subscribes to six topics; slice the record node by node.
    while (
      seenSubs.length < 6 * nodes.length ||
      !others.every((o) => o.up.has(node.id) && node.up.has(o.id))
    ) {
      if (Date.now() > deadline) throw new Error(`${name} never came up`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const ids = Object.fromEntries(nodes.map((n) => [n.options.name, n.id]));

  // Subscriptions: each joining node's burst, in the recorded order (the manager's was replayed
  // sorted in the recording, so it is compared as a set).
  const realIds = Object.fromEntries(NAMES.map((n) => [n, recorded.nodes[n]!]));
  const real = recordedSubs.subscriptions
    .filter((s) => s.topic !== '')
    .map((s) => byName(`${s.kind === 'subscribe' ? '+' : '-'}${s.topic}`, realIds));
  // Six topics per node, node after node (the recording's manager burst is its replay at attach).
  const realByNode = new Map(NAMES.map((n, k) => [n, real.slice(6 * k, 6 * k + 6)]));
  const oursByNode = new Map(
    NAMES.map((n, k) => [n, seenSubs.slice(6 * k, 6 * k + 6).map((l) => byName(l, ids))]),
  );
  assert.deepEqual([...oursByNode.get('manager')!].sort(), [...realByNode.get('manager')!].sort());
  for (const name of ['proxy-1', 'worker-1'])
    assert.deepEqual(oursByNode.get(name), realByNode.get(name), name);

  // Hellos: the same events between the same pairs, with the same frames (topic, sender id, format)
  // and argument types.
  const shape = (
    topic: string,
    sender: string,
    format: string,
    name: string,
    args: unknown[],
    idsOf: Record<string, string>,
  ) => byName(`${topic} from ${sender} ${format} ${name}(${JSON.stringify(args)})`, idsOf);
  const realHellos = recorded.frames
    .filter((f) => f.event.name.endsWith('hello'))
    .filter((f) => !f.topic.includes(recorded.nodes['worker-2']!) && f.sender !== recorded.nodes['worker-2'])
    .map((f) => shape(f.topic, f.sender, f.format, f.event.name, f.event.args, realIds))
    .sort();
  const ourHellos = seenFrames
    .map((frames) => decodeEventFrames(frames))
    .map((m) => ({ m, ev: decodeEvent(m.payload) }))
    .filter(({ ev }) => ev.name.endsWith('hello'))
    .map(({ m, ev }) =>
      shape(
        Buffer.from(m.topic).toString(),
        Buffer.from(m.sender).toString(),
        m.format,
        ev.name,
        ev.args.map((a) => ({
          type: a.type,
          value: a.type === 'string' ? Buffer.from(a.value as Uint8Array).toString() : a,
        })),
        ids,
      ),
    )
    .sort();
  assert.deepEqual(ourHellos, realHellos);
  assert.deepEqual(
    nodes.map((n) => n.warnings),
    [[], [], []],
  );
});
