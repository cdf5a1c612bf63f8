/**
 * Errors raised by @zeek-relay/wire. Callers branch on `code`, never on `instanceof`
 * (several copies of this package may be loaded).
 */

/** Stable error codes of the wire package. */
export const WIRE_ERROR_CODES = {
  /** Input ended before a complete value was read. */
  TRUNCATED: 'ZR_WIRE_TRUNCATED',
  /** A type tag, format name or enum-like field has an unknown value. */
  UNKNOWN_TAG: 'ZR_WIRE_UNKNOWN_TAG',
  /** The bytes are well-formed but violate a rule of the format (bad length, duplicate key, …). */
  INVALID: 'ZR_WIRE_INVALID',
  /** Bytes are left over after a complete top-level value. */
  TRAILING_BYTES: 'ZR_WIRE_TRAILING_BYTES',
  /** A value cannot be represented in the target format. */
  UNENCODABLE: 'ZR_WIRE_UNENCODABLE',
} as const;

/** Union of all wire error codes. */
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[keyof typeof WIRE_ERROR_CODES];

/** Base class of every error thrown by this package. */
export class WireError extends Error {
  override name = 'WireError';
  constructor(
    readonly code: WireErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Thrown by every decoder, and only this: `offset` is the byte (or, for JSON, character)
 * position where decoding failed; `reason` a short machine-readable description.
 */
export class DecodeError extends WireError {
  override name = 'DecodeError';
  constructor(
    code: Exclude<WireErrorCode, 'ZR_WIRE_UNENCODABLE'>,
    readonly offset: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${reason} at offset ${offset}`, options);
  }
}

/** Thrown by encoders for values the target format cannot carry. */
export class EncodeError extends WireError {
  override name = 'EncodeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(WIRE_ERROR_CODES.UNENCODABLE, message, options);
  }
}
