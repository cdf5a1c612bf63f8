/**
 * Text forms of Broker addresses (16 bytes, IPv4-mapped for IPv4; broker-bin-v1.md §3.2) as the
 * Broker JSON v1 API reads and writes them (websocket-v1.md §3.2).
 */

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] as const;

/** True when the 16 bytes are an IPv4-mapped address (`::ffff:a.b.c.d`), Broker's "is IPv4". */
export function isV4Mapped(a: Uint8Array): boolean {
  for (let i = 0; i < 12; i++) if (a[i] !== V4_MAPPED_PREFIX[i]) return false;
  return true;
}

function parseV4Into(text: string, out: Uint8Array, at: number): boolean {
  // Four decimal octets 0–255 without leading zeros (inet_pton rules).
  let part = 0;
  let value = 0;
  let len = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 46 : text.charCodeAt(i);
    if (c === 46) {
      if (len === 0 || part > 3) return false;
      out[at + part++] = value;
      value = 0;
      len = 0;
    } else if (c >= 48 && c <= 57) {
      if (len === 1 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (value > 255) return false;
      len++;
    } else return false;
  }
  return part === 4;
}

function parseV6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const dbl = text.indexOf('::');
  if (dbl !== -1 && text.indexOf('::', dbl + 1) !== -1) return undefined;
  const head = dbl === -1 ? text : text.slice(0, dbl);
  const tail = dbl === -1 ? '' : text.slice(dbl + 2);
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === '' ? [] : tail.split(':');
  const groups: number[] = [];
  const readGroups = (parts: string[], allowV4Last: boolean): number[] | undefined => {
    const g: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      if (allowV4Last && i === parts.length - 1 && p.includes('.')) {
        const v4 = new Uint8Array(4);
        if (!parseV4Into(p, v4, 0)) return undefined;
        g.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      g.push(parseInt(p, 16));
    }
    return g;
  };
  const h = readGroups(headParts, dbl === -1);
  const t = readGroups(tailParts, true);
  if (h === undefined || t === undefined) return undefined;
  if (dbl === -1) {
    if (h.length !== 8) return undefined;
    groups.push(...h);
  } else {
    const missing = 8 - h.length - t.length;
    if (missing < 1) return undefined;
    groups.push(...h, ...new Array<number>(missing).fill(0), ...t);
  }
  for (let i = 0; i < 8; i++) {
    const g = groups[i] as number;
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  }
  return out;
}

/**
 * Parses an IPv4 dotted quad (stored IPv4-mapped) or any RFC 4291 IPv6 text form (including an
 * embedded IPv4 tail). Returns `undefined` for anything else (no zone ids, no brackets).
 */
export function parseAddress(text: string): Uint8Array | undefined {
  if (text.includes(':')) return parseV6(text);
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  return parseV4Into(text, out, 12) ? out : undefined;
}

/**
 * Formats as Broker's JSON does: dotted quad for IPv4-mapped; otherwise lowercase hex groups
 * without leading zeros, the first longest run of ≥ 2 zero groups as `::`, and no dotted tail
 * (`::1.2.3.4` prints as `::102:304`).
 */
export function formatAddress(a: Uint8Array): string {
  if (isV4Mapped(a)) return `${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((a[2 * i] as number) << 8) | (a[2 * i + 1] as number));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number[]): string => x.map((v) => v.toString(16)).join(':');
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Zeroes the host bits of a 16-byte address for a prefix length relative to 128 bits. */
export function maskAddress(a: Uint8Array, length128: number): Uint8Array {
  const out = new Uint8Array(a);
  for (let bit = Math.max(0, Math.min(128, length128)); bit < 128; bit++) {
    out[bit >> 3] = (out[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  }
  return out;
}
