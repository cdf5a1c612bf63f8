import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import type { BrokerData } from '../value.js';

/** Parses one `{"@data-type":…,"data":…}` value. Throws only `DecodeError`. */
export function jsonToData(text: string | Uint8Array): BrokerData {
  void text;
  throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, 'not implemented');
}
