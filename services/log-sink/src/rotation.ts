/**
 * Rotation policy, as a Zeek logger does it (documented in README "Rotation"):
 * - by time: every `intervalSeconds`, at boundaries aligned to the local base time `H:MM`
 *   (`log_rotate_base_time`, default 0:00): boundaries are startOfLocalDay + base + k × interval;
 * - optionally by size (`rotationMaxBytes`), which Zeek does not have;
 * - rotated file name `<path>.<open time %Y-%m-%d-%H-%M-%S, local>.<suffix>` (Zeek's default
 *   `Log::rotation_format_func` for ASCII with the default post-processor), `.gz` appended when
 *   compressed, and `-<n>` added to the time when that name is already taken (two rotations
 *   within one second, e.g. by size).
 */
import { formatLogTimestamp } from '@zeek-relay/wire';

/** Minutes after local midnight for `H:MM`. */
export function parseBaseTime(text: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return 0;
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Epoch milliseconds of the first rotation boundary strictly after `nowMs` (local time zone).
 * Boundaries are every `intervalSeconds` counted from local midnight + `baseMinutes`.
 */
export function nextRotationMs(nowMs: number, intervalSeconds: number, baseMinutes: number): number {
  const intervalMs = intervalSeconds * 1000;
  const day = new Date(nowMs);
  day.setHours(0, 0, 0, 0);
  const origin = day.getTime() + baseMinutes * 60_000;
  const k = Math.floor((nowMs - origin) / intervalMs) + 1;
  const next = origin + k * intervalMs;
  return next > nowMs ? next : next + intervalMs;
}

/** `conn` + open time → `conn.2026-11-24-21-00-00.log` (`-<n>` for the n-th collision, `.gz`). */
export function rotatedFileName(
  path: string,
  openTime: Date,
  suffix: string,
  gzip: boolean,
  collision = 0,
): string {
  const stamp = formatLogTimestamp(openTime) + (collision > 0 ? `-${collision}` : '');
  return `${path}.${stamp}.${suffix}${gzip ? '.gz' : ''}`;
}

/** The live file of a path: `conn.log`. */
export function liveFileName(path: string, suffix: string): string {
  return `${path}.${suffix}`;
}

/** Zeek's marker of a file still being written: `.shadow.conn.log`. */
export function shadowFileName(liveName: string): string {
  return `.shadow.${liveName}`;
}

/** The file-name limit of Linux file systems (ext4, xfs, tmpfs): 255 bytes. */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * The most bytes a file name adds to a path: the rotated name `<path>.<stamp>-<n>.<suffix>.gz`
 * (stamp 19, a collision counter up to 4 digits) or the marker `.tmp.shadow.<path>.<suffix>`.
 */
function nameOverhead(suffix: string): number {
  const s = Buffer.byteLength(suffix);
  return Math.max(1 + 19 + 5 + 1 + s + 3, '.tmp.shadow.'.length + 1 + s);
}

/**
 * Whether a batch's path can name a file: non-empty, no `/`, `\`, NUL or control bytes, not
 * starting with `.` (hidden files, `..`), and every file name made from it (live, rotated,
 * marker) within 255 bytes of UTF-8 — at most 200 bytes with the default suffix. Anything else is
 * dropped as `bad_path`.
 */
export function isSafeLogPath(path: string, suffix = 'log'): boolean {
  if (path.length === 0 || path.startsWith('.')) return false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x2f || c === 0x5c) return false;
  }
  const bytes = Buffer.byteLength(path);
  return bytes <= 200 && bytes + nameOverhead(suffix) <= MAX_FILE_NAME_BYTES;
}
