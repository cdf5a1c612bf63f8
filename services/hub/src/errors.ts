/**
 * Errors of @zeek-relay/hub. Callers branch on `code` (stable, prefix `ZR_HUB_`), never on
 * `instanceof`: several copies of this package may be loaded (the CLI embeds the hub).
 */
import { ZMQ_ERROR_CODES, type CurveErrorFactory } from '@zeek-relay/zmq';

/** Stable error codes; documented in the package README. */
export const HUB_ERROR_CODES = {
  /** An XPUB/XSUB/HTTP endpoint could not be bound (in use, bad address, IPv6 off…). */
  BIND_FAILED: 'ZR_HUB_BIND_FAILED',
  /** A CURVE key is not a 40-character Z85 string, or a key file could not be read. */
  CURVE_KEY_INVALID: 'ZR_HUB_CURVE_KEY_INVALID',
  /** CURVE is half configured (secret key without client keys or the reverse). */
  CURVE_CONFIG_INVALID: 'ZR_HUB_CURVE_CONFIG_INVALID',
  /** `start()` was called twice, or after `close()`. */
  INVALID_STATE: 'ZR_HUB_INVALID_STATE',
  /** The forwarding loop (native proxy or counting loop) ended with an error while the hub ran. */
  PROXY_FAILED: 'ZR_HUB_PROXY_FAILED',
  /**
   * `forwarding=zmtp`: a peer broke ZMTP (not a ZMTP 3 greeting, version 2 or older, a mechanism
   * other than the hub's (NULL, or CURVE when configured), an incompatible socket type, malformed or oversized frames); that connection
   * is closed, counted and logged, the others go on.
   */
  PEER_PROTOCOL: 'ZR_HUB_PEER_PROTOCOL',
  /** `forwarding=zmtp`: a peer did not finish its handshake in time, or went silent (heartbeat). */
  PEER_TIMEOUT: 'ZR_HUB_PEER_TIMEOUT',
  /**
   * `forwarding=zmtp` with CURVE: a box did not open or a proof failed — a HELLO not made for the
   * hub's server key, a cookie or vouch that does not check, a tampered MESSAGE, a nonce that did
   * not increase. That connection is closed, counted and logged, the others go on.
   */
  PEER_CURVE: 'ZR_HUB_PEER_CURVE',
  /**
   * `forwarding=zmtp` with CURVE: the client proved a key that is not on the allow-list; it gets
   * an ERROR `400` (as from libzmq after a ZAP denial) and the connection is closed.
   */
  PEER_REFUSED: 'ZR_HUB_PEER_REFUSED',
  /**
   * `forwarding=zmtp` with CURVE and `curveSealThreads` > 0: a seal worker thread died. Its
   * subscribers are disconnected (they reconnect), a new worker takes its place, the hub goes on.
   */
  SEAL_WORKER_FAILED: 'ZR_HUB_SEAL_WORKER_FAILED',
} as const;

/** Union of all hub error codes. */
export type HubErrorCode = (typeof HUB_ERROR_CODES)[keyof typeof HUB_ERROR_CODES];

/** The one error class of the hub; `code` tells what failed, `cause` carries the libzmq error. */
export class HubError extends Error {
  override name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** CURVE problems found by `@zeek-relay/zmq`, reported under the hub's own `ZR_HUB_CURVE_*` codes. */
export const hubCurveError: CurveErrorFactory = (code, message, cause) =>
  new HubError(
    code === ZMQ_ERROR_CODES.CURVE_KEY_INVALID
      ? HUB_ERROR_CODES.CURVE_KEY_INVALID
      : HUB_ERROR_CODES.CURVE_CONFIG_INVALID,
    message,
    cause === undefined ? undefined : { cause },
  );
