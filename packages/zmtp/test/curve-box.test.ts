/**
 * The MESSAGE boxes of the gateway's CurveZMQ client are libsodium's Salsa20 and Poly1305 under a
 * subkey derived once per connection (src/curve/sodium.ts). They must be byte for byte
 * `crypto_secretbox` (XSalsa20-Poly1305, what libzmq uses) and open only what is intact: checked
 * here against libsodium's own `crypto_secretbox_easy` / `_open_easy` for every length a small
 * frame can have and across a 64-byte block boundary; the libzmq interop is in the gateway's curve.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CurveSession, PREFIX, SealSource, sealedLength } from '../src/curve/session.js';
import { Sodium } from '../src/curve/sodium.js';

const MAC = 16;
const ZEROS = 32;

/** A region of libsodium memory holding key, nonce, subkey and room for boxes of up to `max` bytes. */
function layout(na: Sodium, max: number) {
  const key = na.alloc(32 + 24 + 32);
  const nonce = key + 32;
  const subkey = nonce + 24;
  const work = na.alloc(4 * (MAC + ZEROS + max));
  return { key, nonce, subkey, work, free: () => (na.free(key), na.free(work)) };
}

test('sealWithSubkey writes exactly crypto_secretbox for lengths 0 to 300', async () => {
  const na = await Sodium.load();
  const r = layout(na, 300);
  for (let len = 0; len <= 300; len++) {
    const msg = randomBytes(len);
    na.heap.set(randomBytes(32), r.key);
    // A fixed 16-byte prefix (as CurveZMQ's), a random 8-byte counter.
    na.heap.set(Buffer.from(len % 2 === 0 ? 'CurveZMQMESSAGEC' : 'CurveZMQMESSAGES', 'latin1'), r.nonce);
    na.heap.set(randomBytes(8), r.nonce + 16);
    const ref = r.work;
    na.heap.set(msg, ref + MAC);
    na.seal(ref, ref + MAC, len, r.nonce, r.key);
    const expected = Buffer.from(na.heap.subarray(ref, ref + MAC + len));

    na.subkey(r.subkey, r.nonce, r.key);
    const mac = r.work + 2 * (MAC + ZEROS + 300);
    const at = mac + MAC;
    na.heap.fill(0, at, at + ZEROS);
    na.heap.set(msg, at + ZEROS);
    na.sealWithSubkey(mac, at, len, r.nonce + 16, r.subkey);
    const got = Buffer.concat([
      na.heap.subarray(mac, mac + MAC),
      na.heap.subarray(at + ZEROS, at + ZEROS + len),
    ]);
    assert.deepEqual(got, expected, `length ${len}`);
  }
  r.free();
});

test('openWithSubkey opens crypto_secretbox boxes and refuses any changed byte', async () => {
  const na = await Sodium.load();
  const r = layout(na, 200);
  for (const len of [0, 1, 13, 31, 32, 33, 47, 63, 64, 65, 96, 128, 200]) {
    const msg = randomBytes(len);
    na.heap.set(randomBytes(32), r.key);
    na.heap.set(Buffer.from('CurveZMQMESSAGES', 'latin1'), r.nonce);
    na.heap.set(randomBytes(8), r.nonce + 16);
    na.heap.set(msg, r.work + MAC);
    na.seal(r.work, r.work + MAC, len, r.nonce, r.key);
    const box = Buffer.from(na.heap.subarray(r.work, r.work + MAC + len));
    na.subkey(r.subkey, r.nonce, r.key);

    const open = (b: Buffer): Buffer | undefined => {
      const mac = r.work;
      const from = mac + MAC;
      const to = from + ZEROS + 200;
      na.heap.set(b.subarray(0, MAC), mac);
      na.heap.fill(0, from, from + ZEROS);
      na.heap.set(b.subarray(MAC), from + ZEROS);
      if (!na.openWithSubkey(to, from, len, mac, r.nonce + 16, r.subkey)) return undefined;
      return Buffer.from(na.heap.subarray(to + ZEROS, to + ZEROS + len));
    };
    assert.deepEqual(open(box), msg, `length ${len}`);
    for (let i = 0; i < box.length; i++) {
      const bad = Buffer.from(box);
      bad[i] = (bad[i] as number) ^ 0x01;
      assert.equal(open(bad), undefined, `length ${len}, byte ${i} flipped`);
    }
    // The same box under the next nonce (a replayed or reordered message) does not open.
    na.heap[r.nonce + 23] = ((na.heap[r.nonce + 23] as number) + 1) & 0xff;
    assert.equal(open(box), undefined, `length ${len}, other nonce`);
  }
  r.free();
});

test('MESSAGEs seal and open the same after libsodium grew its memory (the cached views are remade)', async () => {
  const na = await Sodium.load();
  const [cPub, cSec] = na.keyPair();
  const [sPub, sSec] = na.keyPair();
  const client = new CurveSession(na, PREFIX.clientMessage, PREFIX.serverMessage);
  const server = new CurveSession(na, PREFIX.serverMessage, PREFIX.clientMessage);
  client.establish(sPub, cSec);
  server.establish(cPub, sSec);
  const key = na.precomputed(sPub, cSec);
  const frame = randomBytes(100);
  const roundTrip = (): void => {
    const out = Buffer.alloc(sealedLength([frame]));
    client.seal(out, 0, [frame], false);
    const body = out.subarray(2);
    // libsodium's own crypto_secretbox_open_easy under the MESSAGE nonce the body names.
    const nonce = Buffer.concat([PREFIX.clientMessage, body.subarray(8, 16)]);
    assert.deepEqual(
      na.secretboxOpenEasy(key, nonce, body.subarray(16)),
      Buffer.concat([Buffer.of(0), frame]),
    );
    const len = server.open(body);
    assert.deepEqual(body.subarray(1, len), frame);
  };
  roundTrip();
  const before = na.heap.buffer;
  const big = na.alloc(64 * 1024 * 1024);
  assert.notEqual(na.heap.buffer, before, 'the allocation grew the memory');
  roundTrip();
  na.free(big);
  client.dispose();
  server.dispose();
});

/** The frames of a sealed stream: per frame its MESSAGE body (after the ZMTP frame header). */
function bodies(wire: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p < wire.length; ) {
    const long = ((wire[p] as number) & 2) !== 0;
    const size = long ? Number(wire.readBigUInt64BE(p + 1)) : (wire[p + 1] as number);
    const at = p + (long ? 9 : 2);
    out.push(wire.subarray(at, at + size));
    p = at + size;
  }
  return out;
}

test('sealFrom boxes a batch laid out once for several sessions: the bytes seal writes, and libsodium opens each frame', async () => {
  const na = await Sodium.load();
  const [, sSec] = na.keyPair();
  // A Zeek event's four frames, a frame whose MESSAGE needs a long header, an empty frame.
  const batches = [
    [[randomBytes(31), randomBytes(46), Buffer.from('broker-bin-v1'), randomBytes(100)], [randomBytes(300)]],
    [
      [Buffer.alloc(0), randomBytes(1)],
      [randomBytes(64), randomBytes(222), randomBytes(223)],
    ],
  ];
  const source = new SealSource(na);
  const peers = [0, 1, 2].map(() => {
    const [cPub] = na.keyPair();
    const session = () => new CurveSession(na, PREFIX.serverMessage, PREFIX.clientMessage);
    const [subject, reference] = [session(), session()];
    subject.establish(cPub, sSec);
    reference.establish(cPub, sSec);
    return { subject, reference, key: na.precomputed(cPub, sSec) };
  });
  for (const messages of batches) {
    source.load(messages);
    const size = messages.reduce((n, m) => n + sealedLength(m), 0);
    assert.equal(source.sealedLength, size);
    for (const { subject, reference, key } of peers) {
      const got = Buffer.alloc(5 + size);
      assert.equal(subject.sealFrom(got, 5, source), 5 + size);
      const expected = Buffer.alloc(5 + size);
      let off = 5;
      for (const m of messages) off = reference.seal(expected, off, m, false);
      assert.deepEqual(got, expected);
      // Independently: each MESSAGE is crypto_secretbox of its flags octet and frame.
      const plain = messages.flatMap((m) =>
        m.map((f, i) => Buffer.concat([Buffer.of(i < m.length - 1 ? 1 : 0), f])),
      );
      const opened = bodies(got.subarray(5)).map((b) => {
        assert.deepEqual(b.subarray(0, 8), Buffer.from('\x07MESSAGE', 'latin1'));
        const nonce = Buffer.concat([PREFIX.serverMessage, b.subarray(8, 16)]);
        return na.secretboxOpenEasy(key, nonce, b.subarray(16));
      });
      assert.deepEqual(opened, plain);
    }
  }
  source.dispose();
  for (const p of peers) {
    p.subject.dispose();
    p.reference.dispose();
  }
});

/** A server-side session established with fresh keys. */
function serverSession(na: Sodium): CurveSession {
  const [cPub] = na.keyPair();
  const [, sSec] = na.keyPair();
  const session = new CurveSession(na, PREFIX.serverMessage, PREFIX.clientMessage);
  session.establish(cPub, sSec);
  return session;
}

test('SealSource.wipe zeroes the laid-out plaintext and forgets it; a disposed or wiped source seals nothing', async () => {
  const na = await Sodium.load();
  const session = serverSession(na);
  const secret = Buffer.from('an event nobody should read later', 'latin1');
  const messages = [[Buffer.from('/topic'), secret]];
  const source = new SealSource(na);
  source.load(messages);
  // Where the secret frame lies: after its 32 zeros and flags octet.
  const at = source.frameAt[1]! + ZEROS + 1;
  assert.deepEqual(na.heap.subarray(at, at + secret.length), secret);
  source.wipe();
  assert.ok(
    na.heap.subarray(at, at + secret.length).every((b) => b === 0),
    'plaintext zeroed',
  );
  assert.equal(source.sealedLength, 0);
  assert.deepEqual(source.messages, []);
  // An emptied source boxes nothing: sealFrom returns where it started, nothing written.
  const out = Buffer.alloc(64, 0xee);
  assert.equal(session.sealFrom(out, 3, source), 3);
  assert.ok(out.every((b) => b === 0xee));
  source.load(messages);
  source.dispose();
  assert.equal(source.sealedLength, 0);
  assert.equal(session.sealFrom(out, 3, source), 3);
  session.dispose();
});

test('a disposed session boxes nothing: seal, layInto, sealLaid and sealFrom throw instead of using its freed key block', async () => {
  const na = await Sodium.load();
  const session = serverSession(na);
  const frames = [Buffer.from('/t'), randomBytes(10)];
  const at = na.alloc(sealedLength(frames));
  const end = session.layInto(at, frames, false);
  const source = new SealSource(na);
  source.load([frames]);
  session.dispose();
  const out = Buffer.alloc(sealedLength(frames));
  assert.throws(() => session.seal(out, 0, frames, false), /after dispose/);
  assert.throws(() => session.layInto(at, frames, false), /after dispose/);
  assert.throws(() => session.sealLaid(at, end), /after dispose/);
  assert.throws(() => session.sealFrom(out, 0, source), /after dispose/);
  source.dispose();
  na.free(at);
});
