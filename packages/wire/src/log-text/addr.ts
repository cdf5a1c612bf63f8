import { EncodeError } from '../errors.js';
import type { LogSubnet } from '../log-batch/types.js';
import { putUint } from './direct.js';
import { HEX, LogTextBuffer } from './text-buffer.js';

/** Scratch for the 16-bit groups (renderers are synchronous, so one is enough). */
const words = new Uint16Array(8);

/** Scratch buffer of {@link formatV6At}. */
const scratch = new LogTextBuffer(64);

/** Result of {@link zeroRun} (no allocation per address). */
const run = { base: -1, len: 0 };

/** The first longest run of ≥ 2 zero groups in `w` into `run` (base −1: none). */
function zeroRun(w: Uint16Array): void {
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase !== -1 && (bestBase === -1 || curLen > bestLen)) {
    bestBase = curBase;
    bestLen = curLen;
  }
  run.base = bestLen < 2 ? -1 : bestBase;
  run.len = bestLen;
}

/** A 16-bit group as lowercase hex without leading zeros at `q`; returns the end. */
function putGroup(buf: Uint8Array, q: number, g: number): number {
  let shift = 12;
  while (shift > 0 && g >> shift === 0) shift -= 4;
  for (; shift >= 0; shift -= 4) buf[q++] = HEX[(g >> shift) & 15] as number;
  return q;
}

/** Longest IPv6 text (8 groups of 4 hex digits and 7 colons). */
const MAX_IPV6_TEXT = 39;

/**
 * IPv6 text as Zeek's `zeek_inet_ntop6` (zeek src/3rdparty/zeek_inet_ntop.c, Paul Vixie's
 * inet_ntop extended for IPv4-translated forms), written at `q` (room for {@link MAX_IPV6_TEXT}
 * bytes needed; returns the end): lowercase hex without leading zeros; the first longest run of ≥ 2
 * zero groups becomes `::`; a dotted IPv4 tail when the run starts at group 0 and is 6 groups long
 * (`::1.2.3.4`), or 5 followed by ffff (`::ffff:1.2.3.4`), or 4 followed by ffff:0
 * (`::ffff:0:1.2.3.4`). (A run of 7 ends at group 6, so `::2` stays hex.)
 */
export function putIpv6(buf: Uint8Array, q: number, b: Uint8Array, o: number): number {
  const w = words;
  for (let i = 0; i < 8; i++) w[i] = ((b[o + 2 * i] as number) << 8) | (b[o + 2 * i + 1] as number);
  zeroRun(w);
  const bestBase = run.base;
  const bestLen = run.len;
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) buf[q++] = 0x3a;
      continue;
    }
    if (i !== 0) buf[q++] = 0x3a;
    if (
      i === 6 &&
      bestBase === 0 &&
      (bestLen === 6 ||
        (bestLen === 7 && w[7] !== 1) ||
        (bestLen === 5 && w[5] === 0xffff) ||
        (bestLen === 4 && w[4] === 0xffff && w[5] === 0))
    ) {
      for (let k = 12; k < 16; k++) {
        if (k > 12) buf[q++] = 0x2e;
        q = putUint(buf, q, b[o + k] as number);
      }
      return q;
    }
    q = putGroup(buf, q, w[i] as number);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) buf[q++] = 0x3a;
  return q;
}

/** {@link putIpv6} into `out`. */
export function writeV6At(out: LogTextBuffer, b: Uint8Array, o: number): void {
  out.ensure(MAX_IPV6_TEXT);
  out.pos = putIpv6(out.buf, out.pos, b, o);
}

/** {@link writeV6At} as a string. */
export function formatV6At(b: Uint8Array, o: number): string {
  scratch.pos = 0;
  writeV6At(scratch, b, o);
  return String.fromCharCode(...scratch.buf.subarray(0, scratch.pos));
}

/** IPv4 dotted quad of 4 bytes at `b[o..o+4)`. */
function v4(b: Uint8Array, o: number): string {
  return `${b[o] as number}.${b[o + 1] as number}.${b[o + 2] as number}.${b[o + 3] as number}`;
}

/**
 * Text of a log address: 4 bytes as a dotted quad, 16 bytes as IPv6 (Zeek renders by the
 * family on the wire, so a 16-byte IPv4-mapped address stays `::ffff:a.b.c.d`).
 */
export function formatLogAddr(bytes: Uint8Array): string {
  if (bytes.length === 4) return v4(bytes, 0);
  if (bytes.length === 16) return formatV6At(bytes, 0);
  throw new EncodeError(`address must have 4 or 16 bytes, not ${bytes.length}`);
}

/**
 * Subnet text `<addr>/<len>` (zeek src/threading/Formatter.cc): IPv4 lengths are the wire's
 * IPv6-relative value − 96, as an unsigned 32-bit number (so a crafted /8 on the wire wraps).
 */
export function formatLogSubnet(v: Pick<LogSubnet, 'value' | 'prefix'>): string {
  const len = v.value.length === 4 ? (v.prefix - 96) >>> 0 : v.prefix;
  return `${formatLogAddr(v.value)}/${len}`;
}

/** Parses IPv4 dotted-quad or IPv6 text into 4 or 16 bytes (test and tooling helper). */
export function parseLogAddr(text: string): Uint8Array {
  const m4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m4) {
    const parts = m4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) throw new EncodeError(`bad IPv4 address ${text}`);
    return new Uint8Array(parts);
  }
  let head = text;
  let tail4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.') && lastColon >= 0) {
    tail4 = parseLogAddr(text.slice(lastColon + 1));
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) throw new EncodeError(`bad IPv6 address ${text}`);
  const groups = (s: string): number[] =>
    s === ''
      ? []
      : s.split(':').map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new EncodeError(`bad IPv6 address ${text}`);
          return parseInt(g, 16);
        });
  const left = groups(halves[0] ?? '');
  const right = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const fill = 8 - left.length - right.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) throw new EncodeError(`bad IPv6 address ${text}`);
  const words = [...left, ...new Array<number>(fill).fill(0), ...right];
  const out = new Uint8Array(16);
  words.forEach((wd, i) => {
    out[2 * i] = wd >> 8;
    out[2 * i + 1] = wd & 0xff;
  });
  if (tail4) out.set(tail4, 12);
  return out;
}
