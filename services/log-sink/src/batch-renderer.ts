/**
 * Payload → text for the file writers without building value objects: the header is decoded
 * (and cached by its bytes, so consecutive batches of one stream share one header object), then
 * each renderer renders straight from the batch bytes (`recordsFromPayload`). Output is identical
 * to decode + render, and a bad batch throws the same `DecodeError` decoding would. Used by the
 * render workers and by the main thread when `renderThreads` is 0. `json` and `stdout` share one
 * JSON rendering (same options).
 */
import {
  createJsonRenderer,
  createLogBatchDecoder,
  createTsvRenderer,
  type LogBatchHeader,
  type LogTextBufferSource,
  type LogTextRenderer,
} from '@zeek-relay/wire';
import type { SinkConfig } from './config.js';
import type { RenderSettings } from './render-protocol.js';
import { jsonOptions, textSettingsOf, tsvOptions } from './text-options.js';
import { addPathKey, pathKeyPrefix } from './stdout-output.js';

/** Per-header state: the renderers, created once per distinct header. */
export interface HeaderEntry {
  readonly header: LogBatchHeader;
  /** Small integer unique within one BatchRenderer (names the header across threads). */
  readonly id: number;
  readonly tsv?: LogTextRenderer;
  readonly json?: LogTextRenderer;
  /** `{"_path":"<path>",` for the stdout lines. */
  readonly stdoutPrefix?: Uint8Array;
}

/** One rendered batch. `tsv`/`json` are fresh buffers owned by the caller (transferable). */
export interface RenderedBatch {
  readonly entry: HeaderEntry;
  /** The entry was created by this call (first batch with this header object). */
  readonly fresh: boolean;
  readonly records: number;
  readonly tsv?: Uint8Array;
  readonly json?: Uint8Array;
  readonly stdout?: Uint8Array;
}

/** Renders batch payloads; not re-entrant (renderers share scratch buffers). */
export interface BatchRenderer {
  /** @throws DecodeError exactly where `decodeLogBatch(payload)` would. */
  render(payload: Uint8Array): RenderedBatch;
}

/** The render settings of a sink configuration (which text outputs, their options). */
export function renderSettingsOf(config: SinkConfig): RenderSettings {
  return {
    tsv: config.outputs.includes('tsv'),
    json: config.outputs.includes('json'),
    stdout: config.outputs.includes('stdout'),
    text: textSettingsOf(config),
  };
}

/**
 * Creates a renderer for the outputs enabled in `settings`; `outputBuffers` supplies the buffer
 * a renderer continues in after handing one over (default: new ones).
 */
export function createBatchRenderer(
  settings: RenderSettings,
  outputBuffers?: LogTextBufferSource,
): BatchRenderer {
  const buffers = outputBuffers ? { outputBuffers } : {};
  const decoder = createLogBatchDecoder();
  const cache = new WeakMap<LogBatchHeader, HeaderEntry>();
  let nextId = 0;
  return {
    render(payload: Uint8Array): RenderedBatch {
      const { header, offset } = decoder.decodeHeader(payload);
      let entry = cache.get(header);
      const fresh = entry === undefined;
      if (entry === undefined) {
        entry = {
          header,
          id: nextId++,
          ...(settings.tsv
            ? { tsv: createTsvRenderer(header, { ...tsvOptions(settings.text), ...buffers }) }
            : {}),
          ...(settings.stdout ? { stdoutPrefix: pathKeyPrefix(header.path) } : {}),
          ...(settings.json || settings.stdout
            ? { json: createJsonRenderer(header, { ...jsonOptions(settings.text, header.path), ...buffers }) }
            : {}),
        };
        cache.set(header, entry);
      }
      const tsv = entry.tsv?.recordsFromPayload(payload, offset);
      const json = entry.json?.recordsFromPayload(payload, offset);
      const stdout = json && entry.stdoutPrefix ? addPathKey(json, entry.stdoutPrefix) : undefined;
      // The u32 (big-endian) record count at `offset`: the renderer has just validated it.
      const records =
        ((payload[offset] as number) * 0x1000000 +
          (((payload[offset + 1] as number) << 16) |
            ((payload[offset + 2] as number) << 8) |
            (payload[offset + 3] as number))) >>>
        0;
      return {
        entry,
        fresh,
        records,
        ...(tsv ? { tsv } : {}),
        ...(json && settings.json ? { json } : {}),
        ...(stdout ? { stdout } : {}),
      };
    },
  };
}
