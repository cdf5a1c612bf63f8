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
import { ZmtpProtocolError, frameHeaderLength, writeFrameHeader } from '../frame-reader.js';
import { commandBody, parseCommand } from '../greeting.js';
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

const MESSAGE = Buffer.from('\x07MESSAGE', 'latin1');
/** `\x07MESSAGE`, the 8-byte short nonce, the 16-byte MAC, the flags octet. */
export const MESSAGE_OVERHEAD = MESSAGE.length + 8 + 16 + 1;
const MAC = 16;

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const PREFIX = {
  hello: ascii('CurveZMQHELLO---'),
  welcome: ascii('WELCOME-'),
  initiate: ascii('CurveZMQINITIATE'),
  vouch: ascii('VOUCH---'),
  ready: ascii('CurveZMQREADY---'),
  clientMessage: ascii('CurveZMQMESSAGEC'),
  serverMessage: ascii('CurveZMQMESSAGES'),
};

/** Layout of a connection's block in libsodium's memory. */
const KEY = 0; // the precomputed key of (S', c'), 32 bytes
const TX_NONCE = 32; // 24 bytes: clientMessage prefix + counter
const RX_NONCE = 56; // 24 bytes: serverMessage prefix + the peer's counter
const TX_SUBKEY = 80; // HSalsa20(KEY, clientMessage prefix): the XSalsa20 subkey of every MESSAGE we send
const RX_SUBKEY = 112; // HSalsa20(KEY, serverMessage prefix): the same for every MESSAGE received
/** The short nonce (8) and tag (16) of the MESSAGE being boxed, as they follow `\x07MESSAGE`. */
const TX_NONCE_TAG = 144;
/** The same for the MESSAGE being opened. */
const RX_NONCE_TAG = 168;
const BLOCK = 192;
/** The 32 zero bytes that Salsa20 turns into the Poly1305 key (see Sodium.sealWithSubkey). */
const ZEROS = 32;
const ZERO_BYTES = new Uint8Array(ZEROS);
/** A MESSAGE body's short nonce (8) and tag (16), contiguous on the wire and in the block. */
const NONCE_TAG = 8 + MAC;
/** `\x07MESSAGE` as two big-endian words (checked and written without a call into Buffer). */
const MESSAGE_HI = MESSAGE.readUInt32BE(0);
const MESSAGE_LO = MESSAGE.readUInt32BE(4);
/** 2^32, for 8-octet sizes and counters. */
const HI = 0x1_0000_0000;

type Step = 'hello' | 'welcome' | 'ready' | 'open' | 'disposed';

/**
 * One connection's CurveZMQ client state. Handshake: {@link hello} → the server's WELCOME to
 * {@link welcome} (returns INITIATE) → its READY to {@link ready} (returns the metadata). Then
 * {@link seal} and {@link open} box and unbox frames in place, with no allocation.
 * {@link dispose} wipes the keys (call it when the connection ends).
 */
export class CurveClient {
  readonly #na: Sodium;
  readonly #keys: CurveClientKeys;
  readonly #block: number;
  #step: Step = 'hello';
  #shortPublic: Buffer;
  #shortSecret: Buffer;
  /** Our next short nonce. */
  #txNonce = 1;
  /** The last short nonce the server used (its next one must be larger). */
  #rxNonce = 0;

  constructor(na: Sodium, keys: CurveClientKeys) {
    this.#na = na;
    this.#keys = keys;
    [this.#shortPublic, this.#shortSecret] = na.keyPair();
    this.#block = na.alloc(BLOCK);
    const h = na.heap;
    h.set(PREFIX.clientMessage, this.#block + TX_NONCE);
    h.set(PREFIX.serverMessage, this.#block + RX_NONCE);
  }

  /** The HELLO command body: version 1.0, padding, C', a short nonce, Box[64 zeros](C'→S). */
  hello(): Buffer {
    this.#expect('hello');
    const nonce = this.#nextShortNonce();
    const box = this.#box(Buffer.alloc(64), PREFIX.hello, nonce, this.#keys.serverKey, this.#shortSecret);
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
    const plain = this.#unbox(data.subarray(16), PREFIX.welcome, data.subarray(0, 16), this.#keys.serverKey);
    if (plain === undefined) {
      throw new ZmtpProtocolError("the hub's WELCOME does not open with the configured server key");
    }
    const serverShort = plain.subarray(0, 32);
    const cookie = plain.subarray(32, 128);
    const b = this.#block;
    this.#na.beforenm(b + KEY, serverShort, this.#shortSecret);
    this.#na.subkey(b + TX_SUBKEY, b + TX_NONCE, b + KEY);
    this.#na.subkey(b + RX_SUBKEY, b + RX_NONCE, b + KEY);
    const vouchNonce = randomFillSync(Buffer.alloc(16));
    const vouch = this.#box(
      Buffer.concat([this.#shortPublic, this.#keys.serverKey]),
      PREFIX.vouch,
      vouchNonce,
      serverShort,
      this.#keys.secretKey,
    );
    const nonce = this.#nextShortNonce();
    const box = this.#boxShort(
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
    const plain = this.#unboxShort(data.subarray(8), PREFIX.ready, nonce);
    if (plain === undefined) throw new ZmtpProtocolError('the CURVE READY box does not open');
    this.#rxNonce = readNonce(nonce);
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

  /**
   * Boxes one message: every frame a MESSAGE of its own (`flags` of each: 1 MORE, 2 COMMAND;
   * `command` sets COMMAND on all), each a plain ZMTP frame with its header, written at `off` of
   * `out` (which has room for {@link sealedLength} bytes). Returns the end offset. The frames are
   * laid out in libsodium's memory as they go on the wire and copied out once.
   */
  seal(out: Buffer, off: number, frames: readonly Uint8Array[], command: boolean): number {
    const size = sealedLength(frames);
    const start = this.#na.scratch(size);
    const last = frames.length - 1;
    let q = start;
    for (let i = 0; i <= last; i++) {
      const f = frames[i] as Uint8Array;
      q = this.#sealFrame(q, (i < last ? 1 : 0) | (command ? 2 : 0), f);
    }
    this.#na.heap.copy(out, off, start, q);
    return off + size;
  }

  /**
   * Boxes one frame in libsodium's memory at `q`: the frame header, then the MESSAGE body —
   * `\x07MESSAGE`, the 8-byte nonce counter, the 16-byte tag, the boxed flags and frame. Those
   * first 32 body bytes start as the zeros Salsa20 turns into the Poly1305 key (then overwritten).
   */
  #sealFrame(q: number, flags: number, frame: Uint8Array): number {
    const na = this.#na;
    const h = na.heap;
    const len = frame.length + 1;
    const at = writeFrameHeader(h, q, 0, frame.length + MESSAGE_OVERHEAD);
    h.set(ZERO_BYTES, at);
    h[at + ZEROS] = flags;
    h.set(frame, at + ZEROS + 1);
    const nt = this.#block + TX_NONCE_TAG;
    const n = this.#txNonce++;
    h.writeUInt32BE(Math.floor(n / HI), nt);
    h.writeUInt32BE(n >>> 0, nt + 4);
    na.sealWithSubkey(nt + 8, at, len, nt, this.#block + TX_SUBKEY);
    h.writeUInt32BE(MESSAGE_HI, at);
    h.writeUInt32BE(MESSAGE_LO, at + 4);
    h.copyWithin(at + 8, nt, nt + NONCE_TAG);
    return at + ZEROS + len;
  }

  /**
   * Opens a MESSAGE body in place: on success `body[0]` is the flags octet and
   * `body[1 .. returned length)` the frame. Throws on anything else (not a MESSAGE, a nonce that
   * did not increase, a box that does not open): the connection must end. (The read path opens
   * whole reads in libsodium's memory with {@link openAt}; this serves frames parsed elsewhere.)
   */
  open(body: Buffer): number {
    const na = this.#na;
    const p = na.scratch(2 * (ZEROS + body.length));
    const to = p + ZEROS + body.length;
    na.heap.set(body, p);
    const len = this.openAt(p, body.length, to);
    na.heap.copy(body, 0, to + ZEROS, to + ZEROS + len);
    return len;
  }

  /**
   * Opens the MESSAGE body of `length` bytes at `body` in libsodium's memory: the flags octet and
   * the frame (returned: their length) are written at `to + 32`; the 32 bytes before them are
   * scratch, and so are the body's first 32 bytes. `to .. to + 32 + length` must not overlap the
   * body. Throws as {@link open} does.
   */
  openAt(body: number, length: number, to: number): number {
    const h = this.#na.heap;
    if (
      length < MESSAGE_OVERHEAD ||
      h.readUInt32BE(body) !== MESSAGE_HI ||
      h.readUInt32BE(body + 4) !== MESSAGE_LO
    ) {
      throw new ZmtpProtocolError('expected a CURVE MESSAGE');
    }
    const nonce = h.readUInt32BE(body + 8) * HI + h.readUInt32BE(body + 12);
    if (nonce <= this.#rxNonce) throw new ZmtpProtocolError('CURVE MESSAGE nonce did not increase');
    const nt = this.#block + RX_NONCE_TAG;
    h.copyWithin(nt, body + 8, body + ZEROS);
    h.set(ZERO_BYTES, body);
    const len = length - ZEROS;
    if (!this.#na.openWithSubkey(to, body, len, nt + 8, nt, this.#block + RX_SUBKEY)) {
      throw new ZmtpProtocolError('a CURVE MESSAGE box does not open (tampered or wrong key)');
    }
    this.#rxNonce = nonce;
    return len;
  }

  /** Wipes and frees the connection's keys. Idempotent. */
  dispose(): void {
    if (this.#step === 'disposed') return;
    this.#step = 'disposed';
    this.#na.heap.fill(0, this.#block, this.#block + BLOCK);
    this.#na.free(this.#block);
    this.#shortSecret.fill(0);
  }

  #expect(step: Step): void {
    if (this.#step !== step) throw new ZmtpProtocolError(`CURVE handshake out of order (${this.#step})`);
  }

  #nextShortNonce(): Buffer {
    const b = Buffer.alloc(8);
    const n = this.#txNonce++;
    b.writeUInt32BE(Math.floor(n / HI), 0);
    b.writeUInt32BE(n >>> 0, 4);
    return b;
  }

  /**
   * Runs `fn` with a temporary key block (32-byte key, then room for a nonce) that `derive`
   * fills; wipes and frees it after. Handshake only.
   */
  #withKey<T>(derive: (at: number) => void, fn: (at: number) => T): T {
    const na = this.#na;
    const key = na.alloc(32 + 24);
    try {
      derive(key);
      return fn(key);
    } finally {
      na.heap.fill(0, key, key + 32);
      na.free(key);
    }
  }

  /** crypto_box of `plain` from secret `sk` to public `pk` (handshake only; allocates). */
  #box(plain: Buffer, prefix: Buffer, nonce: Buffer, pk: Uint8Array, sk: Uint8Array): Buffer {
    return this.#withKey(
      (at) => this.#na.beforenm(at, pk, sk),
      (at) => this.#sealWith(at, plain, prefix, nonce),
    );
  }

  /** crypto_box_open of a box from `pk` to our short-term key. */
  #unbox(box: Buffer, prefix: Buffer, nonce: Buffer, pk: Uint8Array): Buffer | undefined {
    return this.#withKey(
      (at) => this.#na.beforenm(at, pk, this.#shortSecret),
      (at) => this.#openWith(at, box, prefix, nonce),
    );
  }

  /** A copy of the session key (S', c') into `at`. */
  readonly #sessionKey = (at: number): void => {
    this.#na.heap.copy(this.#na.heap, at, this.#block + KEY, this.#block + KEY + 32);
  };

  #boxShort(plain: Buffer, prefix: Buffer, nonce: Buffer): Buffer {
    return this.#withKey(this.#sessionKey, (at) => this.#sealWith(at, plain, prefix, nonce));
  }

  #unboxShort(box: Buffer, prefix: Buffer, nonce: Buffer): Buffer | undefined {
    return this.#withKey(this.#sessionKey, (at) => this.#openWith(at, box, prefix, nonce));
  }

  /** Secretbox with the key at `key` (nonce written after it). */
  #sealWith(key: number, plain: Buffer, prefix: Buffer, nonce: Buffer): Buffer {
    const na = this.#na;
    const p = na.scratch(plain.length + MAC);
    const h = na.heap;
    h.set(prefix, key + 32);
    h.set(nonce, key + 32 + prefix.length);
    h.set(plain, p + MAC);
    na.seal(p, p + MAC, plain.length, key + 32, key);
    return Buffer.from(h.subarray(p, p + plain.length + MAC));
  }

  #openWith(key: number, box: Buffer, prefix: Buffer, nonce: Buffer): Buffer | undefined {
    const na = this.#na;
    if (box.length < MAC) return undefined;
    const p = na.scratch(box.length);
    const h = na.heap;
    h.set(prefix, key + 32);
    h.set(nonce, key + 32 + prefix.length);
    h.set(box, p);
    if (!na.open(p, p, box.length, key + 32, key)) return undefined;
    return Buffer.from(h.subarray(p, p + box.length - MAC));
  }
}

/** An 8-byte big-endian counter as a number (exact below 2^53, far beyond any connection). */
function readNonce(b: Buffer): number {
  return b.readUInt32BE(0) * HI + b.readUInt32BE(4);
}

/** The bytes {@link CurveClient.seal} writes for `frames`: per frame a header and a MESSAGE. */
export function sealedLength(frames: readonly Uint8Array[]): number {
  let size = 0;
  for (const f of frames)
    size += frameHeaderLength(f.length + MESSAGE_OVERHEAD) + f.length + MESSAGE_OVERHEAD;
  return size;
}
