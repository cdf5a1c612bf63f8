/**
 * Parsers for the text forms Broker's JSON reader accepts (websocket-v1.md §3.2, verified with
 * Zeek 8.0.10). Each returns `undefined` for input Zeek rejects.
 */
import { isV4Mapped, maskAddress, parseAddress } from '../address.js';
import { daysFromCivil, daysInMonth } from '../civil.js';
import type { PortProtocol, SubnetData } from '../value.js';

/** Decimal value of `n` digits at `at`, or -1. */
function digits(t: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * `YYYY-MM-DDThh:mm:ss[.f{1,9}][Z|±hh|±hhmm|±hh:mm]` → ns since the epoch; no zone means UTC.
 * Pre-1970 input is parsed correctly (unlike Broker's writer).
 */
export function parseTimestamp(t: string): bigint | undefined {
  if (t.length < 19 || t[4] !== '-' || t[7] !== '-' || t[10] !== 'T' || t[13] !== ':' || t[16] !== ':')
    return undefined;
  const y = digits(t, 0, 4);
  const mo = digits(t, 5, 2);
  const d = digits(t, 8, 2);
  const h = digits(t, 11, 2);
  const mi = digits(t, 14, 2);
  const sec = digits(t, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    return undefined;
  if (d > daysInMonth(y, mo)) return undefined;
  let p = 19;
  let frac = 0;
  if (t[p] === '.') {
    const start = ++p;
    while (p < t.length && p - start < 10 && t.charCodeAt(p) >= 48 && t.charCodeAt(p) <= 57) p++;
    const n = p - start;
    if (n < 1 || n > 9) return undefined;
    frac = digits(t, start, n) * 10 ** (9 - n);
  }
  let off = 0;
  if (t[p] === 'Z') p++;
  else if (t[p] === '+' || t[p] === '-') {
    const sign = t[p] === '+' ? -1 : 1;
    const oh = digits(t, p + 1, 2);
    p += 3;
    let om = 0;
    if (t[p] === ':') {
      om = digits(t, p + 1, 2);
      p += 3;
    } else if (p + 2 <= t.length && p < t.length) {
      om = digits(t, p, 2);
      p += 2;
    }
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    off = sign * (oh * 3600 + om * 60);
  }
  if (p !== t.length) return undefined;
  const secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec + off;
  return BigInt(secs) * 1_000_000_000n + BigInt(frac);
}

const SPAN_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  ms: 1e6,
  s: 1e9,
  min: 60e9,
  h: 3600e9,
};
const SPAN_RE = /^(-?)(\d{1,20})(?:\.(\d{1,30}))?(ns|us|ms|s|min|h)$/;

/**
 * `<number><unit>` with unit ns, us, ms, s, min or h (`d` is rejected, as by Zeek) → ns.
 * Integers are exact; a fraction (`1.5s`) is converted in double arithmetic and truncated.
 */
export function parseTimespan(text: string): bigint | undefined {
  const m = SPAN_RE.exec(text);
  if (m === null) return undefined;
  const unit = SPAN_UNITS[m[4] as string] as number;
  if (m[3] === undefined) {
    const v = BigInt(m[2] as string) * BigInt(unit);
    return m[1] === '-' ? -v : v;
  }
  const v = Math.trunc(Number(`${m[2]}.${m[3]}`) * unit);
  if (!Number.isFinite(v)) return undefined;
  return m[1] === '-' ? -BigInt(v) : BigInt(v);
}

const PROTOCOLS: Readonly<Record<string, PortProtocol>> = {
  tcp: 'tcp',
  udp: 'udp',
  icmp: 'icmp',
  '?': 'unknown',
};

/**
 * `<number>/<proto>`: proto tcp, udp, icmp or `?`; any other word means unknown; a bare number
 * means tcp; the number is truncated to 16 bits (70000 → 4464).
 */
export function parsePort(text: string): { value: number; protocol: PortProtocol } | undefined {
  const slash = text.indexOf('/');
  const num = slash === -1 ? text : text.slice(0, slash);
  if (!/^\d{1,20}$/.test(num)) return undefined;
  const value = Number(BigInt(num) & 0xffffn);
  if (slash === -1) return { value, protocol: 'tcp' };
  return { value, protocol: PROTOCOLS[text.slice(slash + 1)] ?? 'unknown' };
}

const ZERO16 = new Uint8Array(16);

/**
 * `<address>/<decimal length>`; host bits are masked. An out-of-range length is not an error for
 * Zeek: the value becomes `::/0`, which is what is returned.
 */
export function parseSubnet(text: string): SubnetData | undefined {
  const slash = text.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const addrText = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  const address = parseAddress(addrText);
  if (address === undefined || !/^\d{1,10}$/.test(lenText)) return undefined;
  const v4 = isV4Mapped(address);
  const len = Number(lenText);
  if (len > (v4 ? 32 : 128)) return { type: 'subnet', address: ZERO16.slice(), length: 0 };
  const length = v4 ? len + 96 : len;
  return { type: 'subnet', address: maskAddress(address, length), length };
}
