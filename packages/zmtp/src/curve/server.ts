/**
 * The server side of CurveZMQ (ZeroMQ RFC 26) as libzmq's `curve_server` speaks it: the client's
 * HELLO opened with our long-term secret key, WELCOME with our short-term key S' and a cookie,
 * INITIATE checked (the cookie, the box under the short-term keys, the vouch that proves the
 * client holds the secret key of the long-term key C it names), READY; then every frame a MESSAGE
 * (session.ts). Pure: no sockets. Whether C may connect is the caller's decision (an allow-list,
 * as libzmq's ZAP handler decides): {@link CurveServer.error} is the ERROR libzmq sends then.
 *
 * The cookie (Box[C' + s'] under a key of this connection) lets a stateless server forget a
 * connection between WELCOME and INITIATE; libzmq keeps its state anyway and draws a fresh cookie
 * key per connection, as this does. Checking it here still rejects an INITIATE that does not
 * belong to our WELCOME.
 */
import { randomFillSync } from 'node:crypto';
import { ZmtpProtocolError } from '../frame-reader.js';
import { commandBody } from '../greeting.js';
import { CurveCryptoError, CurveSession, MAC, PREFIX, sealedLength, type SealSource } from './session.js';
import type { NativeSecretbox } from './native.js';
import type { Sodium } from './sodium.js';

/** The server's long-term key pair, 32 raw bytes each. */
export interface CurveServerKeys {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** What a valid INITIATE tells: the client's proven long-term public key and its metadata. */
export interface CurveInitiate {
  readonly clientKey: Buffer;
  readonly metadata: Buffer;
}

/** HELLO data: version (2), padding (72), C' (32), short nonce (8), Box[64 zeros] (80). */
const HELLO_LENGTH = 2 + 72 + 32 + 8 + 64 + MAC;
/** A cookie: a 16-byte nonce, Box[C' + s'](K). */
const COOKIE_LENGTH = 16 + 64 + MAC;
/** INITIATE data before the metadata: cookie, short nonce, box of C, vouch nonce and vouch. */
const INITIATE_MIN = COOKIE_LENGTH + 8 + MAC + 32 + 16 + 64 + MAC;

type Step = 'hello' | 'initiate' | 'ready' | 'open' | 'disposed';

/**
 * One connection's CurveZMQ server state. Handshake: the client's HELLO data to {@link hello}
 * (returns WELCOME) → its INITIATE data to {@link initiate} (returns C and the metadata; the
 * caller decides on C) → {@link ready} (returns READY). Then {@link seal} and {@link openAt} as
 * on the client. Every failed check throws {@link CurveCryptoError} (or ZmtpProtocolError for a
 * malformed command): close the connection.
 */
export class CurveServer {
  readonly #s: CurveSession;
  readonly #keys: CurveServerKeys;
  #step: Step = 'hello';
  /** C', from HELLO. */
  #clientShort: Buffer = Buffer.alloc(0);
  /** The short-term pair S'/s' and the cookie key, from WELCOME to INITIATE. */
  #shortPublic: Buffer = Buffer.alloc(0);
  #shortSecret: Buffer = Buffer.alloc(0);
  readonly #cookieKey = Buffer.alloc(32);
  #route: ((frames: readonly Uint8Array[], command: boolean) => Buffer) | undefined;

  constructor(na: Sodium, keys: CurveServerKeys) {
    this.#keys = keys;
    this.#s = new CurveSession(na, PREFIX.serverMessage, PREFIX.clientMessage);
  }

  /** Reads HELLO (version 1.0, Box[64 zeros](C'→S) must open); returns the WELCOME body. */
  hello(data: Buffer): Buffer {
    this.#expect('hello');
    if (data.length !== HELLO_LENGTH) throw new ZmtpProtocolError(`HELLO of ${data.length} bytes`);
    if (data[0] !== 1 || data[1] !== 0) throw new ZmtpProtocolError(`CURVE version ${data[0]}.${data[1]}`);
    const s = this.#s;
    this.#clientShort = Buffer.from(data.subarray(74, 106));
    const nonce = data.subarray(106, 114);
    const plain = this.#guard(() =>
      s.unbox(data.subarray(114), PREFIX.hello, nonce, this.#clientShort, this.#keys.secretKey),
    );
    if (plain === undefined || plain.some((b) => b !== 0)) {
      throw new CurveCryptoError('the CURVE HELLO does not open with our secret key (wrong server key)');
    }
    s.acceptNonce(nonce);
    [this.#shortPublic, this.#shortSecret] = s.na.keyPair();
    randomFillSync(this.#cookieKey);
    const cookieNonce = randomFillSync(Buffer.alloc(16));
    const cookieBox = s.secretbox(
      Buffer.concat([this.#clientShort, this.#shortSecret]),
      PREFIX.cookie,
      cookieNonce,
      this.#cookieKey,
    );
    const welcomeNonce = randomFillSync(Buffer.alloc(16));
    const box = s.box(
      Buffer.concat([this.#shortPublic, cookieNonce, cookieBox]),
      PREFIX.welcome,
      welcomeNonce,
      this.#clientShort,
      this.#keys.secretKey,
    );
    this.#step = 'initiate';
    return commandBody('WELCOME', Buffer.concat([welcomeNonce, box]));
  }

  /**
   * Reads INITIATE: the cookie must be ours and name C', the box must open under (C', s'), and
   * the vouch Box[C' + S](C→S') must open under the C it carries. Returns C and the metadata.
   */
  initiate(data: Buffer): CurveInitiate {
    this.#expect('initiate');
    if (data.length < INITIATE_MIN) throw new ZmtpProtocolError(`INITIATE of ${data.length} bytes`);
    const s = this.#s;
    const cookie = s.secretboxOpen(
      data.subarray(16, COOKIE_LENGTH),
      PREFIX.cookie,
      data.subarray(0, 16),
      this.#cookieKey,
    );
    this.#cookieKey.fill(0);
    if (cookie === undefined || !cookie.subarray(0, 32).equals(this.#clientShort)) {
      throw new CurveCryptoError('the CURVE INITIATE cookie is not ours');
    }
    s.establish(this.#clientShort, cookie.subarray(32, 64));
    cookie.fill(0);
    const nonce = data.subarray(COOKIE_LENGTH, COOKIE_LENGTH + 8);
    const plain = s.unboxShort(data.subarray(COOKIE_LENGTH + 8), PREFIX.initiate, nonce);
    if (plain === undefined) throw new CurveCryptoError('the CURVE INITIATE box does not open');
    s.acceptNonce(nonce);
    const clientKey = Buffer.from(plain.subarray(0, 32));
    const vouch = this.#guard(() =>
      s.unbox(plain.subarray(48, 128), PREFIX.vouch, plain.subarray(32, 48), clientKey, this.#shortSecret),
    );
    this.#shortSecret.fill(0);
    if (
      vouch === undefined ||
      !vouch.subarray(0, 32).equals(this.#clientShort) ||
      !vouch.subarray(32, 64).equals(this.#keys.publicKey)
    ) {
      throw new CurveCryptoError('the CURVE vouch does not prove the client key');
    }
    this.#step = 'ready';
    return { clientKey, metadata: plain.subarray(128) };
  }

  /** The READY body: a short nonce, Box[metadata](S'→C'). */
  ready(metadata: Buffer): Buffer {
    this.#expect('ready');
    const nonce = this.#s.nextShortNonce();
    const box = this.#s.boxShort(metadata, PREFIX.ready, nonce);
    this.#step = 'open';
    return commandBody('READY', Buffer.concat([nonce, box]));
  }

  /** The ERROR body libzmq sends when its ZAP handler refuses a client (`reason` e.g. `400`). */
  static error(reason: string): Buffer {
    const r = Buffer.from(reason, 'latin1');
    return commandBody('ERROR', Buffer.concat([Buffer.from([r.length]), r]));
  }

  /** {@link CurveSession.seal}: boxes one message's frames as MESSAGEs into `out` at `off`. */
  seal(out: Buffer, off: number, frames: readonly Uint8Array[], command: boolean): number {
    return this.#s.seal(out, off, frames, command);
  }

  /**
   * Boxes every message of `plain` ({@link SealSource}: laid out once, boxed for each
   * connection) from `off` of `out`; returns the end offset ({@link CurveSession.sealFrom}).
   */
  sealFrom(out: Buffer, off: number, plain: SealSource): number {
    return this.#s.sealFrom(out, off, plain);
  }

  /** {@link CurveSession.reserveNonces}: nonces for a batch a seal worker boxes. */
  reserveNonces(count: number): number {
    return this.#s.reserveNonces(count);
  }

  /** {@link CurveSession.exportTransmit}: our direction's state for a seal worker (wipe it after). */
  exportTransmit(): Buffer {
    return this.#s.exportTransmit();
  }

  /**
   * Routes {@link sealed} (what the connection writes itself: PING, PONG, any command or message)
   * through `hook`, which returns the bytes the connection writes now: an owner that has batches
   * being boxed elsewhere seals the command with its next nonce, queues it behind them and returns
   * nothing (an empty Buffer), so the wire keeps the nonces' order. `undefined` ends the routing.
   */
  routeSealed(hook: ((frames: readonly Uint8Array[], command: boolean) => Buffer) | undefined): void {
    this.#route = hook;
  }

  /** {@link seal} into a new Buffer of {@link sealedLength} bytes (commands, subscriptions). */
  sealed(frames: readonly Uint8Array[], command: boolean): Buffer {
    if (this.#route !== undefined) return this.#route(frames, command);
    return this.sealedHere(frames, command);
  }

  /** {@link sealed} on this thread, now, whatever is routed (for the {@link routeSealed} hook). */
  sealedHere(frames: readonly Uint8Array[], command: boolean): Buffer {
    const out = Buffer.allocUnsafe(sealedLength(frames));
    this.#s.seal(out, 0, frames, command);
    return out;
  }

  /** {@link CurveSession.openAt}: opens a MESSAGE body lying in libsodium's memory. */
  openAt(body: number, length: number, to: number): number {
    return this.#s.openAt(body, length, to);
  }

  /** {@link CurveSession.openNative}: the same for a large body, with native libsodium. */
  openNative(body: number, length: number, out: Buffer, native: NativeSecretbox): void {
    this.#s.openNative(body, length, out, native);
  }

  /** {@link CurveSession.open}: opens one MESSAGE body in place, returns its length. */
  open(body: Buffer): number {
    return this.#s.open(body);
  }

  /** Wipes and frees the connection's keys. Idempotent. */
  dispose(): void {
    if (this.#step === 'disposed') return;
    this.#step = 'disposed';
    this.#s.dispose();
    this.#shortSecret.fill(0);
    this.#cookieKey.fill(0);
  }

  #expect(step: Step): void {
    if (this.#step !== step) throw new ZmtpProtocolError(`CURVE handshake out of order (${this.#step})`);
  }

  /** A key libsodium refuses (a low-order point) is a failed proof, not a crash. */
  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ZmtpProtocolError) throw err;
      throw new CurveCryptoError(`CURVE handshake: ${(err as Error).message}`);
    }
  }
}
