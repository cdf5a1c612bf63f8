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
  const welcomeKey = na.precomputed(clientShort, serverSecret);
  const welcomeBox = na.secretboxEasy(
    welcomeKey,
    Buffer.concat([ascii('WELCOME-'), long]),
    Buffer.concat([shortPublic, randomBytes(96)]),
  );
  client.welcome(Buffer.concat([long, welcomeBox]), Buffer.alloc(0));
  const key = na.precomputed(clientShort, shortSecret);
  let counter = 1;
  const short = (): Buffer => {
    const n = Buffer.alloc(8);
    n.writeUInt32BE(counter++, 4);
    return n;
  };
  const n0 = short();
  client.ready(
    Buffer.concat([
      n0,
      na.secretboxEasy(key, Buffer.concat([ascii('CurveZMQREADY---'), n0]), Buffer.alloc(0)),
    ]),
  );
  /** A MESSAGE body as the server sends it (`nonce` to reuse a counter). */
  const message = (flags: number, frame: Buffer, nonce = short()): Buffer =>
    Buffer.concat([
      ascii('\x07MESSAGE'),
      nonce,
      na.secretboxEasy(
        key,
        Buffer.concat([ascii('CurveZMQMESSAGES'), nonce]),
        Buffer.concat([Buffer.from([flags]), frame]),
      ),
    ]);
  /** The short nonce of the client's last MESSAGE opened (checked to go up by one each time). */
  let lastNonce: bigint | undefined;
  /**
   * Opens what the client sent: [flags, frame], or undefined if the box does not open. Asserts
   * the boxes come in nonce order: each MESSAGE's short nonce is one more than the last opened.
   */
  const openClient = (body: Buffer): [number, Buffer] | undefined => {
    assert.deepEqual(body.subarray(0, 8), ascii('\x07MESSAGE'));
    const counter = body.readBigUInt64BE(8);
    if (lastNonce !== undefined) assert.equal(counter, lastNonce + 1n, 'MESSAGE nonces in order');
    const nonce = Buffer.concat([ascii('CurveZMQMESSAGEC'), body.subarray(8, 16)]);
    const plain = na.secretboxOpenEasy(key, nonce, body.subarray(16));
    if (plain !== undefined) lastNonce = counter;
    return plain === undefined ? undefined : [plain[0] as number, plain.subarray(1)];
  };
  return { client, message, openClient };
}
