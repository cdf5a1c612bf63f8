/**
 * The client side of CurveZMQ (ZeroMQ RFC 26, the CURVE mechanism of ZMTP 3.x) as libzmq speaks
 * it: the HELLO / WELCOME / INITIATE / READY handshake, then every ZMTP frame sent as a MESSAGE
 * whose box holds a flags octet (1 MORE, 2 COMMAND) and the frame. Pure: no sockets; the crypto is
 * libsodium's (sodium.ts).
 *
 * Keys: S the server's long-term public key (configured), C/c the client's long-term pair,
 * C'/c' a fresh short-term pair per connection, S' the server's short-term key (from WELCOME).
 * Nonces: 24 bytes, a 16-byte prefix naming the step plus an 8-byte big-endian counter (short
 * nonces, strictly increasing per direction) or a 16-byte random part (long nonces).
 */
import { randomFillSync } from 'node:crypto';
import { ZmtpProtocolError } from '../frame-reader.js';
import { commandBody, parseCommand } from '../greeting.js';
import { CurveSession, MAC, PREFIX } from './session.js';
import type { Sodium } from './sodium.js';

/** The client's keys, 32 raw bytes each. */
export interface CurveClientKeys {
  /** The server's long-term public key (ZMQ_CURVE_SERVERKEY). */
  readonly serverKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Thrown when the server refused the handshake (an ERROR command, e.g. its ZAP handler said no). */
export class CurveRefusedError extends ZmtpProtocolError {
  override name = 'CurveRefusedError';
}

type Step = 'hello' | 'welcome' | 'ready' | 'open' | 'disposed';

/**
 * One connection's CurveZMQ client state. Handshake: {@link hello} → the server's WELCOME to
 * {@link welcome} (returns INITIATE) → its READY to {@link ready} (returns the metadata). Then
 * {@link seal} and {@link open} box and unbox frames in place, with no allocation (session.ts).
 * {@link dispose} wipes the keys (call it when the connection ends).
 */
export class CurveClient {
  readonly #s: CurveSession;
  readonly #keys: CurveClientKeys;
  #step: Step = 'hello';
  #shortPublic: Buffer;
  #shortSecret: Buffer;

  constructor(na: Sodium, keys: CurveClientKeys) {
    this.#keys = keys;
    [this.#shortPublic, this.#shortSecret] = na.keyPair();
    this.#s = new CurveSession(na, PREFIX.clientMessage, PREFIX.serverMessage);
  }

  /** The HELLO command body: version 1.0, padding, C', a short nonce, Box[64 zeros](C'→S). */
  hello(): Buffer {
    this.#expect('hello');
    const nonce = this.#s.nextShortNonce();
    const box = this.#s.box(Buffer.alloc(64), PREFIX.hello, nonce, this.#keys.serverKey, this.#shortSecret);
    this.#step = 'welcome';
    return commandBody(
      'HELLO',
      Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(72), this.#shortPublic, nonce, box]),
    );
  }

  /**
   * Reads the WELCOME data (16-byte long nonce, Box[S' + cookie](S→C')) and returns the INITIATE
   * command body: the cookie, a short nonce, Box[C + vouch nonce + vouch + metadata](C'→S') with
   * the vouch Box[C' + S](C→S') proving we hold c. Throws when the box does not open (the server
   * does not hold the secret key of the configured server key).
   */
  welcome(data: Buffer, metadata: Buffer): Buffer {
    this.#expect('welcome');
    if (data.length !== 16 + MAC + 128) throw new ZmtpProtocolError(`WELCOME of ${data.length} bytes`);
    const s = this.#s;
    const plain = s.unbox(
      data.subarray(16),
      PREFIX.welcome,
      data.subarray(0, 16),
      this.#keys.serverKey,
      this.#shortSecret,
    );
    if (plain === undefined) {
      throw new ZmtpProtocolError("the hub's WELCOME does not open with the configured server key");
    }
    const serverShort = plain.subarray(0, 32);
    const cookie = plain.subarray(32, 128);
    s.establish(serverShort, this.#shortSecret);
    const vouchNonce = randomFillSync(Buffer.alloc(16));
    const vouch = s.box(
      Buffer.concat([this.#shortPublic, this.#keys.serverKey]),
      PREFIX.vouch,
      vouchNonce,
      serverShort,
      this.#keys.secretKey,
    );
    const nonce = s.nextShortNonce();
    const box = s.boxShort(
      Buffer.concat([this.#keys.publicKey, vouchNonce, vouch, metadata]),
      PREFIX.initiate,
      nonce,
    );
    this.#shortSecret.fill(0);
    this.#step = 'ready';
    return commandBody('INITIATE', Buffer.concat([cookie, nonce, box]));
  }

  /** Reads the READY data (short nonce, Box[metadata](S'→C')); returns the server's metadata. */
  ready(data: Buffer): Buffer {
    this.#expect('ready');
    if (data.length < 8 + MAC) throw new ZmtpProtocolError(`READY of ${data.length} bytes`);
    const nonce = data.subarray(0, 8);
    const plain = this.#s.unboxShort(data.subarray(8), PREFIX.ready, nonce);
    if (plain === undefined) throw new ZmtpProtocolError('the CURVE READY box does not open');
    this.#s.acceptNonce(nonce);
    this.#step = 'open';
    return plain;
  }

  /** A handshake command from the server: ERROR becomes a {@link CurveRefusedError}. */
  static refused(body: Buffer): Error | undefined {
    const cmd = parseCommand(body);
    if (cmd?.name !== 'ERROR') return undefined;
    const n = cmd.data[0] ?? 0;
    return new CurveRefusedError(
      `the hub refused the CURVE handshake: ${cmd.data.toString('latin1', 1, 1 + n)}`,
    );
  }

  /** {@link CurveSession.seal}: boxes one message's frames as MESSAGEs into `out` at `off`. */
  seal(out: Buffer, off: number, frames: readonly Uint8Array[], command: boolean): number {
    return this.#s.seal(out, off, frames, command);
  }

  /** {@link CurveSession.layInto}: lays one message's frames out at `at`, to be boxed later. */
  layInto(at: number, frames: readonly Uint8Array[], command: boolean): number {
    return this.#s.layInto(at, frames, command);
  }

  /** {@link CurveSession.sealLaid}: boxes, in order, the frames laid out from `from` to `to`. */
  sealLaid(from: number, to: number): void {
    this.#s.sealLaid(from, to);
  }

  /** {@link CurveSession.open}: opens one MESSAGE body in place, returns its length. */
  open(body: Buffer): number {
    return this.#s.open(body);
  }

  /** {@link CurveSession.openAt}: opens a MESSAGE body lying in libsodium's memory. */
  openAt(body: number, length: number, to: number): number {
    return this.#s.openAt(body, length, to);
  }

  /** Wipes and frees the connection's keys. Idempotent. */
  dispose(): void {
    if (this.#step === 'disposed') return;
    this.#step = 'disposed';
    this.#s.dispose();
    this.#shortSecret.fill(0);
  }

  #expect(step: Step): void {
    if (this.#step !== step) throw new ZmtpProtocolError(`CURVE handshake out of order (${this.#step})`);
  }
}
