import type { LogNumberProfile } from '../log-batch/types.js';

/**
 * How the JSON writer escapes the bytes of a string value (docs in LOGS.md, "Zeek versions"):
 * - `hex`: Zeek 8.0, 8.2 and 9.0's default (`JSON::STRING_ESCAPE_POLICY_HEX`): a string with a
 *   control character, a byte outside valid UTF-8 or a code point Zeek refuses is written with
 *   every such byte as `\\xNN`;
 * - `none`: Zeek 8.1 (`util::ESCAPE_NONE`): the bytes go to rapidjson unchanged, which escapes
 *   controls as `\u00NN` (or `\b \t \n \f \r`) and passes every other byte through raw;
 * - `pua`: 9.0's `STRING_ESCAPE_POLICY_PUA`: each such byte becomes `\udb80\udcNN` (a code point
 *   of Supplementary Private Use Area-A), valid UTF-8 around it is kept;
 * - `tsv`: 9.0's `STRING_ESCAPE_POLICY_TSV`: the ASCII writer's escaping (`\xNN`, `\\`), then
 *   JSON escaping of the result.
 * `pua` and `tsv` apply to `string` columns only; enum, file and func columns stay `hex`.
 */
export type JsonStringEscape = 'hex' | 'none' | 'pua' | 'tsv';

/** The policies `LogAscii::json_string_escape_policy` (Zeek 9.0+) accepts. */
export const JSON_STRING_ESCAPE_POLICIES = ['hex', 'pua', 'tsv'] as const;
/** One of {@link JSON_STRING_ESCAPE_POLICIES}. */
export type JsonStringEscapePolicy = (typeof JSON_STRING_ESCAPE_POLICIES)[number];

/** The Zeek release lines whose log text this package reproduces. */
export const ZEEK_LOG_LINES = ['8.0', '8.1', '8.2', '9.0'] as const;
/** One of {@link ZEEK_LOG_LINES}. */
export type ZeekLogLine = (typeof ZEEK_LOG_LINES)[number];

/** Everything in a logger's text output that depends on the Zeek version. */
export interface LogTextProfile {
  /** ASCII number formatting of double, time and interval columns. */
  readonly numbers: LogNumberProfile;
  /** JSON escaping of string-like columns (the default policy on 9.0). */
  readonly jsonStringEscape: JsonStringEscape;
  /** Whether `json_string_escape_policy` exists (9.0+): other policies may be chosen. */
  readonly jsonStringEscapePolicies: boolean;
}

const PROFILES: Readonly<Record<ZeekLogLine, LogTextProfile>> = {
  '8.0': { numbers: 'zeek-8.0', jsonStringEscape: 'hex', jsonStringEscapePolicies: false },
  '8.1': { numbers: 'zeek-8.0', jsonStringEscape: 'none', jsonStringEscapePolicies: false },
  '8.2': { numbers: 'zeek-8.2', jsonStringEscape: 'hex', jsonStringEscapePolicies: false },
  '9.0': { numbers: 'zeek-8.2', jsonStringEscape: 'hex', jsonStringEscapePolicies: true },
};

/**
 * The log text profile of a Zeek release line (`"8.0"`, `"8.1"`, `"8.2"`, `"9.0"`; a version
 * such as `"8.2.2"` is read by its line). Throws `RangeError` for anything else.
 */
export function logTextProfile(line: string): LogTextProfile {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(line.trim());
  const key = m ? `${m[1]}.${m[2]}` : '';
  const profile = (PROFILES as Record<string, LogTextProfile | undefined>)[key];
  if (!profile)
    throw new RangeError(`no log text profile for Zeek "${line}" (known: ${ZEEK_LOG_LINES.join(', ')})`);
  return profile;
}
