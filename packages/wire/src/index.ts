/**
 * @zeek-relay/wire — pure codecs for Zeek's wire formats. No I/O. Every decoder throws only
 * `DecodeError`; every encoder only `EncodeError`. See ../API.md and ../README.md.
 */
export * from './errors.js';
export * from './value.js';
export * from './event.js';
export * from './serializer.js';
export * as data from './build.js';
export { parseAddress, formatAddress, isV4Mapped, maskAddress } from './address.js';
export { ByteWriter } from './byte-writer.js';
export * from './broker-bin-v1/index.js';
export * from './broker-json-v1/index.js';
export * from './transcode/index.js';
export { renderDataMessage, renderDataMessageTo } from './transcode/bin-to-json.js';
export * from './zeromq/index.js';
export * from './log/index.js';
