/**
 * Number and time text exactly as Broker's JSON writer prints it (websocket-v1.md §3.2,
 * broker format/json.hh): reals with C's `%f`, timestamps as truncated milliseconds in UTC,
 * timespans in the coarsest exact unit.
 */

import { civilFromDays } from '../civil.js';

const NS_PER_S = 1_000_000_000n;
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * C `printf("%f", x)` for finite x: the exact decimal value rounded to 6 places, ties to even
 * (glibc); all integer digits for huge values. `Number#toFixed` is exact but rounds ties up, and
 * switches to exponent form from 1e21, so both cases are handled here.
 */
export function formatRealFixed6(x: number): string {
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let body: string;
  if (a >= 1e21) {
    body = `${BigInt(a).toString()}.000000`;
  } else {
    // A tie at the 7th decimal needs the lowest set bit at 2^-7: a × 128 is an odd integer.
    const y = a * 128;
    if (Number.isInteger(y) && y % 2 === 1) {
      const scaled = BigInt(y) * 15625n; // a × 10^6 × 2 = y × 15625, odd
      let n = (scaled - 1n) / 2n;
      if (n % 2n === 1n) n += 1n;
      const digits = n.toString().padStart(7, '0');
      body = `${digits.slice(0, -6)}.${digits.slice(-6)}`;
    } else {
      body = a.toFixed(6);
    }
  }
  return neg ? `-${body}` : body;
}

/**
 * Timestamp text `YYYY-MM-DDThh:mm:ss.mmm` (UTC, no zone, milliseconds truncated). Before 1970
 * Broker truncates the seconds toward zero and drops the fraction (-1.5 s →
 * `1969-12-31T23:59:59.000`); that quirk is reproduced.
 */
export function formatTimestamp(ns: bigint): string {
  const secs = ns / NS_PER_S;
  const rem = ns % NS_PER_S;
  const ms = rem >= 0n ? Number(rem / 1_000_000n) : 0;
  const s = Number(secs);
  const days = Math.floor(s / 86400);
  const sod = s - days * 86400;
  const [y, mo, d] = civilFromDays(days);
  const h = Math.floor(sod / 3600);
  const mi = Math.floor((sod % 3600) / 60);
  const msText = ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : `${ms}`;
  return `${y}-${pad2(mo)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(sod % 60)}.${msText}`;
}

/** Timespan text: `<integer><unit>` with the coarsest of s, ms, us, ns that is exact; 0 → `0s`. */
export function formatTimespan(ns: bigint): string {
  if (ns % NS_PER_S === 0n) return `${ns / NS_PER_S}s`;
  if (ns % 1_000_000n === 0n) return `${ns / 1_000_000n}ms`;
  if (ns % 1_000n === 0n) return `${ns / 1_000n}us`;
  return `${ns}ns`;
}
