import { readLogBatchHeader, readLogRecords } from './decode.js';
import { LogReader } from './reader.js';
import type { LogBatch, LogBatchHeader } from './types.js';

/** Stateful batch decoder that reuses the header object of consecutive identical headers. */
export interface LogBatchDecoder {
  /**
   * Decodes one payload like `decodeLogBatch`. When the header bytes equal those of the
   * previously decoded batch, `batch.header` is the very same object, so per-header work
   * (renderers, file lookup) can be cached by identity.
   * @throws DecodeError only; the cache is left unchanged on failure.
   */
  decode(bytes: Uint8Array): LogBatch;
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
  return {
    decode(bytes: Uint8Array): LogBatch {
      for (let i = 0; i < cache.length; i++) {
        const entry = cache[i] as { bytes: Uint8Array; header: LogBatchHeader };
        if (samePrefix(bytes, entry.bytes)) {
          const r = new LogReader(bytes, entry.bytes.length);
          const records = readLogRecords(r, entry.header);
          if (i > 0) {
            cache.splice(i, 1);
            cache.unshift(entry);
          }
          return { header: entry.header, records };
        }
      }
      const r = new LogReader(bytes, 0);
      const header = readLogBatchHeader(r);
      const headerBytes = bytes.slice(0, r.pos);
      const records = readLogRecords(r, header);
      cache.unshift({ bytes: headerBytes, header });
      if (cache.length > cacheSize) cache.pop();
      return { header, records };
    },
  };
}
