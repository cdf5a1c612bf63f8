/**
 * libsodium's own C build through `sodium-native` (5.1.0, pinned): an N-API addon whose npm
 * tarball carries prebuilt binaries (linux-x64/arm64 glibc, macOS, Windows, Android, iOS), loaded
 * with `require-addon`; nothing is compiled or downloaded at install. Used for one thing: opening
 * large MESSAGE boxes (log batches of 100–200 KB), where its Salsa20/Poly1305 (vectorised C) open
 * a megabyte in ≈ 0.64 ms of CPU against ≈ 3.6 ms for the WebAssembly build on the same data path
 * (measured in one process, README). A call costs more than a WebAssembly call (≈ 0.9 µs against
 * ≈ 0.55 µs for a 64-byte frame), so small frames stay on WebAssembly. Where the addon does not
 * load (another platform, musl), everything stays on WebAssembly.
 */
import { createRequire } from 'node:module';

/** `crypto_secretbox_open_easy(m, c, n, k)`: `c` is the MAC and the ciphertext; false if forged. */
export interface NativeSecretbox {
  secretboxOpenEasy(m: Buffer, c: Buffer, n: Buffer, k: Buffer): boolean;
}

/** MESSAGE bodies from this size on are opened natively (where the per-call cost is amortised). */
export const NATIVE_MIN_BYTES = 4096;

let loaded: NativeSecretbox | null | undefined;

/** CommonJS loading for the addon (it is a CommonJS package loaded lazily and synchronously). */
const require = createRequire(import.meta.url);

/** The native opener, or undefined where `sodium-native` does not load (loaded once). */
export function nativeSecretbox(): NativeSecretbox | undefined {
  if (loaded === undefined) {
    try {
      const sn = require('sodium-native') as {
        crypto_secretbox_open_easy(m: Buffer, c: Buffer, n: Buffer, k: Buffer): boolean;
      };
      loaded = { secretboxOpenEasy: (m, c, n, k) => sn.crypto_secretbox_open_easy(m, c, n, k) };
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
