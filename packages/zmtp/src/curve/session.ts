/**
 * What both sides of an established CurveZMQ connection (ZeroMQ RFC 26) share: the session key
 * of the two short-term pairs, the MESSAGE boxes of each direction under their XSalsa20 subkeys
 * (derived once, see sodium.ts) with strictly increasing short nonces, and the handshake's boxes.
 * The client (client.ts) and the server (server.ts) differ only in which nonce prefix is theirs.
 */
import { ZmtpProtocolError, frameHeaderLength, writeFrameHeader } from '../frame-reader.js';
import type { NativeSecretbox } from './native.js';
import type { Sodium } from './sodium.js';

/** A box that does not open, a nonce that did not increase, a handshake proof that fails. */
export class CurveCryptoError extends ZmtpProtocolError {
  override name = 'CurveCryptoError';
}

const MESSAGE = Buffer.from('\x07MESSAGE', 'latin1');
/** `\x07MESSAGE`, the 8-byte short nonce, the 16-byte MAC, the flags octet. */
export const MESSAGE_OVERHEAD = MESSAGE.length + 8 + 16 + 1;
export const MAC = 16;

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
/** The 16-byte (short nonces) and 8-byte (long nonces) prefixes of each step's nonce. */
export const PREFIX = {
  hello: ascii('CurveZMQHELLO---'),
  welcome: ascii('WELCOME-'),
  cookie: ascii('COOKIE--'),
  initiate: ascii('CurveZMQINITIATE'),
  vouch: ascii('VOUCH---'),
  ready: ascii('CurveZMQREADY---'),
  clientMessage: ascii('CurveZMQMESSAGEC'),
  serverMessage: ascii('CurveZMQMESSAGES'),
};

/** Layout of a connection's block in libsodium's memory. */
const KEY = 0; // the precomputed key of the two short-term pairs, 32 bytes
const TX_NONCE = 32; // 24 bytes: our MESSAGE prefix + counter
const RX_NONCE = 56; // 24 bytes: the peer's MESSAGE prefix + its counter
const TX_SUBKEY = 80; // HSalsa20(KEY, our prefix): the XSalsa20 subkey of every MESSAGE we send
const RX_SUBKEY = 112; // HSalsa20(KEY, the peer's prefix): the same for every MESSAGE received
/** The short nonce (8) and tag (16) of the MESSAGE being boxed, as they follow `\x07MESSAGE`. */
const TX_NONCE_TAG = 144;
/** The same for the MESSAGE being opened. */
const RX_NONCE_TAG = 168;
const BLOCK = 192;
/** The 32 zero bytes that Salsa20 turns into the Poly1305 key (see Sodium.sealWithSubkey). */
const ZEROS = 32;
/** A MESSAGE body's short nonce (8) and tag (16), contiguous on the wire and in the block. */
const NONCE_TAG = 8 + MAC;
/** `\x07MESSAGE` as two big-endian words (checked and written without a call into Buffer). */
const MESSAGE_HI = MESSAGE.readUInt32BE(0);
const MESSAGE_LO = MESSAGE.readUInt32BE(4);
/** 2^32, for 8-octet sizes and counters. */
const HI = 0x1_0000_0000;

/** An 8-byte big-endian counter as a number (exact below 2^53, far beyond any connection). */
function readNonce(b: Buffer): number {
  return b.readUInt32BE(0) * HI + b.readUInt32BE(4);
}

/**
 * One connection's session state: `tx`/`rx` are the MESSAGE nonce prefixes of our direction and
 * the peer's (the client's is `…MESSAGEC`). {@link establish} sets the session key;
 * {@link seal} and {@link openAt} box and unbox frames in place, with no allocation.
 */
export class CurveSession {
  readonly na: Sodium;
  readonly #block: number;
  /** Our next short nonce (handshake commands and MESSAGEs share the counter). */
  #txNonce = 1;
  /** The last short nonce the peer used (its next one must be larger). */
  #rxNonce = 0;
  #disposed = false;
  /** For {@link openNative}: the session key and the peer's MESSAGE nonce, outside libsodium's memory. */
  #native: { key: Buffer; nonce: Buffer } | undefined;

  constructor(na: Sodium, tx: Buffer, rx: Buffer) {
    this.na = na;
    this.#block = na.alloc(BLOCK);
    na.heap.set(tx, this.#block + TX_NONCE);
    na.heap.set(rx, this.#block + RX_NONCE);
  }

  /** Derives the session key of (the peer's short public, our short secret) and both subkeys. */
  establish(peerShortPublic: Uint8Array, ourShortSecret: Uint8Array): void {
    const b = this.#block;
    this.na.beforenm(b + KEY, peerShortPublic, ourShortSecret);
    this.na.subkey(b + TX_SUBKEY, b + TX_NONCE, b + KEY);
    this.na.subkey(b + RX_SUBKEY, b + RX_NONCE, b + KEY);
  }

  /** Our next short nonce as 8 bytes. */
  nextShortNonce(): Buffer {
    const b = Buffer.alloc(8);
    const n = this.#txNonce++;
    b.writeUInt32BE(Math.floor(n / HI), 0);
    b.writeUInt32BE(n >>> 0, 4);
    return b;
  }

  /**
   * Takes the next `count` short nonces for a batch boxed elsewhere (a seal worker's session from
   * {@link exportTransmit}); returns the first. Whatever this session boxes later gets larger ones.
   */
  reserveNonces(count: number): number {
    const n = this.#txNonce;
    this.#txNonce += count;
    return n;
  }

  /**
   * Our direction's state for boxing in another thread: the 24-byte MESSAGE nonce (prefix) and
   * the 32-byte subkey, 56 bytes (a copy: the caller wipes it once handed over). The nonces stay
   * with this session ({@link reserveNonces}).
   */
  exportTransmit(): Buffer {
    const b = this.#block;
    const out = Buffer.alloc(56);
    this.na.heap.copy(out, 0, b + TX_NONCE, b + TX_NONCE + 24);
    this.na.heap.copy(out, 24, b + TX_SUBKEY, b + TX_SUBKEY + 32);
    return out;
  }

  /**
   * A session that only boxes, from another session's {@link exportTransmit} (in a seal worker,
   * on that thread's libsodium); its nonces come with each batch ({@link sealFrom}'s `first`).
   */
  static importTransmit(na: Sodium, state: Uint8Array): CurveSession {
    if (state.length !== 56) throw new CurveCryptoError('a CURVE transmit state is 56 bytes');
    const s = new CurveSession(na, Buffer.from(state.subarray(0, 24)), Buffer.alloc(24));
    na.heap.set(state.subarray(24, 56), s.#block + TX_SUBKEY);
    return s;
  }

  /** Accepts the peer's short nonce of a handshake command: it must exceed the last one. */
  acceptNonce(nonce: Buffer): void {
    const n = readNonce(nonce);
    if (n <= this.#rxNonce) throw new CurveCryptoError('CURVE nonce did not increase');
    this.#rxNonce = n;
  }

  /**
   * Boxes one message: every frame a MESSAGE of its own (`flags` of each: 1 MORE, 2 COMMAND;
   * `command` sets COMMAND on all), each a plain ZMTP frame with its header, written at `off` of
   * `out` (which has room for {@link sealedLength} bytes). Returns the end offset. The frames are
   * laid out in libsodium's memory as they go on the wire and copied out once.
   */
  seal(out: Buffer, off: number, frames: readonly Uint8Array[], command: boolean): number {
    const size = sealedLength(frames);
    const start = this.na.scratch(size);
    this.na.heap.copy(out, off, start, this.sealInto(start, frames, command));
    return off + size;
  }

  /**
   * {@link seal} into libsodium's memory: the message's frames are boxed at `at` (room for
   * {@link sealedLength} bytes, e.g. a connection's output region there) and stay there; returns
   * the end offset. For writers that copy a whole write out at once instead of every message.
   */
  sealInto(at: number, frames: readonly Uint8Array[], command: boolean): number {
    const last = frames.length - 1;
    let q = at;
    for (let i = 0; i <= last; i++) {
      const f = frames[i] as Uint8Array;
      const body = this.#layFrame(q, (i < last ? 1 : 0) | (command ? 2 : 0), f);
      this.#boxFrame(body, f.length + 1);
      q = body + ZEROS + f.length + 1;
    }
    return q;
  }

  /**
   * The first half of {@link sealInto}: lays one message's frames out at `at` in libsodium's
   * memory where {@link sealInto} would put them, not yet boxed (each frame's header, 32 bytes
   * of room, the flags octet and the frame in plaintext); returns the end offset. {@link sealLaid}
   * boxes them later. For writers that box a whole write in one go (the boxing code and its data
   * then stay in the CPU's caches): lay out every message, then seal the region once.
   */
  layInto(at: number, frames: readonly Uint8Array[], command: boolean): number {
    if (this.#disposed) throw new Error('CurveSession used after dispose');
    const last = frames.length - 1;
    let q = at;
    for (let i = 0; i <= last; i++) {
      const f = frames[i] as Uint8Array;
      q = this.#layFrame(q, (i < last ? 1 : 0) | (command ? 2 : 0), f) + ZEROS + f.length + 1;
    }
    return q;
  }

  /**
   * Boxes, in order, every frame {@link layInto} laid out from `from` to `to` (the whole region:
   * the frames follow each other from `from`): afterwards the region holds exactly what
   * {@link sealInto} would have written. Each frame takes the next nonce.
   */
  sealLaid(from: number, to: number): void {
    const v = this.na.view;
    let q = from;
    while (q < to) {
      // The frame header layInto wrote (writeFrameHeader): a 1-octet or an 8-octet size.
      const long = (v.getUint8(q) & 2) !== 0;
      const size = long ? v.getUint32(q + 1) * HI + v.getUint32(q + 5) : v.getUint8(q + 1);
      const body = q + (long ? 9 : 2);
      this.#boxFrame(body, size - ZEROS);
      q = body + size;
    }
  }

  /**
   * Lays one frame out at `q`: the frame header, then the MESSAGE body's first 32 bytes as the
   * zeros Salsa20 turns into the Poly1305 key, the flags octet and the frame. Returns where the
   * body starts.
   */
  #layFrame(q: number, flags: number, frame: Uint8Array): number {
    const na = this.na;
    const h = na.heap;
    const v = na.view;
    const at = writeFrameHeader(h, q, 0, frame.length + MESSAGE_OVERHEAD);
    for (let i = 0; i < ZEROS; i += 8) v.setFloat64(at + i, 0);
    h[at + ZEROS] = flags;
    h.set(frame, at + ZEROS + 1);
    return at;
  }

  /**
   * Boxes the laid-out frame whose MESSAGE body starts at `at` (`len` = flags octet + frame) with
   * the next nonce: the body becomes `\x07MESSAGE`, the 8-byte nonce counter, the 16-byte tag, the
   * boxed flags and frame (the first 32 bytes, the Poly1305 key by then, are overwritten).
   */
  #boxFrame(at: number, len: number): void {
    const na = this.na;
    const v = na.view;
    const nt = this.#block + TX_NONCE_TAG;
    const n = this.#nextNonce(v, nt);
    na.sealWithSubkey(nt + 8, at, len, nt, this.#block + TX_SUBKEY);
    this.#messageHead(v, at, n);
  }

  /**
   * Boxes every message of `plain` (laid out once in libsodium's memory, {@link SealSource}) for
   * this session, from `off` of `out` (room for `plain.sealedLength` bytes): each frame boxed
   * from the shared plaintext straight to where its MESSAGE goes (no copy in, no zeros written),
   * the whole copied out once. Returns the end offset. The same bytes as {@link seal} of each
   * message in turn.
   */
  sealFrom(out: Buffer, off: number, plain: SealSource, first?: number): number {
    if (first !== undefined) this.#skipTo(first);
    const na = this.na;
    const size = plain.sealedLength;
    const start = na.scratch(size);
    const h = na.heap;
    const v = na.view;
    const nt = this.#block + TX_NONCE_TAG;
    const subkey = this.#block + TX_SUBKEY;
    const at = plain.frameAt;
    const lens = plain.frameLength;
    let q = start;
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!;
      const body = writeFrameHeader(h, q, 0, len + ZEROS);
      const n = this.#nextNonce(v, nt);
      na.sealWithSubkeyFrom(nt + 8, body, at[i]!, len, nt, subkey);
      this.#messageHead(v, body, n);
      q = body + ZEROS + len;
    }
    h.copy(out, off, start, q);
    return off + (q - start);
  }

  /**
   * Boxes from nonce `first` on (a batch whose nonces were reserved by the session that owns the
   * counter): it must not be below what this session used last, or the peer would see nonces out
   * of order and drop the connection: a CurveCryptoError instead.
   */
  #skipTo(first: number): void {
    if (first < this.#txNonce) throw new CurveCryptoError(`CURVE nonce ${first} reused or reordered`);
    this.#txNonce = first;
  }

  /**
   * Takes our next short nonce and writes it as the last 8 bytes of the nonce at `nt`. Every box
   * of a MESSAGE takes its nonce here, so a session used after {@link dispose} (its key block
   * freed, maybe another connection's by now) throws here before boxing anything.
   */
  #nextNonce(v: DataView, nt: number): number {
    if (this.#disposed) throw new Error('CurveSession used after dispose');
    const n = this.#txNonce++;
    v.setUint32(nt, Math.floor(n / HI));
    v.setUint32(nt + 4, n >>> 0);
    return n;
  }

  /** Writes `\x07MESSAGE`, the short nonce `n` and the tag (at the nonce block) over the key bytes at `at`. */
  #messageHead(v: DataView, at: number, n: number): void {
    const nt = this.#block + TX_NONCE_TAG;
    v.setUint32(at, MESSAGE_HI);
    v.setUint32(at + 4, MESSAGE_LO);
    v.setUint32(at + 8, Math.floor(n / HI));
    v.setUint32(at + 12, n >>> 0);
    for (let i = 8; i < NONCE_TAG; i += 4) v.setUint32(at + 8 + i, v.getUint32(nt + i));
  }

  /**
   * Opens a MESSAGE body in place: on success `body[0]` is the flags octet and
   * `body[1 .. returned length)` the frame. Throws on anything else (not a MESSAGE, a nonce that
   * did not increase, a box that does not open): the connection must end.
   */
  open(body: Buffer): number {
    const na = this.na;
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
    const nonce = this.#messageNonce(body, length);
    const v = this.na.view;
    const nt = this.#block + RX_NONCE_TAG;
    for (let i = 0; i < NONCE_TAG; i += 4) v.setUint32(nt + i, v.getUint32(body + 8 + i));
    for (let i = 0; i < ZEROS; i += 8) v.setFloat64(body + i, 0);
    const len = length - ZEROS;
    if (!this.na.openWithSubkey(to, body, len, nt + 8, nt, this.#block + RX_SUBKEY)) {
      throw new CurveCryptoError('a CURVE MESSAGE box does not open (tampered or wrong key)');
    }
    this.#rxNonce = nonce;
    return len;
  }

  /**
   * {@link openAt} with native libsodium (native.ts) for a large MESSAGE body of `length` bytes at
   * `body`: the flags octet and the frame (`length` − 32 bytes) are written to `out`, straight
   * from the box (no copy out of libsodium's memory). Throws as {@link openAt} does.
   */
  openNative(body: number, length: number, out: Buffer, native: NativeSecretbox): void {
    const nonce = this.#messageNonce(body, length);
    const h = this.na.heap;
    const b = this.#block;
    const n = (this.#native ??= {
      key: Buffer.from(h.subarray(b + KEY, b + KEY + 32)),
      nonce: Buffer.from(h.subarray(b + RX_NONCE, b + RX_NONCE + 24)),
    });
    h.copy(n.nonce, 16, body + 8, body + 16);
    if (!native.secretboxOpenEasy(out, h.subarray(body + 16, body + length), n.nonce, n.key))
      throw new CurveCryptoError('a CURVE MESSAGE box does not open (tampered or wrong key)');
    this.#rxNonce = nonce;
  }

  /**
   * Checks that the `length` bytes at `body` are a MESSAGE (`\x07MESSAGE`, room for nonce and tag)
   * whose short nonce exceeds the last one opened, and returns that nonce.
   */
  #messageNonce(body: number, length: number): number {
    const v = this.na.view;
    if (length < MESSAGE_OVERHEAD || v.getUint32(body) !== MESSAGE_HI || v.getUint32(body + 4) !== MESSAGE_LO)
      throw new ZmtpProtocolError('expected a CURVE MESSAGE');
    const nonce = v.getUint32(body + 8) * HI + v.getUint32(body + 12);
    if (nonce <= this.#rxNonce) throw new CurveCryptoError('CURVE MESSAGE nonce did not increase');
    return nonce;
  }

  /** crypto_box of `plain` from secret `sk` to public `pk` (handshake only; allocates). */
  box(plain: Buffer, prefix: Buffer, nonce: Buffer, pk: Uint8Array, sk: Uint8Array): Buffer {
    return this.#withKey(
      (at) => this.na.beforenm(at, pk, sk),
      (at) => this.#sealWith(at, plain, prefix, nonce),
    );
  }

  /** crypto_box_open of a box from `pk` to `sk`; undefined when it does not open. */
  unbox(box: Buffer, prefix: Buffer, nonce: Buffer, pk: Uint8Array, sk: Uint8Array): Buffer | undefined {
    return this.#withKey(
      (at) => this.na.beforenm(at, pk, sk),
      (at) => this.#openWith(at, box, prefix, nonce),
    );
  }

  /** crypto_secretbox under the raw 32-byte `key` (the server's cookie key). */
  secretbox(plain: Buffer, prefix: Buffer, nonce: Buffer, key: Uint8Array): Buffer {
    return this.#withKey(
      (at) => this.na.heap.set(key, at),
      (at) => this.#sealWith(at, plain, prefix, nonce),
    );
  }

  secretboxOpen(box: Buffer, prefix: Buffer, nonce: Buffer, key: Uint8Array): Buffer | undefined {
    return this.#withKey(
      (at) => this.na.heap.set(key, at),
      (at) => this.#openWith(at, box, prefix, nonce),
    );
  }

  /** A box under the session key (INITIATE, READY). */
  boxShort(plain: Buffer, prefix: Buffer, nonce: Buffer): Buffer {
    return this.#withKey(this.#sessionKey, (at) => this.#sealWith(at, plain, prefix, nonce));
  }

  unboxShort(box: Buffer, prefix: Buffer, nonce: Buffer): Buffer | undefined {
    return this.#withKey(this.#sessionKey, (at) => this.#openWith(at, box, prefix, nonce));
  }

  /** Wipes and frees the session's keys. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#native?.key.fill(0);
    this.na.heap.fill(0, this.#block, this.#block + BLOCK);
    this.na.free(this.#block);
  }

  /** A copy of the session key into `at`. */
  readonly #sessionKey = (at: number): void => {
    this.na.heap.copy(this.na.heap, at, this.#block + KEY, this.#block + KEY + 32);
  };

  /**
   * Runs `fn` with a temporary key block (32-byte key, then room for a nonce) that `derive`
   * fills; wipes and frees it after. Handshake only.
   */
  #withKey<T>(derive: (at: number) => void, fn: (at: number) => T): T {
    const na = this.na;
    const key = na.alloc(32 + 24);
    try {
      derive(key);
      return fn(key);
    } finally {
      na.heap.fill(0, key, key + 32);
      na.free(key);
    }
  }

  /** Secretbox with the key at `key` (nonce written after it). */
  #sealWith(key: number, plain: Buffer, prefix: Buffer, nonce: Buffer): Buffer {
    const na = this.na;
    const p = na.scratch(plain.length + MAC);
    const h = na.heap;
    h.set(prefix, key + 32);
    h.set(nonce, key + 32 + prefix.length);
    h.set(plain, p + MAC);
    na.seal(p, p + MAC, plain.length, key + 32, key);
    return Buffer.from(h.subarray(p, p + plain.length + MAC));
  }

  #openWith(key: number, box: Buffer, prefix: Buffer, nonce: Buffer): Buffer | undefined {
    const na = this.na;
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

/** The bytes {@link CurveSession.seal} writes for `frames`: per frame a header and a MESSAGE. */
export function sealedLength(frames: readonly Uint8Array[]): number {
  let size = 0;
  for (const f of frames)
    size += frameHeaderLength(f.length + MESSAGE_OVERHEAD) + f.length + MESSAGE_OVERHEAD;
  return size;
}

/**
 * The plaintext of whole messages (none a command) laid out once in libsodium's memory as
 * CurveZMQ boxes them — per frame 32 zero bytes, the flags octet (MORE but on the last frame)
 * and the frame — so that {@link CurveSession.sealFrom} boxes them for many sessions without
 * copying them in again: the hub seals one batch for each of its subscribers. Its region is kept
 * (and grown) from one {@link load} to the next; {@link dispose} wipes and frees it.
 */
export class SealSource {
  readonly #na: Sodium;
  #at = 0;
  #size = 0;
  /** Bytes of the region the loaded messages take (plaintext until {@link wipe}). */
  #used = 0;
  /** The messages last loaded (compared by identity by the caller). */
  messages: readonly (readonly Uint8Array[])[] = [];
  /** Per frame: where its zeros start in libsodium's memory, and its flags octet + frame length. */
  readonly frameAt: number[] = [];
  readonly frameLength: number[] = [];
  /** What {@link CurveSession.sealFrom} writes for the loaded messages. */
  sealedLength = 0;

  constructor(na: Sodium) {
    this.#na = na;
  }

  /** Lays out `messages` (each at least one frame), replacing what was loaded. */
  load(messages: readonly (readonly Uint8Array[])[]): void {
    let need = 0;
    let sealed = 0;
    for (let i = 0; i < messages.length; i++) {
      for (const f of messages[i]!) {
        need += ZEROS + 1 + f.length;
        sealed += frameHeaderLength(f.length + MESSAGE_OVERHEAD) + f.length + MESSAGE_OVERHEAD;
      }
    }
    this.#reserve(need);
    const h = this.#na.heap;
    this.frameAt.length = 0;
    this.frameLength.length = 0;
    let p = this.#at;
    for (let i = 0; i < messages.length; i++) {
      const frames = messages[i]!;
      const last = frames.length - 1;
      for (let j = 0; j <= last; j++) {
        const f = frames[j]!;
        h.fill(0, p, p + ZEROS);
        h[p + ZEROS] = j < last ? 1 : 0;
        h.set(f, p + ZEROS + 1);
        this.frameAt.push(p);
        this.frameLength.push(f.length + 1);
        p += ZEROS + 1 + f.length;
      }
    }
    this.#used = need;
    this.messages = messages;
    this.sealedLength = sealed;
  }

  /**
   * Zeroes the loaded plaintext and forgets it (the region is kept for the next {@link load}):
   * the hub calls this after each read's batches are sealed, so no events stay readable in
   * libsodium's memory while it waits for the next read.
   */
  wipe(): void {
    if (this.#used === 0) return;
    this.#na.heap.fill(0, this.#at, this.#at + this.#used);
    this.#forget();
  }

  /** Nothing loaded (the region, if any, kept). */
  #forget(): void {
    this.#used = 0;
    this.messages = [];
    this.frameAt.length = 0;
    this.frameLength.length = 0;
    this.sealedLength = 0;
  }

  #reserve(size: number): void {
    if (size <= this.#size) return;
    const next = Math.max(size, 64 * 1024, this.#size * 2);
    this.dispose();
    this.#at = this.#na.alloc(next);
    this.#size = next;
  }

  /** Wipes and frees the region (plaintext stays nowhere in libsodium's memory). Idempotent. */
  dispose(): void {
    if (this.#size === 0) return;
    this.#na.heap.fill(0, this.#at, this.#at + this.#size);
    this.#na.free(this.#at);
    this.#size = 0;
    this.#forget();
  }
}
