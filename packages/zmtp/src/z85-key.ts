/**
 * CURVE keys as text: Z85 (ZeroMQ RFC 32), 40 characters for 32 bytes, as Zeek's
 * `generate_keypair()`, `zmq_curve_keypair()` and Kubernetes Secrets hold them. Pure, no libzmq:
 * the gateway (own ZMTP link) and the services on libzmq check keys with the same rule.
 */
import * as z85 from 'z85';

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/**
 * The 32 raw bytes of a 40-character Z85 key, or `undefined` when `text` is not one. The round
 * trip rejects groups outside the 32-bit range, which a plain decoder would wrap silently.
 */
export function parseZ85Key(text: string): Buffer | undefined {
  const raw = Z85_KEY.test(text) ? z85.decode(text) : null;
  if (raw === null || raw.length !== 32 || z85.encode(raw) !== text) return undefined;
  return raw;
}

/** Encodes 32 raw key bytes as the 40-character Z85 text. */
export function encodeZ85Key(raw: Uint8Array): string {
  const text = raw.length === 32 ? z85.encode(raw) : null;
  if (text === null) throw new RangeError('a CURVE key has exactly 32 bytes');
  return text;
}
