/**
 * fast-check generators for Broker values, events and byte mutations, shared by the property
 * tests and `npm run fuzz`.
 */
import fc from 'fast-check';
import { isLosslessNumber, parse as losslessParse, stringify as losslessStringify } from 'lossless-json';
import {
  dataEquals,
  dataToJson,
  type BrokerData,
  type MetadataEntry,
  type PortProtocol,
  type ZeekEvent,
} from '../../src/index.js';

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const MIN_NORMAL = 2.2250738585072014e-308;

/** Options narrowing values to what a format carries losslessly. */
export interface DataArbOptions {
  /** Only values that survive Broker JSON text exactly (reals, timestamps, subnets, UTF-8). */
  readonly jsonExact?: boolean;
  readonly maxDepth?: number;
}

const protocols: PortProtocol[] = ['unknown', 'tcp', 'udp', 'icmp'];

function v4Mapped(): fc.Arbitrary<Uint8Array> {
  return fc
    .uint8Array({ minLength: 4, maxLength: 4 })
    .map((b) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, ...b]));
}

function maskTo(a: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(a);
  for (let bit = len; bit < 128; bit++) out[bit >> 3] = (out[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  return out;
}

/** Leaf (non-container) values. */
export function leafArb(opts: DataArbOptions = {}): fc.Arbitrary<BrokerData> {
  const exact = opts.jsonExact === true;
  const address = fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), v4Mapped());
  const real = exact
    ? fc.oneof(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n) => n / 64),
        fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e300, -(2 ** 70)),
      )
    : fc.double().map((x) => (x !== 0 && Math.abs(x) < MIN_NORMAL ? 0 : x));
  const bytes = exact
    ? fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => new TextEncoder().encode(s))
    : fc.uint8Array({ maxLength: 24 });
  const subnet = exact
    ? fc
        .oneof(
          fc.tuple(v4Mapped(), fc.integer({ min: 96, max: 128 })),
          fc.tuple(
            fc
              .uint8Array({ minLength: 16, maxLength: 16 })
              .filter((a) => !(a[10] === 255 && a[11] === 255 && a.slice(0, 10).every((x) => x === 0))),
            fc.integer({ min: 0, max: 128 }),
          ),
        )
        .map(([a, length]): BrokerData => ({ type: 'subnet', address: maskTo(a, length), length }))
    : fc
        .tuple(address, fc.integer({ min: 0, max: 255 }))
        .map(([a, length]): BrokerData => ({ type: 'subnet', address: a, length }));
  const ns = fc.bigInt({ min: I64_MIN, max: I64_MAX });
  const timestamp = exact ? fc.bigInt({ min: 0n, max: 9_000_000_000_000n }).map((ms) => ms * 1_000_000n) : ns;
  return fc.oneof(
    fc.constant<BrokerData>({ type: 'none' }),
    fc.boolean().map((value): BrokerData => ({ type: 'boolean', value })),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value): BrokerData => ({ type: 'count', value })),
    fc.bigInt({ min: I64_MIN, max: I64_MAX }).map((value): BrokerData => ({ type: 'integer', value })),
    real.map((value): BrokerData => ({ type: 'real', value })),
    bytes.map((value): BrokerData => ({ type: 'string', value })),
    address.map((value): BrokerData => ({ type: 'address', value })),
    subnet,
    fc
      .tuple(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(...protocols))
      .map(([value, protocol]): BrokerData => ({ type: 'port', value, protocol })),
    timestamp.map((value): BrokerData => ({ type: 'timestamp', value })),
    ns.map((value): BrokerData => ({ type: 'timespan', value })),
    bytes.map((value): BrokerData => ({ type: 'enum_value', value })),
  );
}

/** Any Broker value, containers nested up to `maxDepth` (default 3). */
export function dataArb(opts: DataArbOptions = {}): fc.Arbitrary<BrokerData> {
  const leaf = leafArb(opts);
  const { tree } = fc.letrec<{ tree: BrokerData }>((tie) => ({
    tree: fc.oneof(
      { maxDepth: opts.maxDepth ?? 3, depthIdentifier: 'data' },
      leaf,
      fc.array(tie('tree'), { maxLength: 4 }).map((value): BrokerData => ({ type: 'vector', value })),
      fc
        .uniqueArray(tie('tree'), { maxLength: 4, comparator: dataEquals })
        .map((value): BrokerData => ({ type: 'set', value })),
      fc
        .uniqueArray(fc.tuple(tie('tree'), tie('tree')), {
          maxLength: 3,
          comparator: (a, b) => dataEquals(a[0], b[0]),
        })
        .map((value): BrokerData => ({ type: 'table', value })),
    ),
  }));
  return tree;
}

/** Random events, with or without metadata (network timestamp or custom ids). */
export function eventArb(opts: DataArbOptions = {}): fc.Arbitrary<ZeekEvent> {
  const entry: fc.Arbitrary<MetadataEntry> = fc.oneof(
    fc.bigInt({ min: 0n, max: 1n << 62n }).map(
      (ns): MetadataEntry => ({
        id: 1n,
        value: { type: 'timestamp', value: opts.jsonExact ? ns - (ns % 1_000_000n) : ns },
      }),
    ),
    fc
      .tuple(fc.bigInt({ min: 2n, max: 1n << 40n }), dataArb({ ...opts, maxDepth: 1 }))
      .map(([id, value]): MetadataEntry => ({ id, value })),
  );
  return fc.record(
    {
      name: fc
        .string({ minLength: 1, maxLength: 30 })
        .filter((s) => new TextDecoder().decode(new TextEncoder().encode(s)) === s),
      args: fc.array(dataArb({ ...opts, maxDepth: 2 }), { maxLength: 5 }),
      metadata: fc.option(fc.array(entry, { maxLength: 3 }), { nil: undefined }),
    },
    { requiredKeys: ['name', 'args'] },
  );
}

/** Mutations of a valid encoding: truncation, byte flips, insertions, deletions. */
export function mutatedArb(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      base,
      fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.integer({ min: 0, max: 3 })), {
        minLength: 1,
        maxLength: 4,
      }),
    )
    .map(([b, ops]) => {
      let out = Uint8Array.from(b);
      for (const [pos, byte, kind] of ops) {
        const p = out.length === 0 ? 0 : pos % (out.length + 1);
        if (kind === 0) out = out.slice(0, p);
        else if (kind === 1 && p < out.length) out[p] = byte;
        else if (kind === 2) out = Uint8Array.from([...out.slice(0, p), byte, ...out.slice(p)]);
        else out = Uint8Array.from([...out.slice(0, p), ...out.slice(p + 1)]);
      }
      return out;
    });
}

/**
 * JSON text of a value with members in random order, random whitespace and unknown extra keys
 * (all allowed on input), printed from lossless-json's tree so numbers keep their exact text.
 */
export function shuffledJsonArb(base: fc.Arbitrary<BrokerData>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(base, fc.array(fc.nat(1000), { minLength: 16, maxLength: 16 })).map(([v, rnd]) => {
    let i = 0;
    const next = (): number => rnd[i++ % rnd.length] as number;
    const ws = (): string => [' ', '', '\n', '\t ', ''][next() % 5] as string;
    const print = (node: unknown): string => {
      if (Array.isArray(node)) return `[${ws()}${node.map(print).join(`,${ws()}`)}${ws()}]`;
      if (node !== null && typeof node === 'object' && !isLosslessNumber(node)) {
        const entries = Object.entries(node as Record<string, unknown>).map(
          ([k, x]) => `${JSON.stringify(k)}${ws()}:${ws()}${print(x)}`,
        );
        if (next() % 4 === 0) entries.push(`"x-extra":${ws()}[1,{"a":null}]`);
        for (let k = entries.length - 1; k > 0; k--) {
          const j = next() % (k + 1);
          [entries[k], entries[j]] = [entries[j] as string, entries[k] as string];
        }
        return `{${ws()}${entries.join(`,${ws()}`)}${ws()}}`;
      }
      return losslessStringify(node) as string;
    };
    return new TextEncoder().encode(print(losslessParse(dataToJson(v))));
  });
}

/** JSON fragments that probe the value rules (types, ranges, literal forms). */
const EDGE_TOKENS = [
  '0',
  '-0',
  '1',
  '-1',
  '1.0',
  '1e3',
  '-1.5e-3',
  '18446744073709551615',
  '18446744073709551616',
  '9223372036854775807',
  '-9223372036854775808',
  '-9223372036854775809',
  '1e400',
  'true',
  'false',
  'null',
  '{}',
  '[]',
  '""',
  '"NaN"',
  '"Infinity"',
  '"x"',
  '"1.2.3.4"',
  '"::1"',
  '"10.0.0.0/8"',
  '"10.0.0.0/33"',
  '"80/tcp"',
  '"80"',
  '"70000/udp"',
  '"/tcp"',
  '"2023-11-14T22:13:20.5Z"',
  '"2023-13-01T00:00:00"',
  '"1.5s"',
  '"1d"',
  '"-2us"',
  '"\\ud800"',
  '"\\u0000"',
  '"count"',
  '"vector"',
  '"enum-value"',
  '"money"',
  '[{"@data-type":"none"}]',
  '[{"key":{"@data-type":"none"}}]',
];

/**
 * Valid Broker JSON whose `@data-type`/`data` members are sometimes replaced by edge tokens, so
 * value-level rules (not just syntax) are exercised.
 */
export function valueMutatedJsonArb(base: fc.Arbitrary<BrokerData>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(base, fc.array(fc.nat(10_000), { minLength: 8, maxLength: 8 })).map(([v, rnd]) => {
    let i = 0;
    const next = (): number => rnd[i++ % rnd.length] as number;
    const print = (node: unknown): string => {
      if (Array.isArray(node)) return `[${node.map(print).join(',')}]`;
      if (node !== null && typeof node === 'object' && !isLosslessNumber(node)) {
        const members = Object.entries(node as Record<string, unknown>).map(([k, x]) => {
          const value = next() % 7 === 0 ? (EDGE_TOKENS[next() % EDGE_TOKENS.length] as string) : print(x);
          return `${JSON.stringify(k)}:${value}`;
        });
        return `{${members.join(',')}}`;
      }
      return losslessStringify(node) as string;
    };
    return new TextEncoder().encode(print(losslessParse(dataToJson(v))));
  });
}
