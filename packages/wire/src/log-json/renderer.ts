import { EncodeError } from '../errors.js';
import type { LogBatchHeader, LogElement, LogRecord, LogValue } from '../log-batch/types.js';
import { formatLogAddr, formatLogSubnet } from '../log-text/addr.js';
import { writeJsonNumber } from '../log-text/numbers.js';
import { LogTextBuffer, utf8Bytes, type LogTextBufferSource } from '../log-text/text-buffer.js';
import type { LogTextRenderer } from '../log-text/renderer.js';
import { LogReader, MAX_CONTAINER_DEPTH } from '../log-batch/reader.js';
import { formatJsonTime, type JsonTimestampStyle } from '../log-text/timestamps.js';
import type { JsonStringEscape } from '../log-text/profile.js';
import { renderJsonPayload, type JsonValueContext } from './payload.js';
import { specialisedJsonLoop } from './specialised.js';
import { loopOnFirstUse } from '../log-text/specialise.js';
import { checkRecordCount } from '../log-batch/decode.js';
import { jsonStringWriter, writeJsonRaw, writeJsonString } from './strings.js';

/** Options of the JSON writer (`LogAscii::use_json = T`, spec/log-batch.md §6). */
export interface JsonRendererOptions {
  /** `json_timestamps` (JSON::TS_EPOCH, TS_MILLIS, TS_MILLIS_UNSIGNED, TS_ISO8601); default epoch. */
  readonly timestamps?: JsonTimestampStyle;
  /** `json_include_unset_fields`: unset columns as `null` instead of omitted; default false. */
  readonly includeUnsetFields?: boolean;
  /** `meta_prefix` (only used for Zeek's line-start check); default `#`. */
  readonly metaPrefix?: string;
  /**
   * Escaping of string values (see `JsonStringEscape`): `hex` (8.0, 8.2, 9.0's default),
   * `none` (8.1), `pua` or `tsv` (9.0's `json_string_escape_policy`); default `hex`.
   */
  readonly stringEscape?: JsonStringEscape;
  /** Where the buffer after a handed-over batch comes from (`LogTextBuffer`); default new. */
  readonly outputBuffers?: LogTextBufferSource;
  /**
   * `recordsFromPayload` through a record loop generated for this header's column types
   * (log-text/specialise.ts; same text and errors); false: the generic per-value path. Default true.
   */
  readonly specialise?: boolean;
}

type JsonContext = JsonValueContext;

/** The writers of string-like columns for an escape mode (9.0's policies cover `string` only). */
export function jsonValueContext(timestamps: JsonTimestampStyle, escape: JsonStringEscape): JsonValueContext {
  return {
    timestamps,
    string: jsonStringWriter(escape),
    otherStrings: escape === 'none' ? jsonStringWriter('none') : writeJsonString,
  };
}

function writeElement(out: LogTextBuffer, v: LogElement, ctx: JsonContext, depth = 0): void {
  if (v === null) out.latin1('null');
  else writeValue(out, v, ctx, depth);
}

/** One value (zeek src/threading/formatters/JSON.cc `BuildJSON`). */
function writeValue(out: LogTextBuffer, v: LogValue, ctx: JsonContext, depth: number): void {
  switch (v.type) {
    case 'string':
      ctx.string(out, v.value, 0, v.value.length);
      return;
    case 'enum':
    case 'file':
    case 'func':
      ctx.otherStrings(out, v.value, 0, v.value.length);
      return;
    case 'time':
      if (ctx.timestamps === 'epoch') writeJsonNumber(out, v.value);
      else out.latin1(formatJsonTime(v.value, ctx.timestamps));
      return;
    case 'double':
    case 'interval':
      writeJsonNumber(out, v.value);
      return;
    case 'count':
    case 'int':
      out.latin1(v.value.toString());
      return;
    case 'port':
      out.uint(v.value);
      return;
    case 'bool':
      out.latin1(v.value ? 'true' : 'false');
      return;
    case 'addr':
      out.byte(0x22);
      out.latin1(formatLogAddr(v.value));
      out.byte(0x22);
      return;
    case 'subnet':
      out.byte(0x22);
      out.latin1(formatLogSubnet(v));
      out.byte(0x22);
      return;
    case 'table':
    case 'vector': {
      if (depth >= MAX_CONTAINER_DEPTH)
        throw new EncodeError(`containers nested deeper than ${MAX_CONTAINER_DEPTH}`);
      out.byte(0x5b);
      const elems = v.value;
      for (let j = 0; j < elems.length; j++) {
        if (j > 0) out.byte(0x2c);
        writeElement(out, elems[j] as LogElement, ctx, depth + 1);
      }
      out.byte(0x5d);
      return;
    }
    case 'unset':
      out.latin1('null');
      return;
    default: {
      const never: never = v;
      throw new EncodeError(`unknown log value ${String((never as { type: unknown }).type)}`);
    }
  }
}

/**
 * Creates the JSON writer for one header: one object per record and line, keys in column
 * order, no whitespace; unset columns omitted (or `null`). Keys are escaped once here.
 */
export function createJsonRenderer(
  header: LogBatchHeader,
  options: JsonRendererOptions = {},
): LogTextRenderer {
  const ctx = jsonValueContext(options.timestamps ?? 'epoch', options.stringEscape ?? 'hex');
  const includeUnset = options.includeUnsetFields ?? false;
  const meta = utf8Bytes(options.metaPrefix ?? '#');
  const keys = header.fields.map((f) => {
    const kb = new LogTextBuffer(64);
    kb.byte(0x22);
    writeJsonRaw(kb, utf8Bytes(f.name));
    kb.byte(0x22);
    kb.byte(0x3a);
    return kb.take();
  });
  const nf = keys.length;
  const out = new LogTextBuffer(undefined, options.outputBuffers);
  const empty = new Uint8Array(0);

  const fixLineStart = (start: number): void => out.escapeLeadingMeta(start, meta);
  const meta0 = meta.length === 0 ? -1 : (meta[0] as number);
  const recordLoop = loopOnFirstUse(options.specialise, () =>
    specialisedJsonLoop(header, keys, includeUnset, ctx),
  );

  function render(records: readonly LogRecord[]): Uint8Array {
    out.pos = 0;
    for (let k = 0; k < records.length; k++) {
      const rec = records[k] as LogRecord;
      if (rec.length !== nf)
        throw new EncodeError(`record has ${rec.length} values, header has ${nf} fields`);
      const start = out.pos;
      out.byte(0x7b);
      let first = true;
      for (let i = 0; i < nf; i++) {
        const v = rec[i] as LogElement;
        if ((v === null || v.type === 'unset') && !includeUnset) continue;
        if (!first) out.byte(0x2c);
        first = false;
        out.bytes(keys[i] as Uint8Array);
        writeElement(out, v, ctx);
      }
      out.byte(0x7d);
      out.byte(0x0a);
      if (meta.length === 0 || out.buf[start] === meta[0]) fixLineStart(start);
    }
    return out.take();
  }

  return {
    header: () => empty,
    records: render,
    recordsFromPayload(payload: Uint8Array, offset: number): Uint8Array {
      out.pos = 0;
      const r = new LogReader(payload, offset);
      const loop = recordLoop();
      if (loop) loop(out, r, checkRecordCount(r, nf), meta0, fixLineStart);
      else renderJsonPayload(out, r, keys, includeUnset, ctx, meta0, fixLineStart);
      return out.take();
    },
    close: () => empty,
  };
}
