/**
 * The server side of a CurveZMQ connection played with libsodium's own `crypto_box_beforenm` and
 * `crypto_secretbox_easy` / `_open_easy` (not the gateway's MESSAGE code), for the read and write
 * path tests and the CURVE benchmark: a {@link CurveClient} after a complete handshake, MESSAGE
 * bodies as the server sends them, and the opening of what the client sent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseCommand } from '@zeek-relay/zmtp';
import { CurveClient, type Sodium } from '@zeek-relay/zmtp/curve';

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
export function connected(na: Sodium) {
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
