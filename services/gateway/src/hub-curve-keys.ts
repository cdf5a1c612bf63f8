import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { encodeZ85Key, parseZ85Key } from '@zeek-relay/zmtp';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';

/** The CURVE keys of the gateway's hub connection, all Z85 text (40 characters). */
export interface HubCurveKeys {
  /** The hub's long-term public key (ZMQ_CURVE_SERVERKEY). */
  readonly serverKey: string;
  readonly publicKey: string;
  readonly secretKey: string;
  /** True when the client pair was generated at start (no pair configured). */
  readonly ephemeral: boolean;
}

/** The CURVE settings of the gateway config (empty string = not set). */
export interface HubCurveInput {
  readonly hubCurveServerKey: string;
  readonly hubCurveServerKeyFile: string;
  readonly hubCurvePublicKey: string;
  readonly hubCurvePublicKeyFile: string;
  readonly hubCurveSecretKey: string;
  readonly hubCurveSecretKeyFile: string;
}

function curveError(message: string, cause?: unknown): GatewayError {
  return new GatewayError(GATEWAY_ERROR_CODES.CURVE_CONFIG, message, cause === undefined ? {} : { cause });
}

/** Checks one Z85 key and returns its 32 raw bytes (round trip, so no out-of-range group passes). */
function decodeKey(key: string, what: string): Buffer {
  if (key.length !== 40) {
    throw curveError(`${what} has ${key.length} characters; a Z85 CURVE key has exactly 40`);
  }
  const raw = parseZ85Key(key);
  if (raw === undefined) throw curveError(`${what} is not valid Z85 (ZeroMQ RFC 32)`);
  return raw;
}

/** PKCS #8 DER prefix of a raw X25519 private key (RFC 8410); CURVE keys are X25519 keys. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The public key belonging to a raw CURVE secret key (X25519 scalar multiplication, by OpenSSL). */
function publicOf(secret: Buffer): Buffer {
  const priv = createPrivateKey({
    key: Buffer.concat([X25519_PKCS8_PREFIX, secret]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = createPublicKey(priv).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

type Source = { text: string; what: string } | { missing: string } | undefined;

/**
 * One key from its value or its file (file content trimmed: Secrets often end with a newline).
 * A file that does not exist is reported as `missing` (the caller decides); any other read
 * failure, or both value and file given, is a `ZR_GATEWAY_CURVE_CONFIG` error.
 */
async function source(value: string, file: string, name: string): Promise<Source> {
  if (value !== '' && file !== '') throw curveError(`Give ${name} or ${name}File, not both`);
  if (value !== '') return { text: value.trim(), what: name };
  if (file === '') return undefined;
  try {
    return { text: (await readFile(file, 'utf8')).trim(), what: `${name}File ${file}` };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { missing: file };
    throw curveError(`Cannot read ${name}File ${file}: ${String(err)}`, err);
  }
}

/**
 * Resolves the CURVE settings: `undefined` when no hub server key is configured (plain ZMTP).
 * The client pair comes from the config or, when neither half is configured, is generated now
 * (ephemeral: admitted only by a hub without a ZAP allow-list). When both client key FILES are
 * configured but neither exists, the pair is also generated (an optional Secret key, see the
 * README); exactly one of them missing is an error. Throws `ZR_GATEWAY_CURVE_CONFIG` for half a
 * pair, a key that is not 40 Z85 characters, a public key that does not belong to the secret
 * key, an unreadable file, or client keys without a server key.
 */
export async function resolveHubCurve(input: HubCurveInput): Promise<HubCurveKeys | undefined> {
  const server = await source(input.hubCurveServerKey, input.hubCurveServerKeyFile, 'hubCurveServerKey');
  const pub = await source(input.hubCurvePublicKey, input.hubCurvePublicKeyFile, 'hubCurvePublicKey');
  const sec = await source(input.hubCurveSecretKey, input.hubCurveSecretKeyFile, 'hubCurveSecretKey');
  if (server === undefined) {
    if (pub !== undefined || sec !== undefined) {
      throw curveError('A CURVE client key is configured but no hubCurveServerKey(File): CURVE is off');
    }
    return undefined;
  }
  if ('missing' in server) throw curveError(`hubCurveServerKeyFile ${server.missing} does not exist`);
  const serverKey = server.text;
  decodeKey(serverKey, server.what);
  const bothMissing = pub !== undefined && 'missing' in pub && sec !== undefined && 'missing' in sec;
  if ((pub === undefined && sec === undefined) || bothMissing) {
    const pair = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
    const z = (b64: string | undefined): string => encodeZ85Key(Buffer.from(b64 ?? '', 'base64url'));
    return { serverKey, publicKey: z(pair.x), secretKey: z(pair.d), ephemeral: true };
  }
  if (pub === undefined || sec === undefined) {
    throw curveError(
      `Half a CURVE client key pair: ${pub === undefined ? 'hubCurvePublicKey' : 'hubCurveSecretKey'}(File) is missing`,
    );
  }
  if ('missing' in pub) throw curveError(`hubCurvePublicKeyFile ${pub.missing} does not exist`);
  if ('missing' in sec) throw curveError(`hubCurveSecretKeyFile ${sec.missing} does not exist`);
  const rawPub = decodeKey(pub.text, pub.what);
  const rawSec = decodeKey(sec.text, sec.what);
  if (!publicOf(rawSec).equals(rawPub)) {
    throw curveError('hubCurvePublicKey does not belong to hubCurveSecretKey (mismatched key pair)');
  }
  return { serverKey, publicKey: pub.text, secretKey: sec.text, ephemeral: false };
}

/** The raw 32-byte keys of resolved CURVE settings (already checked by {@link resolveHubCurve}). */
export function rawCurveKeys(keys: HubCurveKeys): {
  serverKey: Buffer;
  publicKey: Buffer;
  secretKey: Buffer;
} {
  const raw = (k: string): Buffer => parseZ85Key(k) ?? Buffer.alloc(0);
  return { serverKey: raw(keys.serverKey), publicKey: raw(keys.publicKey), secretKey: raw(keys.secretKey) };
}
