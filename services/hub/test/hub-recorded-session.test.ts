/**
 * The recorded Zeek 8.2.2 cluster session (`@zeek-relay/fixtures` zeek-8.2/cluster-session: what
 * the hub of a manager, proxy-1, worker-1 and worker-2 carried) replayed through the hub on each
 * data path, with the recording's two listeners rebuilt as real libzmq sockets: an XSUB that
 * subscribes to everything, and a VERBOSER XPUB that sees every subscription message the hub
 * passes upstream. The recorded subscription messages are sent in their order by one XSUB, the
 * recorded events by one XPUB. Both listeners must get what the real hub passed on: every event
 * byte for byte and in order, every subscribe (repeats included) and worker-2's two
 * unsubscribes; the registry must end with the three nodes that stayed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XPublisher, XSubscriber } from 'zeromq';
import { readJsonFixture } from '@zeek-relay/fixtures';
import { createHub } from '../src/index.js';
import { connectable, waitFor } from './helpers/wait.js';

interface Session {
  subscriptions: Array<{ kind: 'subscribe' | 'unsubscribe'; hex: string }>;
}
interface Frames {
  nodes: Record<string, string>;
  frames: Array<{ frames: string[] }>;
}

const session = readJsonFixture<Session>('zeek-8.2', 'cluster-session', 'subscriptions.json');
const recorded = readJsonFixture<Frames>('zeek-8.2', 'cluster-session', 'frames.json');
/** The recorder's own subscription to everything (`01`), which it sends itself here too. */
const EVERYTHING = '01';

for (const forwarding of ['native', 'zmtp'] as const)
  describe(`the recorded Zeek 8.2.2 session through the hub (forwarding=${forwarding})`, () => {
    it('passes on every event verbatim and in order, and every subscription message upstream', async () => {
      const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: 0, xsubPort: 0, forwarding });
      const a = await hub.start();
      const sockets: Array<XPublisher | XSubscriber> = [];
      try {
        const upstream = new XPublisher({ linger: 0, verbosity: 'allSubsUnsubs' });
        const everything = new XSubscriber({ linger: 0 });
        const subscriber = new XSubscriber({ linger: 0 });
        const publisher = new XPublisher({ linger: 0, sendHighWaterMark: 0 });
        sockets.push(upstream, everything, subscriber, publisher);
        upstream.connect(connectable(a.xsub));
        everything.connect(connectable(a.xpub));
        await everything.send(Buffer.from(EVERYTHING, 'hex'));
        // The recorder's XPUB is attached once the hub passed it the recorder's own subscription.
        const [first] = await upstream.receive();
        assert.equal(first?.toString('hex'), EVERYTHING);

        subscriber.connect(connectable(a.xpub));
        const replayed = session.subscriptions.map((s) => s.hex).filter((h) => h !== EVERYTHING);
        for (const hex of replayed) await subscriber.send(Buffer.from(hex, 'hex'));
        const upstreamGot: string[] = [];
        while (upstreamGot.length < replayed.length) {
          const [m] = await upstream.receive();
          upstreamGot.push(m!.toString('hex'));
        }
        assert.deepEqual(upstreamGot, replayed);
        assert.equal(upstreamGot.filter((h) => h.startsWith('00')).length, 2, "worker-2's two unsubscribes");

        publisher.connect(connectable(a.xsub));
        // It publishes once the hub passed it the subscription to everything.
        await waitFor(() => hub.subscriptions().includes(''), 'the subscription to everything');
        for (;;) {
          const [m] = await publisher.receive();
          if (m?.toString('hex') === EVERYTHING) break;
        }
        for (const f of recorded.frames) await publisher.send(f.frames.map((h) => Buffer.from(h, 'hex')));
        for (const [i, f] of recorded.frames.entries()) {
          const got = await everything.receive();
          assert.deepEqual(
            got.map((b) => b.toString('hex')),
            f.frames,
            `event ${i}`,
          );
        }

        // On the native path the registry learns from its own observer socket, which reads the
        // hub XSUB's notices in a loop of its own: it may still be behind the recorder here.
        const { nodes } = recorded;
        const want = JSON.stringify(['manager', 'proxy-1', 'worker-1'].map((n) => [n, nodes[n]]));
        const seen = () => JSON.stringify(hub.nodes().map((n) => [n.name, n.id]));
        await waitFor(() => seen() === want, `the registry to hold ${want}`);
      } finally {
        for (const s of sockets) s.close();
        await hub.close();
      }
    });
  });
