/**
 * CurveSession's two-step write path (layInto, then sealLaid over the whole region) must leave
 * exactly the bytes of its one-step sealInto, nonces in the same order: checked here with two
 * sessions in the same state (same prefixes, same session key), for frames of every header size
 * (short, and long from 256 − 33 bytes of frame on), commands, and many messages in one region.
 * That sealInto's boxes are crypto_secretbox's is curve-box.test.ts; the libzmq interop is the
 * gateway's curve.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CurveSession, PREFIX, sealedLength } from '../src/curve/session.js';
import { Sodium } from '../src/curve/sodium.js';

/** Two sessions of one connection's client side with the same keys: the same state. */
function twins(na: Sodium): [CurveSession, CurveSession] {
  const [peerPublic] = na.keyPair();
  const [, ourSecret] = na.keyPair();
  const make = (): CurveSession => {
    const s = new CurveSession(na, PREFIX.clientMessage, PREFIX.serverMessage);
    s.establish(peerPublic, ourSecret);
    return s;
  };
  return [make(), make()];
}

test('layInto then sealLaid writes exactly what sealInto writes, message after message', async () => {
  const na = await Sodium.load();
  const [one, two] = twins(na);
  const messages: { frames: Buffer[]; command: boolean }[] = [];
  // Frame lengths around the short/long header boundary (a MESSAGE body over 255 bytes), empty
  // frames, a 70 KB frame, and a command.
  for (const len of [0, 1, 63, 64, 221, 222, 223, 224, 300, 70_000])
    messages.push({
      frames: [Buffer.from('/t'), randomBytes(len), Buffer.alloc(0), randomBytes(len >> 1)],
      command: false,
    });
  messages.push({ frames: [Buffer.from('\x04PONG', 'latin1')], command: true });
  const size = messages.reduce((n, m) => n + sealedLength(m.frames), 0);
  const a = na.alloc(size);
  const b = na.alloc(size);
  let qa = a;
  let qb = b;
  for (const m of messages) {
    qa = one.sealInto(qa, m.frames, m.command);
    qb = two.layInto(qb, m.frames, m.command);
  }
  assert.equal(qa - a, size);
  assert.equal(qb - b, size);
  two.sealLaid(b, qb);
  const expected = Buffer.from(na.heap.subarray(a, qa));
  assert.deepEqual(Buffer.from(na.heap.subarray(b, qb)), expected);
  // The nonces go on from the same place too: the next message is the same on both.
  const next = [Buffer.from('after')];
  const na1 = one.sealInto(a, next, false);
  two.sealLaid(b, two.layInto(b, next, false));
  assert.deepEqual(Buffer.from(na.heap.subarray(b, b + (na1 - a))), Buffer.from(na.heap.subarray(a, na1)));
  na.free(a);
  na.free(b);
  one.dispose();
  two.dispose();
});
