import { EncodeError } from '../errors.js';
import type { BrokerData } from '../value.js';
import type { ByteWriter } from '../byte-writer.js';

/** Encodes one value as a complete broker-bin-v1 payload. Throws `EncodeError`. */
export function encodeBrokerData(d: BrokerData): Uint8Array {
  void d;
  throw new EncodeError('not implemented');
}

/** Appends one value to `w`. Throws `EncodeError`. */
export function writeBrokerData(w: ByteWriter, d: BrokerData): void {
  void w;
  void d;
  throw new EncodeError('not implemented');
}
