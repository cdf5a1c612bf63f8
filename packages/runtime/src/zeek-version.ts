/**
 * The Zeek release lines zeek-relay speaks to. Every service takes one `zeekVersion` setting
 * (`ZR_<SERVICE>_ZEEK_VERSION`, `--zeek-version`) that says which Zeek its peers run; behaviour
 * that differs between lines (log number formatting, JSON escapes, the version in the WebSocket
 * ack, the scripts the operator generates) is chosen from it. No imports: the CLI reads these at
 * start-up (`@zeek-relay/runtime/zeek-version`); the schema fragment is in config.ts.
 */
export const ZEEK_LINES = ['8.0', '8.1', '8.2', '9.0'] as const;
export type ZeekLine = (typeof ZEEK_LINES)[number];

/** The current stable release line: the default wherever a Zeek version is not given. */
export const DEFAULT_ZEEK_VERSION = '8.2';

/** A parsed `major.minor[.patch]` Zeek version. */
export interface ZeekVersion {
  readonly major: number;
  readonly minor: number;
  /** Absent when only the release line was given ("8.2"). */
  readonly patch?: number;
  /** The release line, e.g. `8.2`. */
  readonly line: ZeekLine;
  /** The text as given (trimmed), e.g. `8.2.2` or `8.2`. */
  readonly text: string;
}

const VERSION_RE = /^(\d+)\.(\d+)(?:\.(\d+))?$/;

/** Parses "8.2" or "8.2.2"; `undefined` for anything else or for a line zeek-relay does not know. */
export function parseZeekVersion(text: string): ZeekVersion | undefined {
  const t = text.trim();
  const m = VERSION_RE.exec(t);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const line = `${major}.${minor}`;
  if (!(ZEEK_LINES as readonly string[]).includes(line)) return undefined;
  return {
    major,
    minor,
    ...(m[3] === undefined ? {} : { patch: Number(m[3]) }),
    line: line as ZeekLine,
    text: t,
  };
}
