/**
 * The recorded Zeek 8.0.10 cluster lifecycle (`@zeek-relay/fixtures` zeek-8.0/captured/
 * cluster-lifecycle.json: a manager, then worker-1 joining, saying hello and terminating, seen by a
 * recording subscriber attached like a node) replayed through the hub on each data path, with
 * every party a real libzmq socket. What the recorder got from the real hub, it must get from ours,
 * byte for byte and in the recorded order: the hub's replay of the subscriptions it already held
 * (in libzmq's byte order, not the order they were made in), the worker's subscriptions, the four
 * hello events, and the worker's unsubscriptions when it went away (again in byte order). The
 * registry must show both nodes, then only the manager.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XPublisher, XSubscriber } from 'zeromq';
import { readJsonFixture } from '@zeek-relay/fixtures';
import { createHub, type Hub } from '../src/index.js';
import { connectable, waitFor } from './helpers/wait.js';

interface Entry {
  socket: string;
  frames_hex: string[];
  text: string;
}
interface Lifecycle {
  ids: Record<'<manager-id>' | '<worker-id>', string>;
  entries: Entry[];
}

const recording = readJsonFixture<Lifecycle>('zeek-8.0', 'captured', 'cluster-lifecycle.json');
/** Subscription messages as the recorder's XPUB got them from the hub XSUB, in order. */
const upstream = recording.entries
  .filter((e) => e.socket.startsWith('subscriber XPUB'))
  .map((e) => e.frames_hex[0]!);
/** Event messages as the recorder's XSUB got them, in order. */
const events = recording.entries
  .filter((e) => e.socket.startsWith('subscriber XSUB'))
  .map((e) => e.frames_hex);
const text = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');
const managerId = recording.ids['<manager-id>'];
const workerId = recording.ids['<worker-id>'];
const EVERYTHING = '01';

/** Receives `n` single-frame messages from `s` as hex. */
async function receiveHex(s: XPublisher, n: number): Promise<string[]> {
  const got: string[] = [];
  while (got.length < n) got.push((await s.receive())[0]!.toString('hex'));
  return got;
}

/** Reads a publisher's subscription messages until the subscription to everything came. */
async function untilEverything(pub: XPublisher): Promise<void> {
  for (;;) if ((await pub.receive())[0]!.toString('hex') === EVERYTHING) return;
}

/** The recording's shape, which the replay below relies on. */
function checkRecording(): void {
  assert.equal(upstream.length, 13, '5 at the start, 4 of the worker, its 4 unsubscribes');
  assert.equal(upstream[0], EVERYTHING);
  assert.ok(upstream.slice(0, 9).every((h) => h.startsWith('01')));
  assert.ok(upstream.slice(9).every((h) => h.startsWith('00')));
  assert.equal(events.length, 4);
}

/**
 * The recorded messages, in the recorded order on the zmtp core (which walks its subscriptions in
 * byte order as the recorded hub's libzmq did); on the native path the same set, since zeromq.js's
 * own libzmq 4.3.5 build walks them in another order (Zeek does not depend on it).
 */
let inLibzmqOrder: (got: string[], want: string[], what: string) => void;

const names = (hub: Hub) => JSON.stringify(hub.nodes().map((n) => [n.name, n.id]));

for (const forwarding of ['native', 'zmtp'] as const)
  describe(`the recorded Zeek 8.0.10 cluster lifecycle through the hub (forwarding=${forwarding})`, () => {
    it('replays, forwards and withdraws subscriptions in libzmq order; passes the hellos verbatim', async () => {
      checkRecording();
      inLibzmqOrder = (got, want, what) =>
        forwarding === 'native'
          ? assert.deepEqual([...got].sort(), [...want].sort(), what)
          : assert.deepEqual(got, want, what);
      const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: 0, xsubPort: 0, forwarding });
      const a = await hub.start();
      const sockets: Array<XPublisher | XSubscriber> = [];
      const open = <T extends XPublisher | XSubscriber>(s: T, endpoint: string): T => {
        sockets.push(s);
        s.connect(connectable(endpoint));
        return s;
      };
      try {
        // The manager subscribes in its own order (zeek.cluster.manager, nodeid, node).
        const managerSub = open(new XSubscriber({ linger: 0 }), a.xpub);
        const managerPub = open(new XPublisher({ linger: 0 }), a.xsub);
        const managerTopics = [upstream[1]!, upstream[3]!, upstream[2]!];
        for (const h of managerTopics) await managerSub.send(Buffer.from(h, 'hex'));
        const recorderSub = open(new XSubscriber({ linger: 0 }), a.xpub);
        await recorderSub.send(Buffer.from(EVERYTHING, 'hex'));
        const held = [EVERYTHING, ...managerTopics].map((h) => text(h).slice(1));
        await waitFor(
          () => held.every((p) => hub.subscriptions().includes(p)),
          'the manager and recorder topics',
        );

        // The recorder's XPUB attaches: the hub replays what it holds, sorted by bytes.
        const recorderPub = open(new XPublisher({ linger: 0, verbosity: 'allSubsUnsubs' }), a.xsub);
        const replay = await receiveHex(recorderPub, 4);
        inLibzmqOrder(replay, upstream.slice(0, 4), 'replay on attach');
        await recorderSub.send(Buffer.from(upstream[4]!, 'hex'));
        assert.deepEqual(await receiveHex(recorderPub, 1), upstream.slice(4, 5));

        // worker-1 joins: its four subscriptions go upstream in the order it made them.
        const workerSub = open(new XSubscriber({ linger: 0 }), a.xpub);
        for (const h of upstream.slice(5, 9)) await workerSub.send(Buffer.from(h, 'hex'));
        assert.deepEqual(
          await receiveHex(recorderPub, 4),
          upstream.slice(5, 9),
          "the worker's subscriptions",
        );
        const workerPub = open(new XPublisher({ linger: 0 }), a.xsub);
        await Promise.all([untilEverything(managerPub), untilEverything(workerPub)]);

        // The hello exchange, each event from the node whose id is its frame 1.
        const sender = (e: string[]) => (text(e[1]!) === workerId ? workerPub : managerPub);
        const inbox = (e: string[]) => (text(e[0]!).includes(managerId) ? managerSub : workerSub);
        for (const [i, e] of events.entries()) {
          await sender(e).send(e.map((h) => Buffer.from(h, 'hex')));
          for (const s of [recorderSub, inbox(e)])
            assert.deepEqual(
              (await s.receive()).map((b) => b.toString('hex')),
              e,
              `event ${i}`,
            );
        }
        const both = JSON.stringify([
          ['manager', managerId],
          ['worker-1', workerId],
        ]);
        await waitFor(() => names(hub) === both, `the registry to hold ${both}`);

        // worker-1 terminates: one unsubscribe per prefix it held, in byte order.
        for (const s of [workerSub, workerPub]) s.close();
        const gone = await receiveHex(recorderPub, 4);
        inLibzmqOrder(gone, upstream.slice(9), "the worker's unsubscriptions");
        const one = JSON.stringify([['manager', managerId]]);
        await waitFor(() => names(hub) === one, `the registry to hold ${one}`);
      } finally {
        for (const s of sockets) if (!s.closed) s.close();
        await hub.close();
      }
    });
  });
