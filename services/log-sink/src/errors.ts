/**
 * Errors of the log sink. Callers branch on `code`, never on `instanceof`. Bad input from the
 * network never throws out of the sink: it becomes a {@link BadInputReason}, is counted and dropped.
 */

/** Stable error codes of @zeek-relay/log-sink. */
export const SINK_ERROR_CODES = {
  /** The PULL socket could not bind its endpoint (in use, bad address). */
  BIND_FAILED: 'ZR_SINK_BIND_FAILED',
  /** A log file could not be opened, written, synced, closed or rotated. */
  WRITE_FAILED: 'ZR_SINK_WRITE_FAILED',
  /** A received message was rejected (see {@link BadInputReason}); never thrown to callers. */
  BAD_INPUT: 'ZR_SINK_BAD_INPUT',
  /** `start()` called twice or after `close()`. */
  STATE: 'ZR_SINK_STATE',
  /** A CURVE key is not a 40-character Z85 string, or a key file could not be read. */
  CURVE_KEY_INVALID: 'ZR_SINK_CURVE_KEY_INVALID',
  /** CURVE is half configured (server secret key without client public keys or the reverse). */
  CURVE_CONFIG_INVALID: 'ZR_SINK_CURVE_CONFIG_INVALID',
  /**
   * `intake=zmtp`: a node broke ZMTP (not a ZMTP 3 greeting, version 2 or older, a mechanism other
   * than the sink's, a socket type other than PUSH, malformed frames, a frame over
   * `maxMessageBytes`); that connection is closed, counted and logged, the others go on.
   */
  PEER_PROTOCOL: 'ZR_SINK_PEER_PROTOCOL',
  /** `intake=zmtp`: a node did not finish its handshake in time, or went silent (heartbeat). */
  PEER_TIMEOUT: 'ZR_SINK_PEER_TIMEOUT',
  /**
   * `intake=zmtp` with CURVE: a box did not open or a proof failed (a HELLO for another server
   * key, a tampered MESSAGE, a nonce that did not increase); that connection is closed and counted.
   */
  CURVE_PEER: 'ZR_SINK_CURVE_PEER',
  /**
   * `intake=zmtp` with CURVE: the node proved a client key that is not on the allow-list; it gets
   * an ERROR `400` (as from libzmq after a ZAP denial) and the connection is closed.
   */
  CURVE_REFUSED: 'ZR_SINK_CURVE_REFUSED',
} as const;

/** Union of all sink error codes. */
export type SinkErrorCode = (typeof SINK_ERROR_CODES)[keyof typeof SINK_ERROR_CODES];

/** Why a received message was dropped; the `error.type` attribute of `zeek_relay.sink.errors`. */
export const BAD_INPUT_REASONS = {
  /** Not exactly 4 frames (Zeek: `log: error: expected 4 parts, have N!`). */
  FRAME_COUNT: 'frame_count',
  /** Frame 2 is not `zeek-bin-serializer` (Zeek: `Got log message in format '<x>'`). */
  FORMAT: 'format',
  /** The batch ends before its last value. */
  TRUNCATED: 'truncated',
  /** Well-formed bytes breaking a rule of the format (negative length, bad family, bad UTF-8 name). */
  CORRUPT: 'corrupt',
  /** A type tag (or port protocol) that cannot appear in a log batch. */
  UNKNOWN_TAG: 'unknown_tag',
  /** A path that cannot be a file name (empty, `/`, `..`, NUL, leading dot, file name > 255 bytes). */
  BAD_PATH: 'bad_path',
  /** A path whose file the file system refused for good (EACCES, EISDIR, ENAMETOOLONG, …). */
  PATH_REJECTED: 'path_rejected',
} as const;

/** Union of {@link BAD_INPUT_REASONS} values. */
export type BadInputReason = (typeof BAD_INPUT_REASONS)[keyof typeof BAD_INPUT_REASONS];

/** Base class of every error of this package. */
export class SinkError extends Error {
  override name = 'SinkError';
  constructor(
    readonly code: SinkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
