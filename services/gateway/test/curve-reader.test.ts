/**
 * The CURVE read path (src/zmtp/curve-reader.ts) opens whole reads in libsodium's memory, and the
 * write path (CurveClient.seal) boxes a whole message there: checked here against a server side
 * made of libsodium's own `crypto_box_beforenm` and `crypto_secretbox_easy` / `_open_easy` (not the
 * code under test), for streams cut at every byte, long frames, boxed commands, a tampered byte, a
 * replayed nonce and an oversized frame. The libzmq interop of both paths is in curve.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CurveClient, MESSAGE_OVERHEAD, sealedLength } from '../src/zmtp/curve.js';
import { CurveReader } from '../src/zmtp/curve-reader.js';
import { FrameReader, ZmtpProtocolError, parseCommand, writeFrameHeader } from '@zeek-relay/zmtp';
import { Sodium } from '../src/zmtp/sodium.js';

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

/** crypto_secretbox_easy / _open_easy of libsodium under the precomputed key `k`. */
function secretbox(na: Sodium, k: Buffer, nonce: Buffer, plain: Buffer): Buffer {
  const p = na.alloc(56 + 16 + plain.length);
  na.heap.set(k, p);
  na.heap.set(nonce, p + 32);
  na.heap.set(plain, p + 72);
  na.seal(p + 56, p + 72, plain.length, p + 32, p);
  const out = Buffer.from(na.heap.subarray(p + 56, p + 72 + plain.length));
  na.free(p);
  return out;
}

function unsecretbox(na: Sodium, k: Buffer, nonce: Buffer, box: Buffer): Buffer | undefined {
  const p = na.alloc(56 + box.length);
  na.heap.set(k, p);
  na.heap.set(nonce, p + 32);
  na.heap.set(box, p + 56);
  const ok = na.open(p + 56, p + 56, box.length, p + 32, p);
  const out = ok ? Buffer.from(na.heap.subarray(p + 56, p + 56 + box.length - 16)) : undefined;
  na.free(p);
  return out;
}

function beforenm(na: Sodium, pk: Uint8Array, sk: Uint8Array): Buffer {
  const p = na.alloc(32);
  na.beforenm(p, pk, sk);
  const k = Buffer.from(na.heap.subarray(p, p + 32));
  na.free(p);
  return k;
}

/** A CurveClient after a handshake with a server played here with libsodium's box functions. */
function connected(na: Sodium) {
  const [serverPublic, serverSecret] = na.keyPair();
  const [clientPublic, clientSecret] = na.keyPair();
  const [shortPublic, shortSecret] = na.keyPair();
  const client = new CurveClient(na, {
    serverKey: serverPublic,
    publicKey: clientPublic,
    secretKey: clientSecret,
  });
  const hello = parseCommand(client.hello())!.data;
  const clientShort = hello.subarray(74, 106);
  const long = randomBytes(16);
  const welcomeKey = beforenm(na, clientShort, serverSecret);
  const welcomeBox = secretbox(
    na,
    welcomeKey,
    Buffer.concat([ascii('WELCOME-'), long]),
    Buffer.concat([shortPublic, randomBytes(96)]),
  );
  client.welcome(Buffer.concat([long, welcomeBox]), Buffer.alloc(0));
  const key = beforenm(na, clientShort, shortSecret);
  let counter = 1;
  const short = (): Buffer => {
    const n = Buffer.alloc(8);
    n.writeUInt32BE(counter++, 4);
    return n;
  };
  const n0 = short();
  client.ready(
    Buffer.concat([n0, secretbox(na, key, Buffer.concat([ascii('CurveZMQREADY---'), n0]), Buffer.alloc(0))]),
  );
  /** A MESSAGE body as the server sends it (`nonce` to reuse a counter). */
  const message = (flags: number, frame: Buffer, nonce = short()): Buffer =>
    Buffer.concat([
      ascii('\x07MESSAGE'),
      nonce,
      secretbox(
        na,
        key,
        Buffer.concat([ascii('CurveZMQMESSAGES'), nonce]),
        Buffer.concat([Buffer.from([flags]), frame]),
      ),
    ]);
  /** Opens what the client sent: [flags, frame], or undefined if the box does not open. */
  const openClient = (body: Buffer): [number, Buffer] | undefined => {
    assert.deepEqual(body.subarray(0, 8), ascii('\x07MESSAGE'));
    const nonce = Buffer.concat([ascii('CurveZMQMESSAGEC'), body.subarray(8, 16)]);
    const plain = unsecretbox(na, key, nonce, body.subarray(16));
    return plain === undefined ? undefined : [plain[0] as number, plain.subarray(1)];
  };
  return { client, message, openClient };
}

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
