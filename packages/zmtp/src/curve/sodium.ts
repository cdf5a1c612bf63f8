import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import factory, { type LibsodiumModule } from 'libsodium-sumo';

/**
 * The crypto CurveZMQ needs — X25519 key pairs, `crypto_box_beforenm` and XSalsa20-Poly1305
 * `crypto_secretbox` — from libsodium itself, compiled to WebAssembly by libsodium's author
 * (npm `libsodium-sumo`, the raw exports without the wrappers, in the variant that exports every
 * primitive; no native code).
 *
 * Why this and not a native binding or pure JavaScript (measured, see the README): CurveZMQ puts
 * every ZMTP frame in a box of its own, four per Zeek event, mostly under 150 bytes, so the cost
 * per call decides. A call into WebAssembly costs less than one through N-API (`sodium-native`,
 * whose wrappers also check every argument), and the pure-JS implementations (`tweetnacl`,
 * `@noble/ciphers`) were 4–10× slower per small box. The wrappers of `libsodium-wrappers`
 * allocate on every call; here the caller's bytes are copied into one scratch region of the
 * module's memory, boxed there in place, and copied out: no allocation per message.
 *
 * MESSAGE boxes ({@link sealWithSubkey}, {@link openWithSubkey}): `crypto_secretbox` is XSalsa20,
 * i.e. Salsa20 under the subkey HSalsa20(key, first 16 nonce bytes), with the first 32 bytes of
 * that stream as the Poly1305 key. CurveZMQ's MESSAGE nonces all start with the same 16 bytes
 * (`CurveZMQMESSAGEC` / `…S`), so that subkey is the same for every message of a connection: it is
 * derived once ({@link subkey}), and each box is then libsodium's Salsa20 and Poly1305 alone. That
 * saves the HSalsa20 core, a third to a half of the work for boxes this small; the bytes are
 * exactly `crypto_secretbox`'s (checked against it in test/curve-box.test.ts, and against libzmq).
 *
 * Everything runs synchronously on the event loop, so one scratch region serves every connection.
 */
export class Sodium {
  readonly #m: LibsodiumModule;
  /** A Buffer over the module's whole memory (re-made if the memory grows). */
  #heap: Buffer;
  /** A DataView over the same memory (re-made with {@link heap}). */
  #dv: DataView;
  #scratch: number;
  #scratchSize: number;

  private constructor(m: LibsodiumModule) {
    this.#m = m;
    this.#scratchSize = 64 * 1024;
    this.#scratch = m._malloc(this.#scratchSize);
    this.#heap = this.#view();
    this.#dv = new DataView(this.#heap.buffer);
  }

  /**
   * Instantiates the module (once per process; later calls share it). V8 first compiles a
   * WebAssembly function with its baseline compiler (Liftoff) and recompiles it optimized on a
   * background thread once it has run a while; libsodium's Salsa20 under Liftoff costs ≈ 5× its
   * optimized CPU, and on a saturated machine the background recompilation comes late: a CURVE
   * gateway then fell behind a steady 2000 events/s for seconds (README, Benchmark). So this
   * process compiles WebAssembly optimized at the first call (`--no-liftoff`, set before the
   * module is compiled; functions are compiled lazily, at their first call, so it stays set).
   */
  static load(): Promise<Sodium> {
    if (loading === undefined) setFlagsFromString('--no-liftoff');
    loading ??= factory({ getRandomValue: () => randomBytes(4).readUInt32BE(0) }).then((m) => {
      if (m._sodium_init() < 0) throw new Error('libsodium failed to initialize');
      return new Sodium(m);
    });
    return loading;
  }

  #view(): Buffer {
    const u8 = this.#m.HEAPU8;
    return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  }

  /**
   * The module's memory as a Buffer; valid until the next allocation. Growing the memory detaches
   * its old ArrayBuffer (length 0), which is all this checks: reading the module's `HEAPU8` on
   * every call cost ≈ 5 % of opening a read.
   */
  get heap(): Buffer {
    if (this.#heap.byteLength === 0) this.#remake();
    return this.#heap;
  }

  /**
   * The module's memory as a DataView, valid as {@link heap} is: big-endian words written with
   * `setUint32` cost ≈ 2 ns, against ≈ 10 ns for `Buffer.writeUInt32BE` and its range checks.
   */
  get view(): DataView {
    if (this.#heap.byteLength === 0) this.#remake();
    return this.#dv;
  }

  #remake(): void {
    this.#heap = this.#view();
    this.#dv = new DataView(this.#heap.buffer);
  }

  /** Allocates `size` bytes in the module's memory (freed with {@link free}). */
  alloc(size: number): number {
    const p = this.#m._malloc(size);
    if (p === 0) throw new Error(`libsodium: cannot allocate ${size} bytes`);
    return p;
  }

  free(ptr: number): void {
    this.#m._free(ptr);
  }

  /** A scratch region of at least `size` bytes, shared, valid until the next call of this. */
  scratch(size: number): number {
    if (size > this.#scratchSize) {
      this.#m._free(this.#scratch);
      this.#scratchSize = Math.max(size, this.#scratchSize * 2);
      this.#scratch = this.alloc(this.#scratchSize);
    }
    return this.#scratch;
  }

  /** A new X25519 key pair: [public, secret], 32 bytes each. */
  keyPair(): [Buffer, Buffer] {
    const p = this.scratch(64);
    if (this.#m._crypto_box_keypair(p, p + 32) !== 0) throw new Error('crypto_box_keypair failed');
    const h = this.heap;
    return [Buffer.from(h.subarray(p, p + 32)), Buffer.from(h.subarray(p + 32, p + 64))];
  }

  /** The public key of a 32-byte secret key. */
  publicOf(secret: Uint8Array): Buffer {
    const p = this.scratch(64);
    this.heap.set(secret, p + 32);
    this.#m._crypto_scalarmult_base(p, p + 32);
    const pub = Buffer.from(this.heap.subarray(p, p + 32));
    this.heap.fill(0, p, p + 64);
    return pub;
  }

  /** Writes `crypto_box_beforenm(pk, sk)` at `at` in the module's memory (32 bytes). */
  beforenm(at: number, publicKey: Uint8Array, secretKey: Uint8Array): void {
    const p = this.scratch(64);
    const h = this.heap;
    h.set(publicKey, p);
    h.set(secretKey, p + 32);
    const rc = this.#m._crypto_box_beforenm(at, p, p + 32);
    h.fill(0, p + 32, p + 64);
    if (rc !== 0) throw new Error('crypto_box_beforenm refused the key (a low-order point)');
  }

  /**
   * Boxes the `length` bytes at `plain` (module memory) into `length + 16` bytes at `box`
   * (may overlap), with the 24-byte nonce at `nonce` and the precomputed key at `key`.
   */
  seal(box: number, plain: number, length: number, nonce: number, key: number): void {
    this.#m._crypto_secretbox_easy(box, plain, length, 0, nonce, key);
  }

  /** Writes HSalsa20(key at `key`, the 16 bytes at `prefix`) at `at`: the XSalsa20 subkey. */
  subkey(at: number, prefix: number, key: number): void {
    this.#m._crypto_core_hsalsa20(at, prefix, key, 0);
  }

  /**
   * `crypto_secretbox` of `length` bytes under a {@link subkey}, with `nonce` the last 8 nonce
   * bytes. `at` holds 32 zero bytes and then the plaintext; afterwards the ciphertext is at
   * `at + 32` and its 16-byte tag at `mac` (outside `at .. at + 32 + length`).
   */
  sealWithSubkey(mac: number, at: number, length: number, nonce: number, subkey: number): void {
    this.sealWithSubkeyFrom(mac, at, at, length, nonce, subkey);
  }

  /**
   * {@link sealWithSubkey} from the 32 zero bytes and plaintext at `from`, into `at` (`from`
   * itself, or a region that does not overlap it, so the plaintext stays to be boxed again for
   * another connection: SealSource).
   */
  sealWithSubkeyFrom(
    mac: number,
    at: number,
    from: number,
    length: number,
    nonce: number,
    subkey: number,
  ): void {
    const m = this.#m;
    m._crypto_stream_salsa20_xor(at, from, length + 32, 0, nonce, subkey);
    // The first 32 bytes of the stream (now at `at`) are the Poly1305 key.
    m._crypto_onetimeauth_poly1305(mac, at + 32, length, 0, at);
  }

  /**
   * Opens `length` bytes of ciphertext under a {@link subkey}: `from` holds 32 zero bytes and then
   * the ciphertext, the tag is at `mac`; the plaintext is written at `to + 32` (`to` must not
   * overlap `from`). False, and nothing to use at `to`, when the tag does not match.
   */
  openWithSubkey(
    to: number,
    from: number,
    length: number,
    mac: number,
    nonce: number,
    subkey: number,
  ): boolean {
    const m = this.#m;
    m._crypto_stream_salsa20_xor(to, from, length + 32, 0, nonce, subkey);
    return m._crypto_onetimeauth_poly1305_verify(mac, from + 32, length, 0, to) === 0;
  }

  /**
   * `crypto_box_beforenm(pk, sk)` as a Buffer, and libsodium's `crypto_secretbox_easy` /
   * `_open_easy` on Buffers (they allocate: for tests and tools that play a peer with libsodium's
   * own functions, not for the data path).
   */
  precomputed(publicKey: Uint8Array, secretKey: Uint8Array): Buffer {
    const p = this.alloc(32);
    this.beforenm(p, publicKey, secretKey);
    const k = Buffer.from(this.heap.subarray(p, p + 32));
    this.heap.fill(0, p, p + 32);
    this.free(p);
    return k;
  }

  /** `crypto_secretbox_easy` of `plain` under the 32-byte key `k`: the MAC, then the ciphertext. */
  secretboxEasy(k: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Buffer {
    const p = this.alloc(56 + 16 + plain.length);
    this.heap.set(k, p);
    this.heap.set(nonce, p + 32);
    this.heap.set(plain, p + 72);
    this.seal(p + 56, p + 72, plain.length, p + 32, p);
    const out = Buffer.from(this.heap.subarray(p + 56, p + 72 + plain.length));
    this.free(p);
    return out;
  }

  /** `crypto_secretbox_open_easy`: the plaintext, or undefined when the box does not open. */
  secretboxOpenEasy(k: Uint8Array, nonce: Uint8Array, box: Uint8Array): Buffer | undefined {
    const p = this.alloc(56 + box.length);
    this.heap.set(k, p);
    this.heap.set(nonce, p + 32);
    this.heap.set(box, p + 56);
    const ok = this.open(p + 56, p + 56, box.length, p + 32, p);
    const out = ok ? Buffer.from(this.heap.subarray(p + 56, p + 56 + box.length - 16)) : undefined;
    this.free(p);
    return out;
  }

  /** Opens `length` bytes of box at `box` into `length - 16` bytes at `plain`; false if forged. */
  open(plain: number, box: number, length: number, nonce: number, key: number): boolean {
    return this.#m._crypto_secretbox_open_easy(plain, box, length, 0, nonce, key) === 0;
  }
}

let loading: Promise<Sodium> | undefined;
