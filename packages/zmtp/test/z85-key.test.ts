import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { encodeZ85Key, parseZ85Key } from '../src/index.js';

test('RFC 32 test vector: "HelloWorld" is the bytes 86 4F D2 6F B5 59 F7 5B', () => {
  const raw = parseZ85Key('HelloWorld'.repeat(4));
  assert.equal(raw?.toString('hex'), '864fd26fb559f75b'.repeat(4));
  assert.equal(encodeZ85Key(Buffer.from('864fd26fb559f75b'.repeat(4), 'hex')), 'HelloWorld'.repeat(4));
});

test('an X25519 public key survives the round trip', () => {
  const jwk = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
  const bytes = Buffer.from(jwk.x ?? '', 'base64url');
  assert.equal(bytes.length, 32);
  assert.deepEqual(parseZ85Key(encodeZ85Key(bytes)), bytes);
});

test('not a key: wrong length, characters outside the alphabet, groups past 2^32 - 1', () => {
  assert.equal(parseZ85Key('HelloWorld'.repeat(3)), undefined);
  assert.equal(parseZ85Key('HelloWorld'.repeat(4) + 'x'), undefined);
  assert.equal(parseZ85Key('Hello"orld' + 'HelloWorld'.repeat(3)), undefined);
  // "%%%%%" is 84·(85^4+85^3+85^2+85+1) > 2^32 - 1: a lax decoder wraps it into some other key.
  assert.equal(parseZ85Key('%%%%%' + 'HelloWorld'.repeat(4).slice(5)), undefined);
  assert.throws(() => encodeZ85Key(new Uint8Array(31)), RangeError);
});
