/**
 * CURVE on the zmtp path lays a batch out once in libsodium's memory and seals it for every
 * subscriber that gets the same messages (src/zmtp/plaintext.ts). Reusing it for a batch with
 * other messages would send one subscriber another's events: the layout is reused only for the
 * same message objects in the same order, and what is sealed from it opens (libsodium's own
 * crypto_secretbox_open_easy) to the batch asked for.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CurveSession, SealSource, Sodium } from '@zeek-relay/zmtp/curve';
import { SharedPlaintext } from '../src/zmtp/plaintext.js';

const message = (topic: string): Buffer[] => [Buffer.from(topic), randomBytes(8)];

test('a batch is laid out again unless it holds the same message objects in the same order', async () => {
  const na = await Sodium.load();
  const plaintext = new SharedPlaintext(new SealSource(na));
  const [a1, a2, b1, b2] = [message('a'), message('a'), message('b'), message('b')];
  const first = [a1, a2];
  assert.equal(plaintext.of(first).messages, first);
  // Another subscriber's batch of the same messages: the layout is kept.
  assert.equal(plaintext.of([a1, a2]).messages, first);
  // Same length, other messages; the same messages in another order: laid out anew.
  const other = [b1, b2];
  assert.equal(plaintext.of(other).messages, other);
  const swapped = [b2, b1];
  assert.equal(plaintext.of(swapped).messages, swapped);

  // What is sealed from it opens to the batch asked for.
  const session = new CurveSession(na, Buffer.from('CurveZMQMESSAGES'), Buffer.from('CurveZMQMESSAGEC'));
  const [peer] = na.keyPair();
  const [, ours] = na.keyPair();
  session.establish(peer, ours);
  const key = na.precomputed(peer, ours);
  const source = plaintext.of([a1, b1]);
  const out = Buffer.alloc(source.sealedLength);
  session.sealFrom(out, 0, source);
  const opened: Buffer[] = [];
  for (let p = 0; p < out.length; ) {
    const body = out.subarray(p + 2, p + 2 + out[p + 1]!);
    const nonce = Buffer.concat([Buffer.from('CurveZMQMESSAGES'), body.subarray(8, 16)]);
    opened.push(na.secretboxOpenEasy(key, nonce, body.subarray(16))!.subarray(1));
    p += 2 + body.length;
  }
  assert.deepEqual(opened, [...a1, ...b1]);
  plaintext.dispose();
  session.dispose();
});
