import type {
  LogBatchHeader,
  LogElement,
  LogField,
  LogNumberProfile,
  LogRecord,
} from '../log-batch/types.js';
import { EncodeError } from '../errors.js';
import { LogTextBuffer, utf8Bytes, type LogTextBufferSource } from '../log-text/text-buffer.js';
import type { LogTextRenderer } from '../log-text/renderer.js';
import { formatLogTimestamp, type LogTimeZone } from '../log-text/timestamps.js';
import { escapeContext, escapedBytes, escapeHeaderValue } from './escape.js';
import { writeTsvElement, type TsvValueContext } from './values.js';
import { LogReader } from '../log-batch/reader.js';
import { renderTsvPayload } from './payload.js';
import { specialisedTsvLoop } from './specialised.js';
import { loopOnFirstUse } from '../log-text/specialise.js';
import { checkRecordCount } from '../log-batch/decode.js';

/** `LogAscii::` options of the ASCII writer (spec/log-batch.md §4); Zeek's defaults. */
export interface TsvRendererOptions {
  /** `separator`, default TAB. */
  readonly separator?: string;
  /** `set_separator`, default `,`. */
  readonly setSeparator?: string;
  /** `empty_field`, default `(empty)`. */
  readonly emptyField?: string;
  /** `unset_field`, default `-`. */
  readonly unsetField?: string;
  /** `meta_prefix`, default `#`. */
  readonly metaPrefix?: string;
  /** `include_meta`, default true. */
  readonly includeMeta?: boolean;
  /** Filter config `tsv` = T: one header line of column names, no `#close`. Default false. */
  readonly tsv?: boolean;
  /** `enable_utf_8`, default true. */
  readonly enableUtf8?: boolean;
  /** Number formatting of the Zeek version to match; default `zeek-8.0`. */
  readonly numberProfile?: LogNumberProfile;
  /** `#path` value; default the batch header's path. */
  readonly path?: string;
  /** Time zone of `#open`/`#close`; default local, as Zeek. */
  readonly timeZone?: LogTimeZone;
  /** Where the buffer after a handed-over batch comes from (`LogTextBuffer`); default new. */
  readonly outputBuffers?: LogTextBufferSource;
  /**
   * `recordsFromPayload` through a record loop generated for this header's column types
   * (log-text/specialise.ts; same text and errors); false: the generic per-value path. Default true.
   */
  readonly specialise?: boolean;
}

/** Characters that occur in rendered numbers, addresses and booleans. */
const TEXT_CHARS = new Set([...'0123456789.-+e:/abcdefinxTF'].map((c) => c.charCodeAt(0)));

/**
 * `#types` entry of a column (`threading::Field::TypeName`): `set[<subtype>]` for tables,
 * `vector[<subtype>]`, else Zeek's type name (tag 16 is called `types`).
 */
export function logTypeDisplayName(field: Pick<LogField, 'type' | 'subtype'>): string {
  const name = (t: string): string => (t === 'list' ? 'types' : t);
  if (field.type === 'table') return `set[${name(field.subtype)}]`;
  if (field.type === 'vector') return `vector[${name(field.subtype)}]`;
  return name(field.type);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new LogTextBuffer(256);
  for (const p of parts) out.bytes(p);
  return out.take();
}

/** The writer's markers and separators, as bytes, with Zeek's defaults. */
function tsvMarkers(options: TsvRendererOptions) {
  return {
    sep: utf8Bytes(options.separator ?? '\t'),
    setSep: utf8Bytes(options.setSeparator ?? ','),
    empty: utf8Bytes(options.emptyField ?? '(empty)'),
    unset: utf8Bytes(options.unsetField ?? '-'),
    meta: utf8Bytes(options.metaPrefix ?? '#'),
  };
}

type TsvMarkers = ReturnType<typeof tsvMarkers>;

/** Escape contexts and pre-escaped markers for the values (top level and inside containers). */
function tsvValueContext(m: TsvMarkers, options: TsvRendererOptions): TsvValueContext {
  const utf8 = options.enableUtf8 ?? true;
  const top = escapeContext([m.sep], utf8);
  const inner = escapeContext([m.sep, m.setSep], utf8);
  return {
    top,
    inner,
    setSep: m.setSep,
    unset: m.unset,
    empty: m.empty,
    unsetTop: escapedBytes(m.unset, top),
    unsetInner: escapedBytes(m.unset, inner),
    emptyTop: escapedBytes(m.empty, top),
    emptyInner: escapedBytes(m.empty, inner),
    profile: options.numberProfile ?? 'zeek-8.0',
    escapeAll: inner.seqs.some((s) => TEXT_CHARS.has(s[0] as number)),
  };
}

const NL = 0x0a;

/** The `#…` header lines that do not change between files, and the `#fields` names. */
function tsvHeaderBlocks(header: LogBatchHeader, m: TsvMarkers, options: TsvRendererOptions) {
  const headerLine = (key: string, value: Uint8Array): Uint8Array =>
    concat([m.meta, utf8Bytes(key), m.sep, value, new Uint8Array([NL])]);
  const row = (cells: string[]): Uint8Array =>
    concat(cells.flatMap((c, i) => (i > 0 ? [m.sep, utf8Bytes(c)] : [utf8Bytes(c)])));
  const names = row(header.fields.map((f) => f.name));
  const types = row(header.fields.map((f) => logTypeDisplayName(f)));
  const fixedHead = concat([
    m.meta,
    utf8Bytes('separator '),
    escapeHeaderValue(m.sep),
    new Uint8Array([NL]),
    headerLine('set_separator', escapeHeaderValue(m.setSep)),
    headerLine('empty_field', escapeHeaderValue(m.empty)),
    headerLine('unset_field', escapeHeaderValue(m.unset)),
    headerLine('path', escapeHeaderValue(utf8Bytes(options.path ?? header.path))),
  ]);
  const fieldLines = concat([headerLine('fields', names), headerLine('types', types)]);
  return { headerLine, names, fixedHead, fieldLines };
}

/**
 * Creates the ASCII (TSV) writer for one header (zeek src/logging/writers/ascii/Ascii.cc and
 * src/threading/formatters/Ascii.cc). Escaped markers and separators are computed once here;
 * `records()` then renders a whole batch into one buffer. Not safe for concurrent use of one
 * instance (it reuses its scratch buffer), which a single-threaded sink never does.
 */
export function createTsvRenderer(header: LogBatchHeader, options: TsvRendererOptions = {}): LogTextRenderer {
  const markers = tsvMarkers(options);
  const { sep, meta } = markers;
  const includeMeta = options.includeMeta ?? true;
  const tsv = options.tsv ?? false;
  const timeZone = options.timeZone ?? 'local';
  const ctx = tsvValueContext(markers, options);
  const { headerLine, names, fixedHead, fieldLines } = tsvHeaderBlocks(header, markers, options);
  const nf = header.fields.length;
  const out = new LogTextBuffer(undefined, options.outputBuffers);
  const nl = NL;

  const fixLineStart = (start: number): void => out.escapeLeadingMeta(start, meta);
  const meta0 = meta.length === 0 ? -1 : (meta[0] as number);
  const recordLoop = loopOnFirstUse(options.specialise, () => specialisedTsvLoop(header, ctx, sep));

  return {
    header(openTime: Date): Uint8Array {
      if (!includeMeta) return new Uint8Array(0);
      if (tsv) return concat([names, new Uint8Array([nl])]);
      return concat([
        fixedHead,
        headerLine('open', utf8Bytes(formatLogTimestamp(openTime, timeZone))),
        fieldLines,
      ]);
    },
    records(records: readonly LogRecord[]): Uint8Array {
      out.pos = 0;
      for (let k = 0; k < records.length; k++) {
        const rec = records[k] as LogRecord;
        if (rec.length !== nf)
          throw new EncodeError(`record has ${rec.length} values, header has ${nf} fields`);
        const start = out.pos;
        for (let i = 0; i < nf; i++) {
          if (i > 0) out.bytes(sep);
          writeTsvElement(out, rec[i] as LogElement, ctx);
        }
        out.byte(nl);
        if (out.buf[start] === meta[0] || meta.length === 0) fixLineStart(start);
      }
      return out.take();
    },
    recordsFromPayload(payload: Uint8Array, offset: number): Uint8Array {
      out.pos = 0;
      const r = new LogReader(payload, offset);
      const loop = recordLoop();
      if (loop) loop(out, r, checkRecordCount(r, nf), meta0, fixLineStart);
      else renderTsvPayload(out, r, nf, ctx, sep, meta0, fixLineStart);
      return out.take();
    },
    close(closeTime: Date): Uint8Array {
      if (!includeMeta || tsv) return new Uint8Array(0);
      return headerLine('close', utf8Bytes(formatLogTimestamp(closeTime, timeZone)));
    },
  };
}
