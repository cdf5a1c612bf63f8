export { encodeBrokerData, writeBrokerData } from './encode.js';
export { decodeBrokerData, readBrokerData } from './decode.js';
export { encodeEvent, decodeEvent } from './event.js';
export { compareData, dataEquals } from './order.js';
