/**
 * CURVE on the zmtp path with seal workers (`curveSealThreads` > 0, zmtp/seal-pool.ts): libzmq
 * CURVE subscribers (as Zeek's nodes) get every event intact and in order while their batches are
 * boxed on worker threads, a subscriber that leaves mid-stream disturbs none of the others, and
 * the hub shuts down in time with its workers busy. Heartbeats and backpressure with workers on:
 * hub-curve-forwarding.test.ts (run with 0 and 2 threads); the pool itself: seal-pool.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XPublisher, XSubscriber, curveKeyPair } from 'zeromq';
import { until } from '@zeek-relay/test-support';
import { curveOptions } from './helpers/curve.js';
import { scrapeUntil, startMeteredHub, type MeteredHub } from './helpers/hub.js';

const server = curveKeyPair();
const client = curveKeyPair();
const keys = curveOptions(client, server.publicKey);

const startHub = (settings: Parameters<typeof startMeteredHub>[0] = {}): Promise<MeteredHub> =>
  startMeteredHub({
    forwarding: 'zmtp',
    curveServerSecretKey: server.secretKey,
    curveClientPublicKeys: [client.publicKey],
    curveSealThreads: 2,
    sendHighWaterMark: 0,
    ...settings,
  });

/** Event `i`: its index in the second frame, and a body whose bytes depend on it. */
const event = (i: number): Buffer[] => {
  const index = Buffer.alloc(4);
  index.writeUInt32BE(i);
  return [Buffer.from('t.st.ev'), index, Buffer.alloc([0, 64, 300, 70_000][i % 4]!, i & 0xff)];
};

/** A libzmq CURVE subscriber to `t.st.` (what it receives is collected). */
async function subscriber(h: MeteredHub): Promise<{ sock: XSubscriber; got: Buffer[][] }> {
  const sock = new XSubscriber({ linger: 0, receiveHighWaterMark: 0, ...keys });
  sock.connect(h.sub);
  await sock.send(Buffer.from('\x01t.st.'));
  const got: Buffer[][] = [];
  void (async () => {
    for await (const frames of sock) got.push(frames);
  })().catch(() => undefined);
  return { sock, got };
}

/** A libzmq CURVE publisher, once every subscription has reached it through the hub. */
async function publisher(h: MeteredHub): Promise<XPublisher> {
  const pub = new XPublisher({ linger: 0, sendHighWaterMark: 0, ...keys });
  pub.connect(h.pub);
  await pub.receive();
  return pub;
}

/** Sends probes until every subscriber has one (then the hub holds every subscription). */
async function probeAll(pub: XPublisher, gots: Buffer[][][]): Promise<void> {
  await until('a probe at every subscriber', async () => {
    if (gots.every((g) => g.length > 0)) return true;
    await pub.send([Buffer.from('t.st.probe')]);
    return false;
  });
}

const events = (g: Buffer[][]) => g.filter((f) => f[0]!.toString() === 't.st.ev');

describe('CURVE subscribers sealed for on worker threads (forwarding=zmtp, curveSealThreads=2)', () => {
  it('16 subscribers get every event intact and in order; one leaving mid-stream disturbs none', async () => {
    const h = await startHub();
    const subs = await Promise.all(Array.from({ length: 17 }, () => subscriber(h)));
    const pub = await publisher(h);
    try {
      await probeAll(
        pub,
        subs.map((s) => s.got),
      );
      const total = 2000;
      for (let i = 0; i < total; i++) {
        await pub.send(event(i));
        // The 17th leaves once it has some: its worker drops its keys, the others go on.
        if (i === total / 2) {
          await until('the leaver has events', () => events(subs[16]!.got).length > 0);
          subs[16]!.sock.close();
        }
      }
      const stay = subs.slice(0, 16);
      await until('every event at the 16 that stay', () => stay.every((s) => events(s.got).length >= total));
      const sent = Array.from({ length: total }, (_, i) => event(i));
      for (const [k, s] of stay.entries()) assert.deepEqual(events(s.got), sent, `subscriber ${k}`);
      assert.doesNotMatch(await h.metrics.scrape(), /error_type="ZR_HUB_PEER_CURVE"/);
    } finally {
      for (const s of subs) s.sock.close();
      pub.close();
      await h.close();
    }
  });

  it('shuts down in time while its workers are busy (subscribers not reading, a publisher flooding)', async () => {
    const h = await startHub({ lingerMs: 200 });
    const subs = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const sock = new XSubscriber({ linger: 0, receiveHighWaterMark: 1, ...keys });
        sock.connect(h.sub);
        await sock.send(Buffer.from('\x01t.st.'));
        return sock;
      }),
    );
    const pub = await publisher(h);
    let flooding = true;
    let closed = false;
    const flood = (async () => {
      for (let i = 0; flooding; i++) await pub.send(event(i));
    })().catch(() => undefined);
    try {
      // Until the hub has read thousands of events its subscribers do not read.
      await scrapeUntil(h.metrics, (text) => {
        const m = /^zeek_cluster_zeromq_proxy_frontend_messages_received_total\{[^}]*\} (\d+)$/m.exec(text);
        return m !== null && Number(m[1]) >= 5000;
      });
      // close() waits on the linger at most, then the workers are ended: it resolves (a hang
      // here fails the test at its timeout).
      await h.close();
      closed = true;
    } finally {
      if (!closed) await h.close();
      flooding = false;
      pub.close();
      for (const s of subs) s.close();
      await flood;
    }
  });
});
