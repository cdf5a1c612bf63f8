/**
 * Public surface of the log part of @zeek-relay/wire: `zeek-bin-serializer` log batches and the
 * ASCII/JSON log writer text (documented for users in packages/wire/LOGS.md).
 */
export * from '../log-batch/types.js';
export { MAX_CONTAINER_DEPTH } from '../log-batch/reader.js';
export {
  decodeLogBatch,
  decodeLogBatchAt,
  decodeLogBatchHeader,
  decodeLogValue,
} from '../log-batch/decode.js';
export { createLogBatchDecoder, type LogBatchDecoder } from '../log-batch/decoder.js';
export { encodeLogBatch, encodeLogBatchHeader, encodeLogValue } from '../log-batch/encode.js';
export type { LogTextRenderer } from '../log-text/renderer.js';
export type { LogTextBufferSource } from '../log-text/text-buffer.js';
export { formatLogAddr, formatLogSubnet, parseLogAddr } from '../log-text/addr.js';
export { formatAsciiDouble, formatAsciiTime, formatJsonNumber } from '../log-text/numbers.js';
export {
  JSON_STRING_ESCAPE_POLICIES,
  logTextProfile,
  ZEEK_LOG_LINES,
  type JsonStringEscape,
  type JsonStringEscapePolicy,
  type LogTextProfile,
  type ZeekLogLine,
} from '../log-text/profile.js';
export {
  formatIso8601,
  formatJsonTime,
  formatLogTimestamp,
  type JsonTimestampStyle,
  type LogTimeZone,
} from '../log-text/timestamps.js';
export { createTsvRenderer, logTypeDisplayName, type TsvRendererOptions } from '../log-tsv/renderer.js';
export { createJsonRenderer, type JsonRendererOptions } from '../log-json/renderer.js';
export { SPECIALISED_CACHE_SIZE, specialisedStats, type SpecialisedStats } from '../log-text/specialise.js';
