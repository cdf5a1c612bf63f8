/**
 * The CURVE pieces of a server's connections (server-connection.ts), made once per listener:
 * libsodium loaded, the long-term key pair, the allow-list of client public keys (the keys a ZAP
 * handler would admit). Shared by the hub's `forwarding=zmtp` and the log sink's `intake=zmtp`.
 */
import type { FrameTarget } from '../frame-reader.js';
import type { CurveOptions } from '../server-connection.js';
import { nativeSecretbox } from './native.js';
import { CurveReader } from './reader.js';
import { CurveServer } from './server.js';
import { MESSAGE_OVERHEAD } from './session.js';
import { Sodium } from './sodium.js';

/**
 * `secretKey`: the server's 32-byte secret key; `clientKeys`: the admitted 32-byte client public
 * keys; `maxFrameBytes`: the largest plaintext frame (a MESSAGE box may be that plus its overhead);
 * `target`: where large frames are opened (reader.ts; the log sink's render pool), if anywhere.
 */
export async function curveServerOptions(
  secretKey: Uint8Array,
  clientKeys: readonly Uint8Array[],
  maxFrameBytes: number,
  target?: FrameTarget,
): Promise<CurveOptions> {
  const na = await Sodium.load();
  const keys = { publicKey: na.publicOf(secretKey), secretKey };
  const allowed = new Set(clientKeys.map((k) => Buffer.from(k).toString('latin1')));
  const native = nativeSecretbox();
  return {
    newServer: () => new CurveServer(na, keys),
    newReader: (server) => new CurveReader(na, server, maxFrameBytes + MESSAGE_OVERHEAD, native, target),
    allowed: (key) => allowed.has(key.toString('latin1')),
  };
}
