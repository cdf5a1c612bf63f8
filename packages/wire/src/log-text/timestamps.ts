import { formatJsonNumber } from './numbers.js';
import { civilFromDays } from '../civil.js';

/** `JSON::TimestampFormat` of the JSON writer (`LogAscii::json_timestamps`). */
export type JsonTimestampStyle = 'epoch' | 'millis' | 'millis-unsigned' | 'iso8601';

/** Time zone for `#open`/`#close`: Zeek uses the logger's local time. */
export type LogTimeZone = 'local' | 'utc';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * `#open`/`#close` value: strftime `%Y-%m-%d-%H-%M-%S` of a wall-clock time (spec/log-batch.md
 * §4), in the process's local time zone by default, as Zeek does.
 */
export function formatLogTimestamp(date: Date, timeZone: LogTimeZone = 'local'): string {
  const utc = timeZone === 'utc';
  const y = utc ? date.getUTCFullYear() : date.getFullYear();
  const mo = (utc ? date.getUTCMonth() : date.getMonth()) + 1;
  const d = utc ? date.getUTCDate() : date.getDate();
  const h = utc ? date.getUTCHours() : date.getHours();
  const mi = utc ? date.getUTCMinutes() : date.getMinutes();
  const s = utc ? date.getUTCSeconds() : date.getSeconds();
  return `${y}-${pad2(mo)}-${pad2(d)}-${pad2(h)}-${pad2(mi)}-${pad2(s)}`;
}

const INT64_MIN = -(2n ** 63n);
const TWO64 = 2n ** 64n;
/** Beyond this gmtime's `int` year overflows and Zeek writes its fallback text. */
const GMTIME_LIMIT = 67767976233316800;

/** `(int64_t)(t * 1000)`; out-of-range and NaN give INT64_MIN, as x86-64 conversions do. */
function millis(t: number): bigint {
  const v = Math.trunc(t * 1000);
  if (!(v >= -9223372036854775808 && v < 9223372036854775808)) return INT64_MIN;
  return BigInt(v);
}

/**
 * TS_ISO8601 (§6.2, zeek src/threading/formatters/JSON.cc): `%Y-%m-%dT%H:%M:%S` of floor(t) in
 * UTC, then `.%06.0f` of the fraction (modf, plus 1 if negative) × 10^6 and `Z`. A fraction that
 * rounds to 1000000 prints seven digits without carrying. Where gmtime fails, Zeek writes
 * `2000-01-01T00:00:00.000000` (no `Z`). Returned without quotes.
 */
export function formatIso8601(t: number): string {
  const sec = Math.floor(t);
  if (!Number.isFinite(sec) || Math.abs(sec) >= GMTIME_LIMIT) return '2000-01-01T00:00:00.000000';
  const days = Math.floor(sec / 86400);
  let rem = sec - days * 86400;
  const [y, mo, d] = civilFromDays(days);
  const h = Math.floor(rem / 3600);
  rem -= h * 3600;
  const mi = Math.floor(rem / 60);
  const s = rem - mi * 60;
  let frac = t - Math.trunc(t);
  if (frac < 0) frac += 1;
  const p = Math.abs(frac) * 1e6;
  let r = Math.floor(p);
  const diff = p - r;
  if (diff > 0.5 || (diff === 0.5 && r % 2 === 1)) r++; // %.0f: ties to even
  const f = String(r);
  return `${y}-${pad2(mo)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}.${f.length < 6 ? '000000'.slice(f.length) + f : f}Z`;
}

/**
 * A time value in the JSON writer (§6.2), as JSON text: epoch seconds (6.1 number), integer
 * milliseconds (signed or reinterpreted unsigned 64-bit), or a quoted ISO 8601 string.
 */
export function formatJsonTime(t: number, style: JsonTimestampStyle = 'epoch'): string {
  switch (style) {
    case 'epoch':
      return formatJsonNumber(t);
    case 'millis':
      return millis(t).toString();
    case 'millis-unsigned': {
      const v = millis(t);
      return (v < 0n ? v + TWO64 : v).toString();
    }
    case 'iso8601':
      return `"${formatIso8601(t)}"`;
    default: {
      const never: never = style;
      throw new TypeError(`unknown JSON timestamp style ${String(never)}`);
    }
  }
}
