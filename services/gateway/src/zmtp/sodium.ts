import { randomBytes } from 'node:crypto';
import factory, { type LibsodiumModule } from 'libsodium';

/**
 * The crypto CurveZMQ needs — X25519 key pairs, `crypto_box_beforenm` and XSalsa20-Poly1305
 * `crypto_secretbox` — from libsodium itself, compiled to WebAssembly by libsodium's author
 * (npm `libsodium`, the raw exports without the wrappers; no native code).
 *
 * Why this and not a native binding or pure JavaScript (measured, see the README): CurveZMQ puts
 * every ZMTP frame in a box of its own, four per Zeek event, mostly under 150 bytes, so the cost
 * per call decides. A call into WebAssembly costs less than one through N-API (`sodium-native`,
 * whose wrappers also check every argument), and the pure-JS implementations (`tweetnacl`,
 * `@noble/ciphers`) were 4–10× slower per small box. The wrappers of `libsodium-wrappers`
 * allocate on every call; here the caller's bytes are copied into one scratch region of the
 * module's memory, boxed there in place, and copied out: no allocation per message.
 *
 * Everything runs synchronously on the event loop, so one scratch region serves every connection.
 */
export class Sodium {
  readonly #m: LibsodiumModule;
  /** A Buffer over the module's whole memory (re-made if the memory grows). */
  #heap: Buffer;
  #scratch: number;
  #scratchSize: number;

  private constructor(m: LibsodiumModule) {
    this.#m = m;
    this.#scratchSize = 64 * 1024;
    this.#scratch = m._malloc(this.#scratchSize);
    this.#heap = this.#view();
  }

  /** Instantiates the module (once per process; later calls share it). */
  static load(): Promise<Sodium> {
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

  /** The module's memory as a Buffer; valid until the next allocation. */
  get heap(): Buffer {
    if (this.#heap.byteLength === 0 || this.#heap.buffer !== this.#m.HEAPU8.buffer) this.#heap = this.#view();
    return this.#heap;
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

  /** Opens `length` bytes of box at `box` into `length - 16` bytes at `plain`; false if forged. */
  open(plain: number, box: number, length: number, nonce: number, key: number): boolean {
    return this.#m._crypto_secretbox_open_easy(plain, box, length, 0, nonce, key) === 0;
  }
}

let loading: Promise<Sodium> | undefined;
