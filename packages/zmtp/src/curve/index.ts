/**
 * CurveZMQ (ZeroMQ RFC 26) on libsodium compiled to WebAssembly: a subpath of its own
 * (`@zeek-relay/zmtp/curve`) so that importing the plain ZMTP pieces never loads libsodium.
 */
export { CurveClient, CurveRefusedError, type CurveClientKeys } from './client.js';
export { CurveServer, type CurveInitiate, type CurveServerKeys } from './server.js';
export { CurveCryptoError, CurveSession, MESSAGE_OVERHEAD, SealSource, sealedLength } from './session.js';
export { CurveReader, type CurveOpener, type CurveSink } from './reader.js';
export { Sodium } from './sodium.js';
export { curveServerOptions } from './options.js';
export { NATIVE_MIN_BYTES, nativeSecretbox, type NativeSecretbox } from './native.js';
