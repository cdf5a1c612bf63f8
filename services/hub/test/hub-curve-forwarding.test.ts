/**
 * Forwarding through a CURVE hub (issue #15, "CURVE at plaintext speed"): libzmq XPUB publishers
 * and XSUB subscribers with CURVE keys (as Zeek's nodes) through the hub on both data paths, byte
 * for byte (rejected keys: hub-curve.test.ts). On `forwarding=zmtp` also the package's own CURVE client (the gateway's) both ways, and
 * a box with one flipped byte: that connection is closed with `ZR_HUB_PEER_CURVE`, counted, and
 * the other peers go on forwarding; and heartbeats under CURVE: the hub's PINGs and PONGs go ahead
 * of a subscriber's queued events, yet every box carries a larger nonce than the one before it on
 * the wire (libzmq drops a connection whose nonce goes back).
 */
import assert from 'node:assert/strict';
import { setTimeout } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { XPublisher, XSubscriber, curveKeyPair } from 'zeromq';
import { RawCurvePeer } from './helpers/curve-peer.js';
import { curveOptions, type KeyPair } from './helpers/curve.js';
import { scrapeUntil, startMeteredHub, type MeteredHub } from './helpers/hub.js';
import { until } from '@zeek-relay/test-support';
import { waitFor } from './helpers/wait.js';

const server = curveKeyPair();
const clientA = curveKeyPair();
const clientB = curveKeyPair();
const peerKeys = (c: KeyPair, serverKey = server.publicKey) => curveOptions(c, serverKey);

/** Event-like messages of every frame-size class: empty, short, long (8-octet size) frames. */
const event = (p: number, i: number): Buffer[] => [
  Buffer.from(`t.ev.${p}`),
  Buffer.from(String(i)),
  Buffer.alloc(i % 3 === 0 ? 0 : 1),
  Buffer.alloc([64, 255, 256, 70_000][i % 4]!, (i * 7 + p) & 0xff),
];

const startHub = (forwarding: 'native' | 'zmtp'): Promise<MeteredHub> =>
  startMeteredHub({
    forwarding,
    curveServerSecretKey: server.secretKey,
    curveClientPublicKeys: [clientA.publicKey, clientB.publicKey],
  });

/**
 * The zmtp tests below run twice: sealing on the event loop (`curveSealThreads` 0) and on two
 * seal workers (each subscriber's batches boxed on its worker, its PINGs and PONGs behind them).
 */
const SEAL_THREADS = [0, 2] as const;

/** A zmtp CURVE hub that admits clientA, with `settings`. */
const zmtpHubForA = (settings: Parameters<typeof startMeteredHub>[0]): Promise<MeteredHub> =>
  startMeteredHub({
    forwarding: 'zmtp',
    curveServerSecretKey: server.secretKey,
    curveClientPublicKeys: [clientA.publicKey],
    ...settings,
  });

/** clientA's subscriber that lets a backlog wait in the hub (a small receive HWM). */
const lateSubscriber = (options: ConstructorParameters<typeof XSubscriber>[0] = {}): XSubscriber =>
  new XSubscriber({
    linger: 0,
    receiveHighWaterMark: 10,
    receiveTimeout: 60_000, // a hang guard: a lost event fails the test instead of hanging it
    ...options,
    ...peerKeys(clientA),
  });

/** Collects what a subscriber receives. */
function collect(s: XSubscriber): Buffer[][] {
  const got: Buffer[][] = [];
  void (async () => {
    for await (const frames of s) got.push(frames);
  })().catch(() => undefined);
  return got;
}

for (const forwarding of ['native', 'zmtp'] as const)
  describe(`forwarding through a CURVE hub (forwarding=${forwarding})`, () => {
    let h: MeteredHub;
    const sockets: Array<XPublisher | XSubscriber> = [];
    before(async () => (h = await startHub(forwarding)));
    after(async () => {
      for (const s of sockets) s.close();
      await h.close();
    });

    it('libzmq publishers and subscribers: every message byte for byte, in order per publisher', async () => {
      const pubs = [clientA, clientB].map(
        (k) => new XPublisher({ linger: 0, sendHighWaterMark: 0, ...peerKeys(k) }),
      );
      const subs = [clientA, clientB].map(
        (k) => new XSubscriber({ linger: 0, receiveHighWaterMark: 0, ...peerKeys(k) }),
      );
      sockets.push(...pubs, ...subs);
      for (const s of subs) {
        s.connect(h.sub);
        await s.send(Buffer.from('\x01t.ev.'));
      }
      for (const p of pubs) {
        p.connect(h.pub);
        await p.receive(); // a subscription arrived: this publisher's handshake is done
      }
      const got = subs.map(collect);
      // Probes until both subscribers get one: then the hub holds both subscriptions.
      const probe = [Buffer.from('t.ev.probe')];
      await until('a probe at both subscribers', async () => {
        if (got.every((g) => g.length > 0)) return true;
        await pubs[0]!.send(probe);
        return false;
      });
      const sent: Buffer[][] = [];
      for (let i = 0; i < 200; i++)
        for (const [p, pub] of pubs.entries()) {
          const frames = event(p, i);
          await pub.send(frames);
          sent.push(frames);
        }
      const events = (g: Buffer[][]) => g.filter((f) => f[0]!.toString() !== 't.ev.probe');
      await waitFor(() => got.every((g) => events(g).length >= sent.length), 'every message at both');
      for (const g of got.map(events)) {
        assert.equal(g.length, sent.length);
        for (const p of [0, 1]) {
          const mine = (m: Buffer[][]) => m.filter((f) => f[0]!.toString() === `t.ev.${p}`);
          assert.deepEqual(mine(g), mine(sent), `publisher ${p}, in order, byte for byte`);
        }
      }
    });
  });

describe('the hub own CURVE server (forwarding=zmtp) with the package CURVE client', () => {
  let h: MeteredHub;
  const closers: Array<() => void> = [];
  before(async () => (h = await startHub('zmtp')));
  after(async () => {
    for (const c of closers) c();
    await h.close();
  });
  const keys = (c: KeyPair) => ({ serverKey: server.publicKey, ...c });
  /** A libzmq CURVE subscriber to `prefix` with key pair `c`: what it receives. */
  async function libzmqSubscriber(c: KeyPair, prefix: string): Promise<Buffer[][]> {
    const sub = new XSubscriber({ linger: 0, ...peerKeys(c) });
    closers.push(() => sub.close());
    sub.connect(h.sub);
    await sub.send(Buffer.from(`\x01${prefix}`));
    return collect(sub);
  }
  /** A libzmq CURVE publisher with key pair `c`, once a subscription has reached it. */
  async function libzmqPublisher(c: KeyPair): Promise<XPublisher> {
    const pub = new XPublisher({ linger: 0, ...peerKeys(c) });
    closers.push(() => pub.close());
    pub.connect(h.pub);
    await pub.receive();
    return pub;
  }

  it('publishes to and receives from libzmq peers both ways', async () => {
    const subscriber = await RawCurvePeer.connect(h.sub, 'XSUB', keys(clientA));
    closers.push(() => subscriber.close());
    subscriber.send([Buffer.from('\x01t.raw.')]);
    const pub = await libzmqPublisher(clientB);
    const frames = [Buffer.from('t.raw.1'), Buffer.alloc(300, 9)];
    await pub.send(frames);
    await waitFor(() => subscriber.received.length === 1, 'the libzmq message at the raw subscriber');
    assert.deepEqual(subscriber.received[0], frames);

    const got = await libzmqSubscriber(clientB, 't.from-raw.');
    const publisher = await RawCurvePeer.connect(h.pub, 'XPUB', keys(clientA));
    closers.push(() => publisher.close());
    // The libzmq subscriber's own prefix, replayed or passed on: it is at the hub.
    await waitFor(
      () => publisher.received.some((f) => f[0]!.toString() === '\x01t.from-raw.'),
      "the libzmq subscriber's subscription at the raw publisher",
    );
    const mine = [Buffer.from('t.from-raw.1'), Buffer.from('payload')];
    publisher.send(mine);
    await waitFor(() => got.length === 1, 'the raw publisher message at the libzmq subscriber');
    assert.deepEqual(got[0], mine);
  });

  it('a tampered box: that connection closed, ZR_HUB_PEER_CURVE counted, the others go on', async () => {
    const got = await libzmqSubscriber(clientA, 't.tamper.');
    const raw = await RawCurvePeer.connect(h.pub, 'XPUB', keys(clientB));
    closers.push(() => raw.close());
    const honest = await libzmqPublisher(clientA);
    await waitFor(() => raw.received.some((f) => f[0]!.toString() === '\x01t.tamper.'), 'the subscription');
    raw.send([Buffer.from('t.tamper.intact'), Buffer.from('1')]);
    await waitFor(() => got.length === 1, 'the intact message');
    raw.send([Buffer.from('t.tamper.flipped'), Buffer.from('2')], true);
    await raw.closed;
    const text = await scrapeUntil(
      h.metrics,
      /^zeek_relay_hub_peer_errors_total\{[^}]*error_type="ZR_HUB_PEER_CURVE"[^}]*\} 1$/m,
    );
    assert.match(
      text,
      /^zeek_relay_hub_peer_errors_total\{socket="xsub",error_type="ZR_HUB_PEER_CURVE"\} 1$/m,
    );
    await honest.send([Buffer.from('t.tamper.after'), Buffer.from('3')]);
    await waitFor(() => got.length === 2, 'the honest publisher after the tampered box');
    assert.deepEqual(
      got.map((f) => f[0]!.toString()),
      ['t.tamper.intact', 't.tamper.after'],
    );
  });
});

for (const curveSealThreads of SEAL_THREADS)
  describe(`CURVE heartbeats ahead of queued events (forwarding=zmtp, curveSealThreads=${curveSealThreads})`, () => {
    it('a libzmq subscriber that reads late gets every event in order, through PINGs and PONGs', async () => {
      const h = await zmtpHubForA({
        curveSealThreads,
        sendHighWaterMark: 0,
        heartbeatIntervalMs: 20,
        heartbeatTimeoutMs: 600_000,
      });
      // Its own PINGs every 20 ms too; a small receive HWM, so the backlog waits in the hub.
      const sub = lateSubscriber({ heartbeatInterval: 20, heartbeatTimeout: 600_000 });
      const pub = new XPublisher({ linger: 0, sendHighWaterMark: 0, ...peerKeys(clientA) });
      const disconnects: string[] = [];
      void (async () => {
        for await (const e of sub.events) if (e.type === 'disconnect') disconnects.push(e.type);
      })().catch(() => undefined);
      const events = 3000;
      try {
        sub.connect(h.sub);
        await sub.send(Buffer.from('\x01t.hb.'));
        pub.connect(h.pub);
        await pub.receive();
        for (let i = 0; i < events; i++) {
          const payload = Buffer.alloc(4096, 0x61);
          payload.writeUInt32BE(i, 0);
          await pub.send([Buffer.from('t.hb.'), payload]);
        }
        // The hub has read them all while the subscriber read none: heartbeats cross the backlog.
        await scrapeUntil(
          h.metrics,
          new RegExp(
            `^zeek_cluster_zeromq_proxy_frontend_messages_received_total\\{[^}]*\\} ${events}$`,
            'm',
          ),
        );
        // Not a wait for an outcome: more of the subscriber's 20 ms PINGs meet the backlog this way.
        await setTimeout(100);
        const got: number[] = [];
        while (got.length < events) got.push((await sub.receive())[1]!.readUInt32BE(0));
        assert.deepEqual(
          got,
          Array.from({ length: events }, (_, i) => i),
          'every event, in order',
        );
        assert.deepEqual(disconnects, [], 'the connection held (no nonce went back)');
        const text = await h.metrics.scrape();
        assert.doesNotMatch(text, /error_type="ZR_HUB_PEER_CURVE"/);
      } finally {
        sub.close();
        pub.close();
        await h.close();
      }
    });
  });

for (const curveSealThreads of SEAL_THREADS)
  describe(`CURVE subscribers with different batches of one read (forwarding=zmtp, curveSealThreads=${curveSealThreads})`, () => {
    // The hub lays out a read's batch once and seals it for each subscriber that gets the same
    // messages; subscribers whose batches differ (here: other messages of the same read) get theirs.
    it('each libzmq subscriber gets exactly its own events, in order, byte for byte', async () => {
      const h = await startMeteredHub({
        forwarding: 'zmtp',
        curveSealThreads,
        sendHighWaterMark: 0,
        curveServerSecretKey: server.secretKey,
        curveClientPublicKeys: [clientA.publicKey, clientB.publicKey],
      });
      const prefixes = ['t.sh.', 't.sh.a', 't.sh.b', 't.sh.'];
      const subs = prefixes.map(
        (_, i) =>
          new XSubscriber({ linger: 0, receiveHighWaterMark: 0, ...peerKeys(i % 2 ? clientB : clientA) }),
      );
      const pub = new XPublisher({ linger: 0, sendHighWaterMark: 0, ...peerKeys(clientA) });
      try {
        for (const [i, s] of subs.entries()) {
          s.connect(h.sub);
          await s.send(Buffer.from(`\x01${prefixes[i]}`));
        }
        pub.connect(h.pub);
        await pub.receive();
        const got = subs.map(collect);
        const probes = [[Buffer.from('t.sh.a.probe')], [Buffer.from('t.sh.b.probe')]];
        await until('a probe at every subscriber', async () => {
          if (got.every((g) => g.length > 0)) return true;
          for (const p of probes) await pub.send(p);
          return false;
        });
        // One burst: libzmq writes it in batches, so the hub reads many events at a time.
        const sent: Buffer[][] = [];
        for (let i = 0; i < 1000; i++) {
          const index = Buffer.alloc(4);
          index.writeUInt32BE(i);
          const frames = [
            Buffer.from(i % 2 ? 't.sh.b' : 't.sh.a'),
            index,
            Buffer.alloc([0, 100, 300][i % 3]!, i),
          ];
          sent.push(frames);
          await pub.send(frames);
        }
        const expected = prefixes.map((p) => sent.filter((f) => f[0]!.toString().startsWith(p)));
        const events = (g: Buffer[][]) => g.filter((f) => !f[0]!.toString().endsWith('.probe'));
        await waitFor(
          () => got.every((g, i) => events(g).length >= expected[i]!.length),
          'every subscriber has its events',
        );
        for (const [i, g] of got.entries())
          assert.deepEqual(events(g), expected[i], `subscriber to ${prefixes[i]}`);
        assert.doesNotMatch(await h.metrics.scrape(), /error_type="ZR_HUB_PEER_CURVE"/);
      } finally {
        for (const s of subs) s.close();
        pub.close();
        await h.close();
      }
    });
  });

for (const curveSealThreads of SEAL_THREADS)
  describe(`a CURVE subscriber under backpressure (forwarding=zmtp, curveSealThreads=${curveSealThreads})`, () => {
    // Its batches wait in Node's write queue while it does not read, each sealed into its slab
    // behind the ones still pending there; a slab is filled again only once none is pending.
    const payload = (i: number): Buffer => {
      const b = Buffer.alloc(4096, i & 0xff);
      b.writeUInt32BE(i, 0);
      return b;
    };
    const frontendAtLeast = (n: number) => (text: string) => {
      const m = /^zeek_cluster_zeromq_proxy_frontend_messages_received_total\{[^}]*\} (\d+)$/m.exec(text);
      return m !== null && Number(m[1]) >= n;
    };
    const events = 3000;

    for (const mode of ['block', 'drop'] as const)
      it(`${mode} mode: what reaches it is intact and in order${mode === 'block' ? ', and all of it' : ', the rest counted as its drops'}`, async () => {
        const h = await zmtpHubForA({ slowSubscriber: mode, sendHighWaterMark: 100, curveSealThreads });
        const sub = lateSubscriber();
        const pub = new XPublisher({ linger: 0, sendHighWaterMark: 0, ...peerKeys(clientA) });
        try {
          sub.connect(h.sub);
          await sub.send(Buffer.from('\x01t.bp.'));
          pub.connect(h.pub);
          await pub.receive();
          for (let i = 0; i < events; i++) await pub.send([Buffer.from('t.bp.'), payload(i)]);
          // The hub has read past its queue bound while the subscriber read nothing (block mode
          // then stops reading; drop mode reads everything).
          const text = await scrapeUntil(h.metrics, frontendAtLeast(mode === 'block' ? 100 : events));
          let drops = 0;
          for (const m of text.matchAll(/^zeek_relay_hub_subscriber_drops_total\{[^}]*\} (\d+)$/gm))
            drops += Number(m[1]);
          if (mode === 'block') assert.equal(drops, 0);
          else assert.ok(drops > 0, 'a subscriber that did not read lost events');
          const got: number[] = [];
          while (got.length < events - drops) {
            const [topic, body] = await sub.receive();
            assert.equal(topic!.toString(), 't.bp.');
            const i = body!.readUInt32BE(0);
            assert.ok(body!.equals(payload(i)), `event ${i} intact`);
            got.push(i);
          }
          if (mode === 'block')
            assert.deepEqual(
              got,
              Array.from({ length: events }, (_, i) => i),
              'every event, in order',
            );
          else
            assert.ok(
              got.every((i, k) => k === 0 || i > got[k - 1]!),
              'in order',
            );
          // Nothing more was on its way: every event it missed was counted (its queue is empty now,
          // so the marker is not dropped).
          await pub.send([Buffer.from('t.bp.end')]);
          assert.equal((await sub.receive())[0]!.toString(), 't.bp.end', 'drops counted exactly');
          assert.doesNotMatch(await h.metrics.scrape(), /error_type="ZR_HUB_PEER_CURVE"/);
        } finally {
          sub.close();
          pub.close();
          await h.close();
        }
      });
  });
