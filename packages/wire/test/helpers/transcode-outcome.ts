import { DecodeError, EncodeError } from '../../src/index.js';
import { toHex } from './broker-fixtures.js';

/**
 * What a transcoding call came to, as one comparable string: topic and payload hex, or the
 * error's class, code and reason (what the one-pass and the two-step paths must agree on).
 */
export function transcodeOutcome(f: () => { topic: string; payload: Uint8Array }): string {
  try {
    const { topic, payload } = f();
    return `ok ${JSON.stringify(topic)} ${toHex(payload)}`;
  } catch (e) {
    if (e instanceof DecodeError) return `DecodeError ${e.code} ${e.reason}`;
    if (e instanceof EncodeError) return `EncodeError ${e.code}`;
    throw e;
  }
}

/** What a rendering call came to: the bytes as hex, or the DecodeError's code, offset and reason. */
export function renderOutcome(f: () => Uint8Array): string {
  try {
    return `ok ${toHex(f())}`;
  } catch (e) {
    if (e instanceof DecodeError) return `DecodeError ${e.code} ${e.offset} ${e.reason}`;
    throw e;
  }
}
