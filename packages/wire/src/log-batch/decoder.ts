import { readLogBatchHeader, readLogRecords } from './decode.js';
import { LogReader } from './reader.js';
import type { LogBatch, LogBatchHeader } from './types.js';

/** Stateful batch decoder that reuses the header object of consecutive identical headers. */
export interface LogBatchDecoder {
  /**
   * Decodes one payload like `decodeLogBatch`. When the header bytes equal those of the
   * previously decoded batch, `batch.header` is the very same object, so per-header work
   * (renderers, file lookup) can be cached by identity.
   * @throws DecodeError only (a valid header stays cached even if its records are bad).
   */
  decode(bytes: Uint8Array): LogBatch;
  /**
   * Decodes only the header (same caching); `offset` is where the records start. Pair with a
   * renderer's `recordsFromPayload(bytes, offset)` to go from payload to text without building
   * value objects.
   * @throws DecodeError only.
   */
  decodeHeader(bytes: Uint8Array): { header: LogBatchHeader; offset: number };
}

function samePrefix(bytes: Uint8Array, prefix: Uint8Array): boolean {
  const n = prefix.length;
  if (bytes.length < n) return false;
  for (let i = 0; i < n; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * Creates a decoder for one stream of batches (e.g. one PULL socket). Zeek flushes one writer
 * (stream, filter, path) at a time, so consecutive batches very often share a header; a small
 * cache of the last few headers covers the interleaving of several busy streams.
 */
export function createLogBatchDecoder(cacheSize = 16): LogBatchDecoder {
  const cache: { bytes: Uint8Array; header: LogBatchHeader }[] = [];
  function decodeHeader(bytes: Uint8Array): { header: LogBatchHeader; offset: number } {
    for (let i = 0; i < cache.length; i++) {
      const entry = cache[i] as { bytes: Uint8Array; header: LogBatchHeader };
      if (samePrefix(bytes, entry.bytes)) {
        if (i > 0) {
          cache.splice(i, 1);
          cache.unshift(entry);
        }
        return { header: entry.header, offset: entry.bytes.length };
      }
    }
    const r = new LogReader(bytes, 0);
    const header = readLogBatchHeader(r);
    cache.unshift({ bytes: bytes.slice(0, r.pos), header });
    if (cache.length > cacheSize) cache.pop();
    return { header, offset: r.pos };
  }
  return {
    decodeHeader,
    decode(bytes: Uint8Array): LogBatch {
      const { header, offset } = decodeHeader(bytes);
      const records = readLogRecords(new LogReader(bytes, offset), header);
      return { header, records };
    },
  };
}
