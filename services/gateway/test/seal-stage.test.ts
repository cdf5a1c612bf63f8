/**
 * The CURVE write path's stage (src/zmtp/seal-stage.ts): messages laid out in libsodium's memory
 * one after another, boxed and taken in one piece per write. Checked against a server side made of
 * libsodium's own `crypto_secretbox_open_easy` (test/helpers/curve-peer.ts, not the code under
 * test): every frame opens, in order, with the right flags, across the region's growth, a growth
 * of libsodium's memory between two messages, and a very large message. The libzmq interop of the
 * whole path is in curve.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { FrameReader } from '@zeek-relay/zmtp';
import { Sodium, sealedLength } from '@zeek-relay/zmtp/curve';
import { SealStage } from '../src/zmtp/seal-stage.js';
import { connected } from './helpers/curve-peer.js';

/** Opens every MESSAGE frame of `wire` with the server's libsodium: [flags, frame] each. */
function openAll(wire: Buffer, openClient: (b: Buffer) => [number, Buffer] | undefined): [number, Buffer][] {
  const bodies: Buffer[] = [];
  new FrameReader(1 << 24).push(wire, {
    message: (f) => bodies.push(...f.map((b) => Buffer.from(b))),
    command: () => assert.fail('a MESSAGE goes as a plain frame'),
    dropped: () => assert.fail('dropped'),
  });
  return bodies.map((b) => {
    const o = openClient(b);
    assert.ok(o, 'every box opens');
    return o;
  });
}

/** The 4-frame event message `i`: topic, sender, format, a payload of `size` random bytes. */
const event = (i: number, size: number): Buffer[] => [
  Buffer.from(`/t/${i}`),
  Buffer.from('zeromq_gw_host_1_Nabc-websocket-1'),
  Buffer.from('broker-bin-v1'),
  randomBytes(size),
];

test('messages staged in one turn are taken as one write that opens in order, flags right', async () => {
  const na = await Sodium.load();
  const { client, openClient } = connected(na);
  const stage = new SealStage(na, client);
  const sent: Buffer[][] = [];
  for (let i = 0; i < 300; i++) sent.push(event(i, 64 + (i % 7) * 50));
  let size = 0;
  for (const m of sent) {
    stage.stage(m, false);
    size += sealedLength(m);
  }
  const pong = [Buffer.from('\x04PONG')];
  stage.stage(pong, true);
  size += sealedLength(pong);
  // 300 events of ≈ 350 bytes sealed: more than the initial 64 KiB region, so it grew.
  assert.ok(size > 64 * 1024);
  assert.equal(stage.length, size);
  const wire = stage.take();
  assert.equal(wire.length, size);
  assert.equal(stage.length, 0);
  const opened = openAll(wire, openClient);
  assert.deepEqual(
    opened.map(([, f]) => f),
    [...sent.flat(), ...pong],
  );
  assert.deepEqual(
    opened.map(([flags]) => flags),
    [...sent.flatMap(() => [1, 1, 1, 0]), 2],
  );
  stage.dispose();
  client.dispose();
});

test('what is staged survives a growth of libsodium memory, a huge message, and the next write', async () => {
  const na = await Sodium.load();
  const { client, openClient } = connected(na);
  const stage = new SealStage(na, client);
  const first = event(1, 100);
  stage.stage(first, false);
  // Allocate more than libsodium's memory holds now: the module grows it (a new ArrayBuffer).
  const before = na.heap.buffer;
  const big = na.alloc(na.heap.length + (16 << 20));
  assert.notEqual(na.heap.buffer, before, 'libsodium memory grew');
  const huge = event(2, 3 << 20);
  stage.stage(huge, false);
  const opened = openAll(stage.take(), openClient);
  assert.deepEqual(
    opened.map(([, f]) => f),
    [...first, ...huge],
  );
  na.free(big);
  // After the huge message left, the stage goes on (in a region of its usual size).
  const next = event(3, 80);
  stage.stage(next, false);
  assert.deepEqual(
    openAll(stage.take(), openClient).map(([, f]) => f),
    next,
  );
  stage.dispose();
  stage.dispose();
  assert.throws(() => stage.stage(next, false), /after dispose/);
  client.dispose();
});
