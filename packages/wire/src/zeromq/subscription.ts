/**
 * Subscription messages (zeromq-wire.md §4.1): one frame, `0x01` + prefix to subscribe,
 * `0x00` + prefix to unsubscribe, no terminator. Sent on an XSUB, received on an XPUB.
 */
import { DecodeError, WIRE_ERROR_CODES } from '../errors.js';

/** A parsed (un)subscription notification. `prefix` is a view into the frame. */
export interface SubscriptionMessage {
  readonly subscribe: boolean;
  readonly prefix: Uint8Array;
}

const utf8 = new TextEncoder();

/** Encodes `0x01|0x00` followed by the prefix bytes (strings are UTF-8 encoded). */
export function encodeSubscriptionFrame(subscribe: boolean, prefix: Uint8Array | string): Uint8Array {
  const p = typeof prefix === 'string' ? utf8.encode(prefix) : prefix;
  const out = new Uint8Array(p.length + 1);
  out[0] = subscribe ? 1 : 0;
  out.set(p, 1);
  return out;
}

/**
 * Parses one XPUB notification frame. Zeek ignores frames whose first byte is neither 0 nor 1;
 * here they (and empty frames) fail with `DecodeError` (`ZR_WIRE_UNKNOWN_TAG` / `ZR_WIRE_TRUNCATED`)
 * so the caller can count and ignore them.
 */
export function parseSubscriptionFrame(frame: Uint8Array): SubscriptionMessage {
  const kind = frame[0];
  if (kind === undefined) throw new DecodeError(WIRE_ERROR_CODES.TRUNCATED, 0, 'empty subscription frame');
  if (kind !== 0 && kind !== 1) {
    throw new DecodeError(
      WIRE_ERROR_CODES.UNKNOWN_TAG,
      0,
      `subscription frame starts with 0x${kind.toString(16)}`,
    );
  }
  return { subscribe: kind === 1, prefix: frame.subarray(1) };
}

/** Byte-wise prefix match of a subscription against a topic (frame 0); `""` matches all. */
export function topicMatches(prefix: Uint8Array, topic: Uint8Array): boolean {
  if (prefix.length > topic.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== topic[i]) return false;
  return true;
}
