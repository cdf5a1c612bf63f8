/**
 * Errors of @zeek-relay/gateway. Callers branch on `code` (stable, `ZR_GATEWAY_` prefix), never on
 * `instanceof`.
 */

/** Stable error codes; each is documented in the README. */
export const GATEWAY_ERROR_CODES = {
  /** TLS settings incomplete or unreadable (only one of cert/key, unreadable file). */
  TLS_CONFIG: 'ZR_GATEWAY_TLS_CONFIG',
  /** The token file is unreadable or malformed. */
  TOKENS_INVALID: 'ZR_GATEWAY_TOKENS_INVALID',
  /** The event-signature file is unreadable or malformed. */
  SIGNATURES_INVALID: 'ZR_GATEWAY_SIGNATURES_INVALID',
  /** A ZeroMQ socket could not be created or connected to the hub. */
  HUB_CONNECT: 'ZR_GATEWAY_HUB_CONNECT',
  /** The hub did not echo a subscription within `subscribeTimeoutMs`. */
  SUBSCRIBE_TIMEOUT: 'ZR_GATEWAY_SUBSCRIBE_TIMEOUT',
  /** The gateway is closing or closed; the operation was not started. */
  CLOSED: 'ZR_GATEWAY_CLOSED',
  /** The WebSocket listener could not be started (port in use, bad address). */
  LISTEN: 'ZR_GATEWAY_LISTEN',
  /** CURVE keys for the hub are bad: half a pair, not 40 Z85 characters, mismatched, unreadable. */
  CURVE_CONFIG: 'ZR_GATEWAY_CURVE_CONFIG',
} as const;

/** Union of the gateway's error codes. */
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[keyof typeof GATEWAY_ERROR_CODES];

/** Base (and only) error class of the gateway. */
export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
