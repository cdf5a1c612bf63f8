/**
 * @zeek-relay/zmq: the ZeroMQ pieces several services share, so that no service imports another:
 * CURVE/Z85 key handling, the ZAP handler, the CURVE server settings schema fragment and the
 * socket monitor.
 */
export {
  decodeCurveKey,
  readKeyFile,
  readKeyListFile,
  resolveCurve,
  type CurveInput,
  type CurveSettings,
} from './curve-keys.js';
export { CurveServerSettings } from './curve-settings.js';
export {
  ZMQ_ERROR_CODES,
  ZmqError,
  zmqCurveError,
  type CurveErrorFactory,
  type ZmqErrorCode,
} from './errors.js';
export { RateLimitedLog, type WarnLogger } from './rate-limited-log.js';
export { watchSocket, type HandshakeFailureKind, type SocketEventHandlers } from './monitor.js';
export { startZapHandler, zapReply, ZAP_ENDPOINT, type ZapHandler, type ZapObserver } from './zap.js';
