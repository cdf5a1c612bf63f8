import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';
import type { BrokerData } from '../value.js';

/** Decodes exactly one value filling the whole input. Throws only `DecodeError`. */
export function decodeBrokerData(bytes: Uint8Array): BrokerData {
  void bytes;
  throw new DecodeError(WIRE_ERROR_CODES.INVALID, 0, 'not implemented');
}

/** Decodes one value starting at `offset`; `next` is the offset after it. */
export function readBrokerData(bytes: Uint8Array, offset: number): { value: BrokerData; next: number } {
  void bytes;
  throw new DecodeError(WIRE_ERROR_CODES.INVALID, offset, 'not implemented');
}
