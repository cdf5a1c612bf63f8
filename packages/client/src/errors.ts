/**
 * Errors raised by @zeek-relay/client. Callers branch on `code` (stable, prefix `ZR_CLIENT_`),
 * never on `instanceof` (several copies of this package may be loaded).
 *
 * Server error messages (`{"type":"error","code":…,"context":…}`, websocket-v1 §2.5) become a
 * {@link ServerError} whose `code` maps the server's code and whose `serverCode`/`context` keep the
 * original text.
 */

/** Stable error codes of the client package. */
export const CLIENT_ERROR_CODES = {
  /** The WebSocket could not be opened (refused, DNS, TLS, HTTP status other than 101/401/403). */
  CONNECT_FAILED: 'ZR_CLIENT_CONNECT_FAILED',
  /** The server answered the upgrade with 401 or 403 (missing or wrong bearer token). Fatal. */
  UNAUTHORIZED: 'ZR_CLIENT_UNAUTHORIZED',
  /** No ack arrived within `handshakeTimeoutMs` after sending the subscriptions. */
  HANDSHAKE_TIMEOUT: 'ZR_CLIENT_HANDSHAKE_TIMEOUT',
  /** Server error `invalid_uri`: the path is not `/v1/messages/json`. Fatal, never retried. */
  INVALID_URI: 'ZR_CLIENT_INVALID_URI',
  /** Server error `invalid_application_name`: X-Application-Name was rejected. Fatal. */
  INVALID_APPLICATION_NAME: 'ZR_CLIENT_INVALID_APPLICATION_NAME',
  /** Server error `deserialization_failed` for the subscription message. Fatal. */
  INVALID_SUBSCRIPTIONS: 'ZR_CLIENT_INVALID_SUBSCRIPTIONS',
  /** Server error `deserialization_failed` for a published message. The connection stays usable. */
  DESERIALIZATION_FAILED: 'ZR_CLIENT_DESERIALIZATION_FAILED',
  /** Server error `broker_error` (Broker backend only). The connection stays usable. */
  BROKER_ERROR: 'ZR_CLIENT_BROKER_ERROR',
  /** A server error code this client does not know. */
  UNKNOWN_SERVER_ERROR: 'ZR_CLIENT_UNKNOWN_SERVER_ERROR',
  /** The server sent a message that is not an ack, error or data message, or a malformed one. */
  PROTOCOL: 'ZR_CLIENT_PROTOCOL',
  /** A data message could not be decoded as a Zeek event (it is skipped, the stream goes on). */
  DECODE_FAILED: 'ZR_CLIENT_DECODE_FAILED',
  /** The arguments given to `publish`/`connect` are invalid (bad topic, unencodable value, …). */
  INVALID_ARGUMENT: 'ZR_CLIENT_INVALID_ARGUMENT',
  /** The client was closed by the user, or gave up reconnecting. */
  CLOSED: 'ZR_CLIENT_CLOSED',
  /** The connection was lost and reconnecting is disabled. */
  CONNECTION_LOST: 'ZR_CLIENT_CONNECTION_LOST',
} as const;

/** Union of all client error codes. */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[keyof typeof CLIENT_ERROR_CODES];

/** Base class of every error thrown or emitted by this package. */
export class ClientError extends Error {
  override name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True for errors after which reconnecting cannot help (bad URL path, bad app name, bad subscriptions). */
  get fatal(): boolean {
    return (
      this.code === CLIENT_ERROR_CODES.INVALID_URI ||
      this.code === CLIENT_ERROR_CODES.INVALID_APPLICATION_NAME ||
      this.code === CLIENT_ERROR_CODES.INVALID_SUBSCRIPTIONS ||
      this.code === CLIENT_ERROR_CODES.INVALID_ARGUMENT ||
      this.code === CLIENT_ERROR_CODES.UNAUTHORIZED ||
      this.code === CLIENT_ERROR_CODES.CLOSED
    );
  }
}

/** A server `error` message, typed. `serverCode` and `context` are exactly what the server sent. */
export class ServerError extends ClientError {
  override name = 'ServerError';
  constructor(
    code: ClientErrorCode,
    readonly serverCode: string,
    readonly context: string,
  ) {
    super(code, `Server error ${serverCode}: ${context}`);
  }
}

/** Server error codes of the WebSocket API v1 (websocket-v1 §2.5). */
export const SERVER_ERROR_CODES = {
  INVALID_URI: 'invalid_uri',
  INVALID_APPLICATION_NAME: 'invalid_application_name',
  DESERIALIZATION_FAILED: 'deserialization_failed',
  BROKER_ERROR: 'broker_error',
} as const;

/**
 * Maps a server error message to a {@link ServerError}. `beforeAck` tells whether the handshake was
 * still pending: a `deserialization_failed` then refers to the subscription list (fatal), otherwise
 * to a published message (the connection stays usable).
 */
export function serverError(serverCode: string, context: string, beforeAck: boolean): ServerError {
  switch (serverCode) {
    case SERVER_ERROR_CODES.INVALID_URI:
      return new ServerError(CLIENT_ERROR_CODES.INVALID_URI, serverCode, context);
    case SERVER_ERROR_CODES.INVALID_APPLICATION_NAME:
      return new ServerError(CLIENT_ERROR_CODES.INVALID_APPLICATION_NAME, serverCode, context);
    case SERVER_ERROR_CODES.DESERIALIZATION_FAILED:
      return new ServerError(
        beforeAck ? CLIENT_ERROR_CODES.INVALID_SUBSCRIPTIONS : CLIENT_ERROR_CODES.DESERIALIZATION_FAILED,
        serverCode,
        context,
      );
    case SERVER_ERROR_CODES.BROKER_ERROR:
      return new ServerError(CLIENT_ERROR_CODES.BROKER_ERROR, serverCode, context);
    default:
      return new ServerError(CLIENT_ERROR_CODES.UNKNOWN_SERVER_ERROR, serverCode, context);
  }
}
