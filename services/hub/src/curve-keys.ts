/**
 * CURVE key handling (zeromq-wire.md §8): Z85 text keys, as Zeek's `generate_keypair()` and
 * `zmq.curveKeyPair()` produce them, read from config values or files (Kubernetes Secrets).
 */
import { readFileSync } from 'node:fs';
import * as z85 from 'z85';
import { HUB_ERROR_CODES, HubError } from './errors.js';

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** Decodes a 40-character Z85 key into its 32 raw bytes; throws `ZR_HUB_CURVE_KEY_INVALID`. */
export function decodeCurveKey(key: string, what: string): Uint8Array {
  const raw = Z85_KEY.test(key) ? z85.decode(key) : null;
  if (raw === null || raw.length !== 32 || z85.encode(raw) !== key) {
    throw new HubError(HUB_ERROR_CODES.CURVE_KEY_INVALID, `${what} is not a 40-character Z85 CURVE key`);
  }
  return new Uint8Array(raw);
}

/** Reads a key file: surrounding whitespace is ignored (Secrets often end with a newline). */
export function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new HubError(HUB_ERROR_CODES.CURVE_KEY_INVALID, `could not read CURVE key file ${path}`, {
      cause: err,
    });
  }
}

/**
 * Reads a file of client public keys: one Z85 key per line; blank lines and `#` comments skipped.
 * Zeek's single shared client key is simply a file with one line.
 */
export function readKeyListFile(path: string): string[] {
  return readKeyFile(path)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

/** Resolved CURVE server settings: the hub's secret key and the admitted client keys (raw). */
export interface CurveSettings {
  readonly serverSecretKey: string;
  readonly clientPublicKeys: readonly Uint8Array[];
}

/** Inputs of {@link resolveCurve}, straight from the config. */
export interface CurveInput {
  readonly curveServerSecretKey?: string | undefined;
  readonly curveServerSecretKeyFile?: string | undefined;
  readonly curveClientPublicKeys?: readonly string[] | undefined;
  readonly curveClientPublicKeyFiles?: readonly string[] | undefined;
}

/**
 * Combines inline keys and key files. Returns `undefined` when CURVE is off (nothing set); throws
 * `ZR_HUB_CURVE_CONFIG_INVALID` when only one half is set, since Zeek enables the server side only
 * with both a server secret key and a client public key, and an open CURVE hub would admit anyone.
 */
export function resolveCurve(input: CurveInput): CurveSettings | undefined {
  const secret =
    input.curveServerSecretKey ??
    (input.curveServerSecretKeyFile !== undefined ? readKeyFile(input.curveServerSecretKeyFile) : undefined);
  const clientTexts = [
    ...(input.curveClientPublicKeys ?? []),
    ...(input.curveClientPublicKeyFiles ?? []).flatMap(readKeyListFile),
  ];
  if (secret === undefined && clientTexts.length === 0) return undefined;
  if (secret === undefined || clientTexts.length === 0) {
    throw new HubError(
      HUB_ERROR_CODES.CURVE_CONFIG_INVALID,
      'CURVE needs both a server secret key and at least one client public key',
    );
  }
  decodeCurveKey(secret, 'the CURVE server secret key');
  return {
    serverSecretKey: secret,
    clientPublicKeys: clientTexts.map((k, i) => decodeCurveKey(k, `CURVE client public key #${i + 1}`)),
  };
}
