export { encodeBrokerData, writeBrokerData } from './encode.js';
export { decodeBrokerData, readBrokerData } from './decode.js';
export { encodeEvent, decodeEvent, brokerBinV1Serializer } from './event.js';
export { compareData, dataEquals } from './order.js';
