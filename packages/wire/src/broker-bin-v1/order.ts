/**
 * Broker's ordering of values (broker-bin-v1.md §3.6), used to sort set elements and table keys
 * the way Zeek's `std::set`/`std::map` emit them and to detect duplicates on decode.
 */
import { DATA_TAGS, type BrokerData } from '../value.js';

/** Unsigned byte-wise lexicographic comparison; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const cmpBig = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Reals compare numerically; -0 equals +0 (as C++ `<` treats them). NaN has no place in C++'s
 * order; here it equals NaN and sorts after every number, so the order stays total.
 */
function cmpReal(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  return an === bn ? 0 : an ? 1 : -1;
}

function cmpList(a: readonly BrokerData[], b: readonly BrokerData[]): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const c = compareData(a[i] as BrokerData, b[i] as BrokerData);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Total order: first by type tag, then by value (numbers numerically, strings/enums/addresses
 * byte-wise, subnets by address then length, ports by number then protocol, containers
 * lexicographically, table entries key first). Returns negative, 0 or positive.
 */
export function compareData(a: BrokerData, b: BrokerData): number {
  if (a.type !== b.type) return DATA_TAGS[a.type] - DATA_TAGS[b.type];
  switch (a.type) {
    case 'none':
      return 0;
    case 'boolean':
      return Number(a.value) - Number((b as typeof a).value);
    case 'count':
    case 'integer':
    case 'timestamp':
    case 'timespan':
      return cmpBig(a.value, (b as typeof a).value);
    case 'real':
      return cmpReal(a.value, (b as typeof a).value);
    case 'string':
    case 'enum_value':
    case 'address':
      return compareBytes(a.value, (b as typeof a).value);
    case 'subnet': {
      const o = b as typeof a;
      return compareBytes(a.address, o.address) || a.length - o.length;
    }
    case 'port': {
      const o = b as typeof a;
      return a.value - o.value || PROTO_ORDER[a.protocol] - PROTO_ORDER[o.protocol];
    }
    case 'vector':
      return cmpList(a.value, (b as typeof a).value);
    case 'set':
      // Sets are ordered containers in Broker: compare their sorted element sequences.
      return cmpList(
        sorted(a.value, (e) => e),
        sorted((b as typeof a).value, (e) => e),
      );
    case 'table': {
      const x = sorted(a.value, (e) => e[0]);
      const y = sorted((b as typeof a).value, (e) => e[0]);
      const n = x.length < y.length ? x.length : y.length;
      for (let i = 0; i < n; i++) {
        const [ka, va] = x[i] as readonly [BrokerData, BrokerData];
        const [kb, vb] = y[i] as readonly [BrokerData, BrokerData];
        const c = compareData(ka, kb) || compareData(va, vb);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** The items in Broker order (the input itself when already ascending). */
function sorted<T>(items: readonly T[], key: (t: T) => BrokerData): readonly T[] {
  for (let i = 1; i < items.length; i++) {
    if (compareData(key(items[i - 1] as T), key(items[i] as T)) > 0) {
      return [...items].sort((x, y) => compareData(key(x), key(y)));
    }
  }
  return items;
}

const PROTO_ORDER = { unknown: 0, tcp: 1, udp: 2, icmp: 3 } as const;

/** Structural equality under Broker's order (so -0 equals +0). */
export function dataEquals(a: BrokerData, b: BrokerData): boolean {
  return compareData(a, b) === 0;
}

/**
 * Returns the elements sorted in Broker order (the input itself when already strictly ascending)
 * or `undefined` if two elements are equal.
 */
export function sortedUnique<T>(items: readonly T[], key: (t: T) => BrokerData): readonly T[] | undefined {
  let ascending = true;
  for (let i = 1; i < items.length; i++) {
    if (compareData(key(items[i - 1] as T), key(items[i] as T)) >= 0) {
      ascending = false;
      break;
    }
  }
  if (ascending) return items;
  const sorted = [...items].sort((x, y) => compareData(key(x), key(y)));
  for (let i = 1; i < sorted.length; i++) {
    if (compareData(key(sorted[i - 1] as T), key(sorted[i] as T)) === 0) return undefined;
  }
  return sorted;
}
