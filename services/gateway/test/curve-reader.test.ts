/**
 * The CURVE read path (packages/zmtp/src/curve/reader.ts) opens whole reads in libsodium's memory, and the
 * write path (CurveClient.seal) boxes a whole message there: checked here against a server side
 * made of libsodium's own `crypto_box_beforenm` and `crypto_secretbox_easy` / `_open_easy` (not the
 * code under test), for streams cut at every byte, long frames, boxed commands, a tampered byte, a
 * replayed nonce and an oversized frame. The libzmq interop of both paths is in curve.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CurveReader, MESSAGE_OVERHEAD, Sodium, sealedLength } from '@zeek-relay/zmtp/curve';
import { FrameReader, ZmtpProtocolError, writeFrameHeader } from '@zeek-relay/zmtp';
import { connected } from './helpers/curve-peer.js';

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A MESSAGE body as a plain ZMTP frame. */
function frame(body: Buffer): Buffer {
  const h = Buffer.alloc(9);
  return Buffer.concat([h.subarray(0, writeFrameHeader(h, 0, 0, body.length)), body]);
}

interface Got {
  messages: string[][];
  commands: string[];
}

function collect(): { got: Got; sink: { message(f: Buffer[]): void; command(b: Buffer): void } } {
  const got: Got = { messages: [], commands: [] };
  return {
    got,
    sink: {
      message: (frames) => got.messages.push(frames.map((f) => f.toString('latin1'))),
      command: (body) => got.commands.push(body.toString('latin1')),
    },
  };
}

test('a stream of boxed messages and commands opens the same whatever the reads are cut at', async () => {
  const na = await Sodium.load();
  const parts = ['topic', 'x'.repeat(300), '', 'payload-'.repeat(40)];
  const expected: Got = { messages: [], commands: [] };
  for (let cut = 1; cut <= 97; cut += 12) {
    const { client, message } = connected(na);
    const bodies: Buffer[] = [];
    expected.messages = [];
    expected.commands = [];
    for (let m = 0; m < 6; m++) {
      const frames = parts.map((p, i) => `${m}:${i}:${p}`);
      frames.forEach((f, i) => bodies.push(message(i < frames.length - 1 ? 1 : 0, ascii(f))));
      expected.messages.push(frames);
      bodies.push(message(2, ascii(`\x04PING${m}`)));
      expected.commands.push(`\x04PING${m}`);
    }
    const wire = Buffer.concat(bodies.map(frame));
    const reader = new CurveReader(na, client, 1 << 20);
    const { got, sink } = collect();
    for (let i = 0; i < wire.length; i += cut) reader.push(wire.subarray(i, i + cut), sink);
    assert.deepEqual(got, expected, `reads of ${cut} bytes`);
    reader.dispose();
    client.dispose();
  }
});

test('one flipped byte anywhere in a frame ends the stream with ZmtpProtocolError; nothing of it is delivered', async () => {
  const na = await Sodium.load();
  const probe = connected(na);
  const len = frame(probe.message(0, ascii('hello, hub'))).length;
  probe.client.dispose();
  for (let i = 2; i < len; i++) {
    const { client, message } = connected(na);
    const good = frame(message(0, ascii('first')));
    const bad = frame(message(0, ascii('hello, hub')));
    bad[i] = (bad[i] as number) ^ 0x20;
    const reader = new CurveReader(na, client, 1 << 20);
    const { got, sink } = collect();
    assert.throws(() => reader.push(Buffer.concat([good, bad]), sink), ZmtpProtocolError, `byte ${i}`);
    assert.deepEqual(got.messages, [['first']], `byte ${i}`);
    reader.dispose();
    client.dispose();
  }
});

test('a replayed nonce and a frame over the limit are refused', async () => {
  const na = await Sodium.load();
  const a = connected(na);
  const nonce = Buffer.alloc(8);
  nonce.writeUInt32BE(7, 4);
  const reader = new CurveReader(na, a.client, 64 + MESSAGE_OVERHEAD);
  const { got, sink } = collect();
  reader.push(frame(a.message(0, ascii('seven'), nonce)), sink);
  assert.throws(
    () => reader.push(frame(a.message(0, ascii('again'), nonce)), sink),
    /nonce did not increase/,
  );
  assert.deepEqual(got.messages, [['seven']]);
  assert.throws(() => reader.push(frame(a.message(0, Buffer.alloc(65))), sink), /over the size limit/);
  reader.dispose();
  a.client.dispose();
});

test('seal boxes a whole message, each frame a MESSAGE that crypto_secretbox_open opens, nonces increasing', async () => {
  const na = await Sodium.load();
  const { client, openClient } = connected(na);
  const frames = [ascii('/topic'), randomBytes(46), Buffer.alloc(0), randomBytes(300)];
  const out = Buffer.alloc(4 + 2 * sealedLength(frames));
  let end = client.seal(out, 4, frames, false);
  end = client.seal(out, end, [ascii('\x04PONG')], true);
  assert.equal(end, 4 + sealedLength(frames) + sealedLength([ascii('\x04PONG')]));
  const bodies: Buffer[] = [];
  new FrameReader(1 << 20).push(out.subarray(4, end), {
    message: (f) => bodies.push(...f.map((b) => Buffer.from(b))),
    command: () => assert.fail('a MESSAGE goes as a plain frame'),
    dropped: () => assert.fail('dropped'),
  });
  const opened = bodies.map(openClient);
  assert.deepEqual(
    opened.map((o) => o?.[0]),
    [1, 1, 1, 0, 2],
  );
  assert.deepEqual(
    opened.map((o) => o?.[1]),
    [...frames, ascii('\x04PONG')],
  );
  const counters = bodies.map((b) => b.readUInt32BE(12));
  assert.deepEqual(
    counters,
    [...counters].sort((x, y) => x - y),
  );
  assert.equal(new Set(counters).size, counters.length);
  client.dispose();
});

test('frames handed on stay intact through later reads and across plaintext slabs (a handler may keep them)', async () => {
  const na = await Sodium.load();
  const { client, message } = connected(na);
  const reader = new CurveReader(na, client, 1 << 20);
  const kept: Buffer[][] = [];
  const expected: Buffer[][] = [];
  const sink = { message: (f: Buffer[]) => kept.push(f), command: () => assert.fail('no commands sent') };
  // ≈ 2.4 MB of plaintext: more than one 1 MiB slab.
  for (let r = 0; r < 200; r++) {
    const bodies: Buffer[] = [];
    for (let m = 0; m < 8; m++) {
      const frames = [ascii(`/topic/${r}/${m}`), randomBytes(700), randomBytes(m * 97)];
      frames.forEach((f, i) => bodies.push(message(i < 2 ? 1 : 0, f)));
      expected.push(frames);
    }
    reader.push(Buffer.concat(bodies.map(frame)), sink);
  }
  assert.equal(kept.length, expected.length);
  assert.ok(kept.every((frames, i) => frames.every((f, j) => f.equals(expected[i]![j]!))));
  reader.dispose();
  client.dispose();
});

test('a handler that disposes of the reader gets nothing more of that read, and libsodium memory stays sound', async () => {
  const na = await Sodium.load();
  const { client, message } = connected(na);
  const reader = new CurveReader(na, client, 1 << 20);
  const got: string[] = [];
  const sink = {
    message: (f: Buffer[]) => {
      got.push(f[0]!.toString('latin1'));
      reader.dispose();
    },
    command: () => assert.fail('no commands sent'),
  };
  const whole = ['one', 'two', 'three'].map((t) => frame(message(0, ascii(t))));
  // The read ends in the middle of a fourth message: a live reader would keep those bytes.
  const split = frame(message(0, randomBytes(200))).subarray(0, 100);
  reader.push(Buffer.concat([...whole, split]), sink);
  assert.deepEqual(got, ['one']);
  // The allocator still works: a new connection seals and opens through fresh regions.
  const next = connected(na);
  const r2 = new CurveReader(na, next.client, 1 << 20);
  const c = collect();
  r2.push(frame(next.message(0, ascii('after'))), c.sink);
  assert.deepEqual(c.got.messages, [['after']]);
  r2.dispose();
  next.client.dispose();
  client.dispose();
});
