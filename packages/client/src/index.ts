/**
 * @zeek-relay/client — a typed client for Zeek's WebSocket API v1 (`/v1/messages/json`), for the
 * zeek-relay gateway and for Zeek's own `Cluster::listen_websocket()` server alike.
 */
export { ZeekClient, connect, type ClientOptions, type ClientStats, type ClientEvents } from './client.js';
export { API_PATH, resolveUrl, type Ack, type ConnectionOptions, type TlsOptions } from './connection.js';
export { encodeEventMessage, decodeEventMessage, type OutgoingEvent, type ZeekEvent } from './codec.js';
export { backoffDelay, resolveReconnect, type ReconnectOptions, type ResolvedReconnect } from './backoff.js';
export {
  CLIENT_ERROR_CODES,
  SERVER_ERROR_CODES,
  ClientError,
  ServerError,
  serverError,
  type ClientErrorCode,
} from './errors.js';
export { data, type BrokerData } from '@zeek-relay/wire';
