export {
  dataToJson,
  dataToJsonBytes,
  JSON_TYPE_NAMES,
  type JsonDialect,
  type JsonFormatOptions,
} from './encode.js';
export { jsonToData, type JsonParseOptions } from './decode.js';
export { formatRealFixed6, formatTimestamp, formatTimespan } from './format-number.js';
export { parseTimestamp, parseTimespan, parsePort, parseSubnet } from './parse-text.js';
export {
  WS_ERROR_CONTEXTS,
  formatAck,
  formatError,
  formatDataMessage,
  parseDataMessage,
  parseSubscriptions,
  type DataMessage,
} from './envelope.js';
export { brokerJsonV1Serializer } from './event.js';
