/**
 * CURVE key handling (zeromq-wire.md §8): Z85 text keys (ZeroMQ RFC 32), as Zeek's
 * `generate_keypair()` and `zmq.curveKeyPair()` produce them, read from config values or files
 * (Kubernetes Secrets).
 */
import { readFileSync } from 'node:fs';
import { parseZ85Key } from '@zeek-relay/zmtp';
import { ZMQ_ERROR_CODES, zmqCurveError, type CurveErrorFactory } from './errors.js';

/** Decodes a 40-character Z85 key into its 32 raw bytes; throws `ZR_ZMQ_CURVE_KEY_INVALID`. */
export function decodeCurveKey(key: string, what: string, makeError = zmqCurveError): Uint8Array {
  const raw = parseZ85Key(key);
  if (raw === undefined) {
    throw makeError(ZMQ_ERROR_CODES.CURVE_KEY_INVALID, `${what} is not a 40-character Z85 CURVE key`);
  }
  return new Uint8Array(raw);
}

/** Reads a key file: surrounding whitespace is ignored (Secrets often end with a newline). */
export function readKeyFile(path: string, makeError = zmqCurveError): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw makeError(ZMQ_ERROR_CODES.CURVE_KEY_INVALID, `could not read CURVE key file ${path}`, err);
  }
}

/**
 * Reads a file of client public keys: one Z85 key per line; blank lines and `#` comments skipped.
 * Zeek's single shared client key is simply a file with one line.
 */
export function readKeyListFile(path: string, makeError = zmqCurveError): string[] {
  return readKeyFile(path, makeError)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

/** Resolved CURVE server settings: the server's secret key and the admitted client keys (raw). */
export interface CurveSettings {
  readonly serverSecretKey: string;
  readonly clientPublicKeys: readonly Uint8Array[];
}

/** Inputs of {@link resolveCurve}, straight from a config with {@link CurveServerSettings}. */
export interface CurveInput {
  readonly curveServerSecretKey?: string | undefined;
  readonly curveServerSecretKeyFile?: string | undefined;
  readonly curveClientPublicKeys?: readonly string[] | undefined;
  readonly curveClientPublicKeyFiles?: readonly string[] | undefined;
}

/**
 * Combines inline keys and key files. Returns `undefined` when CURVE is off (nothing set); throws
 * `ZR_ZMQ_CURVE_CONFIG_INVALID` (or the factory's error) when only one half is set, since Zeek
 * enables the server side only with both a server secret key and a client public key, and an
 * open CURVE server would admit anyone; `ZR_ZMQ_CURVE_KEY_INVALID` for a bad key or key file.
 */
export function resolveCurve(
  input: CurveInput,
  makeError: CurveErrorFactory = zmqCurveError,
): CurveSettings | undefined {
  const secret =
    input.curveServerSecretKey ??
    (input.curveServerSecretKeyFile !== undefined
      ? readKeyFile(input.curveServerSecretKeyFile, makeError)
      : undefined);
  const clientTexts = [
    ...(input.curveClientPublicKeys ?? []),
    ...(input.curveClientPublicKeyFiles ?? []).flatMap((f) => readKeyListFile(f, makeError)),
  ];
  if (secret === undefined && clientTexts.length === 0) return undefined;
  if (secret === undefined || clientTexts.length === 0) {
    throw makeError(
      ZMQ_ERROR_CODES.CURVE_CONFIG_INVALID,
      'CURVE needs both a server secret key and at least one client public key',
    );
  }
  decodeCurveKey(secret, 'the CURVE server secret key', makeError);
  return {
    serverSecretKey: secret,
    clientPublicKeys: clientTexts.map((k, i) =>
      decodeCurveKey(k, `CURVE client public key #${i + 1}`, makeError),
    ),
  };
}
