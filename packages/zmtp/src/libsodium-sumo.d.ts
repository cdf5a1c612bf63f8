// Types for the `libsodium-sumo` package (libsodium compiled to WebAssembly, raw exports, the
// variant that exports every primitive), which ships none. Only what zmtp/sodium.ts calls. 64-bit
// lengths are passed as two 32-bit halves (low, high).
declare module 'libsodium-sumo' {
  export interface LibsodiumModule {
    readonly HEAPU8: Uint8Array;
    _sodium_init(): number;
    _malloc(size: number): number;
    _free(ptr: number): void;
    _crypto_box_keypair(pk: number, sk: number): number;
    _crypto_scalarmult_base(q: number, n: number): number;
    _crypto_box_beforenm(k: number, pk: number, sk: number): number;
    _crypto_secretbox_easy(
      c: number,
      m: number,
      mlenLow: number,
      mlenHigh: number,
      n: number,
      k: number,
    ): number;
    _crypto_secretbox_open_easy(
      m: number,
      c: number,
      clenLow: number,
      clenHigh: number,
      n: number,
      k: number,
    ): number;
    /** HSalsa20: 32 bytes at `out` from the 16-byte input at `input` and the key at `k` (`c` 0: default constants). */
    _crypto_core_hsalsa20(out: number, input: number, k: number, c: number): number;
    /** Salsa20 with an 8-byte nonce: `c` = `m` XOR the key stream from its start. */
    _crypto_stream_salsa20_xor(
      c: number,
      m: number,
      mlenLow: number,
      mlenHigh: number,
      n: number,
      k: number,
    ): number;
    _crypto_onetimeauth_poly1305(
      out: number,
      m: number,
      mlenLow: number,
      mlenHigh: number,
      k: number,
    ): number;
    /** 0 when the 16-byte tag at `h` is the Poly1305 of the message under `k` (constant time). */
    _crypto_onetimeauth_poly1305_verify(
      h: number,
      m: number,
      mlenLow: number,
      mlenHigh: number,
      k: number,
    ): number;
  }
  /** Instantiates the module; `getRandomValue` is its entropy source (a uint32 per call). */
  export default function factory(options: { getRandomValue: () => number }): Promise<LibsodiumModule>;
}
