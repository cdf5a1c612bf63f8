/**
 * `forwarding=zmtp` with CURVE: the handshake timeout (`handshakeTimeoutMs`) covers the CURVE
 * handshake too. A raw TCP peer that sends a CURVE greeting and then nothing, and one that sends its
 * HELLO, gets the hub's WELCOME and then never sends its INITIATE, are each closed with
 * `ZR_HUB_PEER_TIMEOUT` and counted on their socket, while libzmq CURVE peers connected to the same
 * hub at the same time go on forwarding. Nothing here measures time: the typed code, which only the
 * handshake timer produces, and the close are the evidence.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { createLogger } from '@zeek-relay/runtime';
import { parseZ85Key } from '@zeek-relay/zmtp';
import { CurveClient, Sodium } from '@zeek-relay/zmtp/curve';
import { curveOptions } from './helpers/curve.js';
import { logLines, scrapeUntil, startMeteredHub, type MeteredHub } from './helpers/hub.js';
import { healthyPair, type HealthyPair } from './helpers/pair.js';
import { RawPeer, frame, greeting } from './helpers/raw-zmtp.js';
import { waitFor } from './helpers/wait.js';

const server = curveKeyPair();
const client = curveKeyPair();

/** The value of `zeek_relay_hub_<name>{socket, error_type}` in a scrape (0 while absent). */
const value = (text: string, name: string, socket: string, type: string): number =>
  Number(
    new RegExp(`^zeek_relay_hub_${name}\\{socket="${socket}",error_type="${type}"\\} (\\d+)$`, 'm').exec(
      text,
    )?.[1] ?? 0,
  );
/** On `socket`: connections closed with ZR_HUB_PEER_TIMEOUT, and failed handshakes of kind `other`. */
const timeouts = (text: string, socket: string) => ({
  closed: value(text, 'peer_errors_total', socket, 'ZR_HUB_PEER_TIMEOUT'),
  failed: value(text, 'handshake_failures_total', socket, 'other'),
});

describe('forwarding=zmtp with CURVE: peers that stall in the handshake', () => {
  let h: MeteredHub;
  const { lines, destination } = logLines();
  const raw: RawPeer[] = [];
  let pair: HealthyPair | undefined;
  /** The libzmq CURVE pair still forwards: one event from its publisher reaches its subscriber. */
  const healthy = () => pair!.healthy();

  /**
   * Waits until one more connection on `socket` than in `before` was closed for a handshake
   * timeout, then checks that it was counted once as such and as a failed handshake, nothing else.
   */
  async function countedOnce(socket: string, before: { closed: number; failed: number }): Promise<void> {
    const text = await scrapeUntil(h.metrics, (t) => timeouts(t, socket).closed > before.closed);
    assert.deepEqual(timeouts(text, socket), { closed: before.closed + 1, failed: before.failed + 1 });
    assert.doesNotMatch(text, /error_type="ZR_HUB_PEER_(?:PROTOCOL|CURVE)"/);
  }

  /** Waits for the hub to close `p` (the limit is a hang guard only). */
  const closedByHub = (p: RawPeer, what: string) => waitFor(() => p.isClosed, what, 60_000);

  before(async () => {
    h = await startMeteredHub(
      {
        forwarding: 'zmtp',
        handshakeTimeoutMs: 2000,
        curveServerSecretKey: server.secretKey,
        curveClientPublicKeys: [client.publicKey],
      },
      { log: createLogger({ service: 'hub', level: 'warn', destination }) },
    );
    pair = await healthyPair(h.pub, h.sub, curveOptions(client, server.publicKey));
  });
  after(async () => {
    for (const p of raw) p.socket.destroy();
    pair?.close();
    await h.close();
  });

  it('a CURVE greeting and then nothing: closed with ZR_HUB_PEER_TIMEOUT, counted', async () => {
    const before = timeouts(await h.metrics.scrape(), 'xsub');
    const p = new RawPeer(h.pub);
    raw.push(p);
    p.socket.write(greeting(3, 1, 'CURVE'));
    await healthy();
    await closedByHub(p, 'the hub closes the peer that stopped after its greeting');
    await countedOnce('xsub', before);
    await healthy();
  });

  it('a HELLO, the WELCOME, and then no INITIATE: closed with ZR_HUB_PEER_TIMEOUT, counted', async () => {
    const na = await Sodium.load();
    const key = (z85: string) => parseZ85Key(z85) ?? Buffer.alloc(0);
    const curve = new CurveClient(na, {
      serverKey: key(server.publicKey),
      publicKey: key(client.publicKey),
      secretKey: key(client.secretKey),
    });
    const before = timeouts(await h.metrics.scrape(), 'xpub');
    const p = new RawPeer(h.sub);
    raw.push(p);
    try {
      p.socket.write(greeting(3, 1, 'CURVE'));
      await waitFor(() => p.received.length >= 64 || p.isClosed, "the hub's greeting");
      p.socket.write(frame(4, curve.hello()));
      await waitFor(() => p.handshaken('\x07WELCOME') || p.isClosed, "the hub's WELCOME");
      assert.ok(p.handshaken('\x07WELCOME'), 'the hub answered the HELLO: the peer stalls after it');
      await healthy();
      await closedByHub(p, 'the hub closes the peer that never sent its INITIATE');
    } finally {
      curve.dispose();
    }
    await countedOnce('xpub', before);
    await healthy();
  });

  it('the timeouts are logged as rejected handshakes with their code and socket', () => {
    // One line per code and socket per window (the hub's rate limit): a set, not a count.
    const rejected = lines.filter((l) => l.msg === 'Rejected handshake');
    const kinds = new Set(rejected.map((l) => `${String(l.code)} ${String(l.socket)}`));
    assert.deepEqual(
      [...kinds].sort(),
      ['ZR_HUB_PEER_TIMEOUT xpub', 'ZR_HUB_PEER_TIMEOUT xsub'],
      JSON.stringify(rejected),
    );
  });
});
