/**
 * The CurveZMQ server (src/curve/server.ts) against a client played here with libsodium's own
 * `crypto_box_keypair`, `crypto_box_beforenm` and `crypto_secretbox_easy` / `_open_easy`, laid out
 * as RFC 26 and libzmq's curve_client lay out each command (not with the package's CurveClient):
 * a complete handshake and MESSAGEs both ways, then every proof the server must refuse — a HELLO
 * for another server key, a foreign cookie, a vouch not made with the named client key, a
 * tampered or replayed MESSAGE. The libzmq interop is in the hub's tests.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ZmtpProtocolError, parseCommand, parseProperties, socketTypeMetadata } from '../src/index.js';
import { CurveCryptoError, CurveReader, CurveServer, Sodium } from '../src/curve/index.js';
import { nativeSecretbox } from '../src/curve/native.js';

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

/** A command's data after its name (the server returns whole command bodies). */
function data(body: Buffer, name: string): Buffer {
  const cmd = parseCommand(body);
  assert.equal(cmd?.name, name);
  return cmd.data;
}

/** One client and the server it talks to; `vouchKey` signs the vouch (the client's own by default). */
async function setup() {
  const na = await Sodium.load();
  const [S, s] = na.keyPair();
  const [C, c] = na.keyPair();
  const [Cs, cs] = na.keyPair();
  const server = new CurveServer(na, { publicKey: S, secretKey: s });
  const hello = (serverKey: Buffer = S) =>
    Buffer.concat([
      Buffer.from([1, 0]),
      Buffer.alloc(72),
      Cs,
      u64(1),
      na.secretboxEasy(
        na.precomputed(serverKey, cs),
        Buffer.concat([ascii('CurveZMQHELLO---'), u64(1)]),
        Buffer.alloc(64),
      ),
    ]);
  /** Opens WELCOME with libsodium; returns S' and the cookie. */
  const welcome = (body: Buffer) => {
    const d = data(body, 'WELCOME');
    assert.equal(d.length, 160);
    const plain = na.secretboxOpenEasy(
      na.precomputed(S, cs),
      Buffer.concat([ascii('WELCOME-'), d.subarray(0, 16)]),
      d.subarray(16),
    );
    assert.ok(plain, "WELCOME opens with (S, c')");
    return { serverShort: plain.subarray(0, 32), cookie: plain.subarray(32) };
  };
  const initiate = (
    w: { serverShort: Buffer; cookie: Buffer },
    o: { vouchSecret?: Buffer; nonce?: number } = {},
  ) => {
    const vn = randomBytes(16);
    const vouch = na.secretboxEasy(
      na.precomputed(w.serverShort, o.vouchSecret ?? c),
      Buffer.concat([ascii('VOUCH---'), vn]),
      Buffer.concat([Cs, S]),
    );
    const n = o.nonce ?? 2;
    const box = na.secretboxEasy(
      na.precomputed(w.serverShort, cs),
      Buffer.concat([ascii('CurveZMQINITIATE'), u64(n)]),
      Buffer.concat([C, vn, vouch, socketTypeMetadata('XSUB')]),
    );
    return Buffer.concat([w.cookie, u64(n), box]);
  };
  return {
    na,
    S,
    C,
    server,
    hello,
    welcome,
    initiate,
    session: (w: { serverShort: Buffer }) => na.precomputed(w.serverShort, cs),
  };
}

/**
 * A server with a completed handshake (as a PULL) and `frame`: one client MESSAGE frame on the
 * wire (LONG header) with `flags` inside the box, sealed by libsodium.
 */
async function readyServer() {
  const t = await setup();
  const w = t.welcome(t.server.hello(t.hello()));
  t.server.initiate(t.initiate(w));
  t.server.ready(socketTypeMetadata('PULL'));
  const k = t.session(w);
  const frame = (n: number, flags: number, body: Buffer) => {
    const m = Buffer.concat([
      ascii('\x07MESSAGE'),
      u64(n),
      t.na.secretboxEasy(
        k,
        Buffer.concat([ascii('CurveZMQMESSAGEC'), u64(n)]),
        Buffer.concat([Buffer.from([flags]), body]),
      ),
    ]);
    const h = Buffer.alloc(9);
    h[0] = 2;
    h.writeUInt32BE(m.length, 5);
    return Buffer.concat([h, m]);
  };
  return { t, frame };
}

describe('CurveServer', () => {
  it('completes a handshake with a libsodium-played client; MESSAGEs open both ways', async () => {
    const t = await setup();
    const w = t.welcome(t.server.hello(t.hello()));
    const { clientKey, metadata } = t.server.initiate(t.initiate(w));
    assert.deepEqual(clientKey, t.C);
    const props = parseProperties(metadata);
    assert.ok(props instanceof Map);
    assert.equal(props.get('socket-type')?.toString(), 'XSUB');
    const k = t.session(w);
    const ready = data(t.server.ready(socketTypeMetadata('XPUB')), 'READY');
    const meta = t.na.secretboxOpenEasy(
      k,
      Buffer.concat([ascii('CurveZMQREADY---'), ready.subarray(0, 8)]),
      ready.subarray(8),
    );
    assert.deepEqual(meta, socketTypeMetadata('XPUB'));

    // Server → client: two frames, each a MESSAGE libsodium opens, nonces increasing after READY's.
    const frames = [Buffer.from('topic'), randomBytes(100)];
    const sealed = t.server.sealed(frames, false);
    let off = 0;
    let last = ready.readBigUInt64BE(0);
    for (const [i, f] of frames.entries()) {
      assert.equal(sealed[off], 0, 'a short data frame');
      const body = sealed.subarray(off + 2, off + 2 + (sealed[off + 1] as number));
      assert.equal(body.toString('latin1', 0, 8), '\x07MESSAGE');
      const nonce = body.readBigUInt64BE(8);
      assert.ok(nonce > last);
      last = nonce;
      const plain = t.na.secretboxOpenEasy(
        k,
        Buffer.concat([ascii('CurveZMQMESSAGES'), body.subarray(8, 16)]),
        body.subarray(16),
      );
      assert.ok(plain);
      assert.equal(plain[0], i === 0 ? 1 : 0, 'MORE on all but the last');
      assert.deepEqual(plain.subarray(1), f);
      off += 2 + body.length;
    }
    assert.equal(off, sealed.length);

    // Client → server: a MESSAGE made with crypto_secretbox opens in place.
    const msg = (n: number, plain: Buffer) =>
      Buffer.concat([
        ascii('\x07MESSAGE'),
        u64(n),
        t.na.secretboxEasy(k, Buffer.concat([ascii('CurveZMQMESSAGEC'), u64(n)]), plain),
      ]);
    const body = msg(3, Buffer.concat([Buffer.from([0]), Buffer.from('hello')]));
    const len = t.server.open(body);
    assert.deepEqual(body.subarray(0, len), Buffer.concat([Buffer.from([0]), Buffer.from('hello')]));
    // A replayed nonce and one flipped byte are refused.
    assert.throws(() => t.server.open(msg(3, Buffer.from([0, 1]))), CurveCryptoError);
    const tampered = msg(4, Buffer.from([0, 1, 2, 3]));
    tampered[tampered.length - 1]! ^= 1;
    assert.throws(() => t.server.open(tampered), CurveCryptoError);
    t.server.dispose();
  });

  it('refuses a HELLO made for another server key', async () => {
    const t = await setup();
    const [other] = t.na.keyPair();
    assert.throws(() => t.server.hello(t.hello(other)), CurveCryptoError);
  });

  it('refuses a HELLO of another version or size as a protocol error', async () => {
    const t = await setup();
    const h = t.hello();
    h[0] = 2;
    assert.throws(
      () => t.server.hello(h),
      (e) => e instanceof ZmtpProtocolError && !(e instanceof CurveCryptoError),
    );
    assert.throws(
      () =>
        new CurveServer(t.na, { publicKey: t.S, secretKey: Buffer.alloc(32) }).hello(t.hello().subarray(1)),
      ZmtpProtocolError,
    );
  });

  it('refuses a foreign cookie', async () => {
    const t = await setup();
    const w = t.welcome(t.server.hello(t.hello()));
    const init = t.initiate(w);
    init[40]! ^= 1;
    assert.throws(() => t.server.initiate(init), CurveCryptoError);
  });

  it('refuses a vouch not made with the secret key of the client key it names', async () => {
    const t = await setup();
    const w = t.welcome(t.server.hello(t.hello()));
    const [, impostor] = t.na.keyPair();
    assert.throws(() => t.server.initiate(t.initiate(w, { vouchSecret: impostor })), /vouch/);
  });

  it("refuses an INITIATE whose nonce does not follow HELLO's", async () => {
    const t = await setup();
    const w = t.welcome(t.server.hello(t.hello()));
    assert.throws(() => t.server.initiate(t.initiate(w, { nonce: 1 })), CurveCryptoError);
  });

  it('a CurveReader with native libsodium opens large MESSAGEs (any read size) and small ones on WebAssembly alike; refuses a tampered or replayed large one', async () => {
    const loaded = nativeSecretbox();
    assert.ok(loaded, 'sodium-native loads here (linux-x64 prebuild)');
    let nativeCalls = 0;
    const native = {
      secretboxOpenEasy: (m: Buffer, c: Buffer, n: Buffer, key: Buffer) => {
        nativeCalls++;
        return loaded.secretboxOpenEasy(m, c, n, key);
      },
    };
    const { t, frame } = await readyServer();
    const big = randomBytes(150_000);
    const small = Buffer.from('worker-1');
    const got: Buffer[][] = [];
    const sink = {
      message: (f: Buffer[]) => got.push(f.map((x) => Buffer.from(x))),
      command: () => undefined,
    };
    const reader = new CurveReader(t.na, t.server, 1 << 20, native);
    const wire = Buffer.concat([frame(3, 1, small), frame(4, 0, big), frame(5, 1, small), frame(6, 0, big)]);
    for (let off = 0; off < wire.length; off += 65536) reader.push(wire.subarray(off, off + 65536), sink);
    assert.equal(got.length, 2);
    for (const m of got) {
      assert.deepEqual(m[0], small);
      assert.ok(m[1]!.equals(big), 'the large frame opened natively is the plaintext');
    }
    assert.equal(nativeCalls, 2, 'the two large frames, not the small ones');
    const tampered = frame(7, 0, big);
    tampered[tampered.length - 100]! ^= 1;
    assert.throws(() => reader.push(tampered, sink), CurveCryptoError);
    const replayed = new CurveReader(t.na, t.server, 1 << 20, native);
    assert.throws(() => replayed.push(frame(6, 0, big), sink), CurveCryptoError);
    reader.dispose();
    replayed.dispose();
    t.server.dispose();
  });

  it("with a frame target, a large MESSAGE is opened straight into the target's buffer (flags octet, then the frame) and stays intact through later reads; a tampered one is refused", async () => {
    const native = nativeSecretbox();
    assert.ok(native, 'sodium-native loads here (linux-x64 prebuild)');
    const { t, frame } = await readyServer();
    const allocated: Buffer[] = [];
    const target = {
      minBytes: 32 * 1024,
      allocate: (n: number) => {
        const b = Buffer.alloc(n + 100); // larger, as a pooled buffer of a size class
        allocated.push(b);
        return b.subarray(0, n);
      },
    };
    const reader = new CurveReader(t.na, t.server, 1 << 20, native, target);
    const got: Buffer[][] = [];
    const sink = { message: (f: Buffer[]) => got.push(f), command: () => undefined };
    const bigs = [randomBytes(150_000), randomBytes(150_000), randomBytes(40_000)];
    const mid = randomBytes(20_000); // natively opened, under minBytes: not in the target
    const small = Buffer.from('worker-1');
    const wire = Buffer.concat([
      frame(3, 1, small),
      frame(4, 0, bigs[0]!),
      frame(5, 1, mid),
      frame(6, 0, bigs[1]!),
      frame(7, 1, small),
      frame(8, 0, bigs[2]!),
    ]);
    for (let off = 0; off < wire.length; off += 65536) reader.push(wire.subarray(off, off + 65536), sink);
    assert.equal(got.length, 3);
    assert.equal(allocated.length, 3, 'one target buffer per large frame');
    for (const [i, m] of got.entries()) {
      const big = m[1]!;
      assert.equal(big.buffer, allocated[i]!.buffer, 'the frame is a view of the target buffer');
      assert.equal(big.byteOffset, allocated[i]!.byteOffset + 1, 'after the flags octet');
      assert.ok(big.equals(bigs[i]!), 'the plaintext, intact after the later reads');
    }
    assert.deepEqual(got[0]![0], small);
    assert.ok(got[1]![0]!.equals(mid));
    assert.notEqual(got[1]![0]!.buffer, allocated[1]!.buffer);
    const tampered = frame(9, 0, bigs[0]!);
    tampered[tampered.length - 100]! ^= 1;
    assert.throws(() => reader.push(tampered, sink), CurveCryptoError);
    assert.equal(got.length, 3, 'nothing of the tampered box is handed on');
    reader.dispose();
    t.server.dispose();
  });
});
