/**
 * Errors of @zeek-relay/zmq. Callers branch on `code` (stable, prefix `ZR_ZMQ_`), never on
 * `instanceof`. A service that documents its own codes passes a {@link CurveErrorFactory} instead.
 */

/** Stable error codes; documented in the package README. */
export const ZMQ_ERROR_CODES = {
  /** A CURVE key is not a 40-character Z85 string, or a key file could not be read. */
  CURVE_KEY_INVALID: 'ZR_ZMQ_CURVE_KEY_INVALID',
  /** CURVE is half configured (secret key without client keys or the reverse). */
  CURVE_CONFIG_INVALID: 'ZR_ZMQ_CURVE_CONFIG_INVALID',
} as const;

/** Union of all codes of this package. */
export type ZmqErrorCode = (typeof ZMQ_ERROR_CODES)[keyof typeof ZMQ_ERROR_CODES];

/** The one error class of this package; `cause` carries the underlying error. */
export class ZmqError extends Error {
  override name = 'ZmqError';
  constructor(
    readonly code: ZmqErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Builds the error thrown for a bad CURVE key or setting, so that each service reports its own
 * documented code (e.g. `ZR_HUB_CURVE_KEY_INVALID`). The default throws {@link ZmqError}.
 */
export type CurveErrorFactory = (code: ZmqErrorCode, message: string, cause?: unknown) => Error;

/** The default {@link CurveErrorFactory}. */
export const zmqCurveError: CurveErrorFactory = (code, message, cause) =>
  new ZmqError(code, message, cause === undefined ? undefined : { cause });
