export { dataToJson, type JsonDialect, type JsonFormatOptions } from './encode.js';
export { jsonToData } from './decode.js';
export {
  WS_ERROR_CODES,
  WS_ERROR_CONTEXTS,
  formatAck,
  formatError,
  formatDataMessage,
  parseDataMessage,
  parseSubscriptions,
  type DataMessage,
} from './envelope.js';
export { brokerJsonV1Serializer } from './event.js';
