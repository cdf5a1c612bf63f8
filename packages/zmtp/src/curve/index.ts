/**
 * CurveZMQ (ZeroMQ RFC 26) on libsodium compiled to WebAssembly: a subpath of its own
 * (`@zeek-relay/zmtp/curve`) so that importing the plain ZMTP pieces never loads libsodium.
 */
export {
  CurveClient,
  CurveRefusedError,
  MESSAGE_OVERHEAD,
  sealedLength,
  type CurveClientKeys,
} from './client.js';
export { CurveReader, type CurveSink } from './reader.js';
export { Sodium } from './sodium.js';
