/**
 * The CURVE seal workers (zmtp/seal-pool.ts) on real worker threads and libsodium: what they box
 * for a session opens at its peer, batches posted in one turn come back in order with their
 * nonces increasing, a batch whose nonces were reserved out of order is refused (the worker's
 * session would otherwise put a lower nonce on the wire), and a worker that dies is reported as
 * `ZR_HUB_SEAL_WORKER_FAILED`, its subscribers failed, a new worker taking its place.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CurveSession, Sodium, sealedLength } from '@zeek-relay/zmtp/curve';
import { until } from '@zeek-relay/test-support';
import { SealPool, type SealLane } from '../src/zmtp/seal-pool.js';
import type { HubError } from '../src/errors.js';

const SERVER = Buffer.from('CurveZMQMESSAGES', 'latin1');
const CLIENT = Buffer.from('CurveZMQMESSAGEC', 'latin1');

/** A hub-side session and its peer's, established over fresh short-term keys. */
async function sessions(): Promise<{ hub: CurveSession; peer: CurveSession }> {
  const na = await Sodium.load();
  const [cPub, cSec] = na.keyPair();
  const [sPub, sSec] = na.keyPair();
  const hub = new CurveSession(na, SERVER, CLIENT);
  const peer = new CurveSession(na, CLIENT, SERVER);
  hub.establish(cPub, sSec);
  peer.establish(sPub, cSec);
  return { hub, peer };
}

/** Opens a sealed stream at the peer (nonces must increase): every frame, in order. */
function openAll(peer: CurveSession, wire: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let p = 0; p < wire.length; ) {
    const long = (wire[p]! & 2) !== 0;
    const size = long ? Number(wire.readBigUInt64BE(p + 1)) : wire[p + 1]!;
    const at = p + (long ? 9 : 2);
    const body = Buffer.from(wire.subarray(at, at + size));
    const len = peer.open(body);
    frames.push(body.subarray(1, len));
    p = at + size;
  }
  return frames;
}

const batch = (n: number): Buffer[][] =>
  Array.from({ length: n }, (_, i) => [Buffer.from(`t.pool.${i}`), randomBytes([0, 40, 300][i % 3]!)]);

/** Boxes `messages` on `lane` with nonces taken from `hub` now. */
function seal(lane: SealLane, hub: CurveSession, messages: Buffer[][]): Promise<Buffer> {
  const frames = messages.reduce((n, m) => n + m.length, 0);
  return new Promise((resolve) => lane.seal(messages, hub.reserveNonces(frames), resolve));
}

describe('CURVE seal workers', () => {
  const failures: HubError[] = [];
  let pool: SealPool;
  before(() => (pool = new SealPool(2, (err) => failures.push(err))));
  after(() => pool.close());

  it('boxes batches posted in one turn for one session in order: they open at its peer', async () => {
    const { hub, peer } = await sessions();
    const lane = pool.attach(hub.exportTransmit(), () => assert.fail('no worker failed'));
    const batches = [batch(50), batch(1), batch(200)];
    // Posted in the same turn: one job, one group each, nonces reserved in this order.
    const sealed = await Promise.all(batches.map((b) => seal(lane, hub, b)));
    for (const [i, wire] of sealed.entries()) assert.deepEqual(openAll(peer, wire), batches[i]!.flat());
    // What the hub seals itself next (a PING) takes a larger nonce: it opens after them.
    const command = [Buffer.from('\x04PING\x00\x00', 'latin1')];
    const ping = Buffer.alloc(sealedLength(command));
    hub.seal(ping, 0, command, true);
    assert.deepEqual(openAll(peer, ping), command);
    lane.drop();
    hub.dispose();
    peer.dispose();
  });

  it('reports a backlog while a worker has 4 jobs in flight, and its end; later batches wait and come in order', async () => {
    const { hub, peer } = await sessions();
    const lane = pool.attach(hub.exportTransmit(), () => assert.fail('no worker failed'));
    const seen: boolean[] = [];
    pool.watchBacklog((behind) => seen.push(behind));
    const batches = Array.from({ length: 6 }, () => batch(20));
    const sealed: Promise<Buffer>[] = [];
    // Each batch in a turn of its own (the microtasks between them post it): no answer can come
    // in between, so four jobs are in flight at once and the last two wait for an answer.
    for (const b of batches) {
      sealed.push(seal(lane, hub, b));
      await Promise.resolve();
      await Promise.resolve();
    }
    assert.deepEqual(seen, [true], 'behind once the fourth job is posted');
    const wires = await Promise.all(sealed);
    for (const [i, wire] of wires.entries()) assert.deepEqual(openAll(peer, wire), batches[i]!.flat());
    await until('the backlog ended', () => seen.length === 2);
    assert.deepEqual(seen, [true, false]);
    pool.watchBacklog(() => undefined);
    lane.drop();
    hub.dispose();
    peer.dispose();
  });

  it('a batch whose nonces were reserved out of order is refused: the worker fails, reported, replaced', async () => {
    const { hub } = await sessions();
    let failed = 0;
    const lane = pool.attach(hub.exportTransmit(), () => failed++);
    const early = hub.reserveNonces(2);
    const late = hub.reserveNonces(2);
    const answered: number[] = [];
    lane.seal(batch(1), late, () => answered.push(late));
    lane.seal(batch(1), early, () => answered.push(early));
    await until('the worker reported', () => failures.length === 1 && failed === 1);
    assert.equal(failures[0]!.code, 'ZR_HUB_SEAL_WORKER_FAILED');
    assert.match(failures[0]!.message, /reused or reordered/);
    assert.deepEqual(answered, [], 'nothing of the failed job is written');
    hub.dispose();
  });

  it('a worker that dies: ZR_HUB_SEAL_WORKER_FAILED, its subscribers failed, the others and new ones go on', async () => {
    const before = failures.length;
    const a = await sessions();
    const b = await sessions();
    let failedA = 0;
    const laneA = pool.attach(a.hub.exportTransmit(), () => failedA++);
    // The least busy worker: the other one.
    const laneB = pool.attach(b.hub.exportTransmit(), () => assert.fail('B keeps its worker'));
    pool.crashForTest(laneA);
    await until('the crash reported', () => failures.length === before + 1 && failedA === 1);
    assert.equal(failures[before]!.code, 'ZR_HUB_SEAL_WORKER_FAILED');
    const m = batch(10);
    assert.deepEqual(openAll(b.peer, await seal(laneB, b.hub, m)), m.flat());
    // A subscriber that reconnects gets a new session on the replacement worker.
    const c = await sessions();
    const laneC = pool.attach(c.hub.exportTransmit(), () => assert.fail('C keeps its worker'));
    assert.deepEqual(openAll(c.peer, await seal(laneC, c.hub, m)), m.flat());
    for (const s of [a, b, c]) {
      s.hub.dispose();
      s.peer.dispose();
    }
  });
});
