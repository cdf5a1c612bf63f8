/** fast-check generators for log batches (every loggable type, unset values, containers). */
import fc from 'fast-check';
import type { LogBatch, LogElement, LogField, LogTypeName, LogValue } from '../../src/index.js';

export const ATOMIC_TYPES = [
  'bool',
  'int',
  'count',
  'double',
  'time',
  'interval',
  'string',
  'enum',
  'func',
  'file',
  'port',
  'addr',
  'subnet',
] as const satisfies readonly LogTypeName[];
type Atomic = (typeof ATOMIC_TYPES)[number];

const bytes = fc.uint8Array({ maxLength: 24 });
/** Strings biased towards the bytes the writers must escape. */
const tricky = fc.oneof(
  bytes,
  fc
    .array(
      fc.constantFrom(
        0x09,
        0x2c,
        0x5c,
        0x23,
        0x2d,
        0x22,
        0x0a,
        0x41,
        0xc3,
        0xa9,
        0xff,
        0xf0,
        0x9f,
        0x98,
        0x80,
        0x00,
      ),
      {
        maxLength: 12,
      },
    )
    .map((a) => Uint8Array.from(a)),
  fc.constantFrom('-', '(empty)', '#x', '').map((s) => new TextEncoder().encode(s)),
);
const addrBytes = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
);

export function atomicValue(type: Atomic): fc.Arbitrary<LogValue> {
  switch (type) {
    case 'bool':
      return fc.boolean().map((value) => ({ type, value }));
    case 'int':
      return fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map((value) => ({ type, value }));
    case 'count':
      return fc.bigInt(0n, 2n ** 64n - 1n).map((value) => ({ type, value }));
    case 'double':
    case 'time':
    case 'interval':
      return fc
        .oneof(
          fc.double(),
          fc.double({ min: -3e9, max: 3e9, noNaN: true }),
          fc.integer().map((i) => i / 64),
        )
        .map((value) => ({ type, value }));
    case 'string':
    case 'enum':
    case 'func':
    case 'file':
      return tricky.map((value) => ({ type, value }));
    case 'port':
      return fc
        .record({
          value: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.maxSafeNat()),
          protocol: fc.constantFrom('unknown', 'tcp', 'udp', 'icmp') as fc.Arbitrary<'tcp'>,
        })
        .map(({ value, protocol }) => ({ type, value, protocol }));
    case 'addr':
      return addrBytes.map((value) => ({ type, value }));
    case 'subnet':
      return fc
        .record({ value: addrBytes, prefix: fc.integer({ min: 0, max: 255 }) })
        .map(({ value, prefix }) => ({
          type,
          value,
          prefix,
        }));
  }
}

export const fieldArb: fc.Arbitrary<LogField> = fc
  .record({
    name: fc.oneof(fc.string({ maxLength: 10 }), fc.string({ unit: 'grapheme', maxLength: 4 })),
    kind: fc.constantFrom('atomic', 'table', 'vector'),
    elem: fc.constantFrom(...ATOMIC_TYPES),
    optional: fc.boolean(),
  })
  .map(({ name, kind, elem, optional }) =>
    kind === 'atomic'
      ? { name, type: elem, subtype: 'void' as const, optional }
      : { name, type: kind as 'table' | 'vector', subtype: elem, optional },
  );

export function elementFor(f: LogField): fc.Arbitrary<LogElement> {
  if (f.type === 'table' || f.type === 'vector') {
    const type = f.type;
    const elem = atomicValue(f.subtype as Atomic);
    return fc.option(
      fc
        .array(fc.option(elem, { nil: null, freq: 6 }), { maxLength: 5 })
        .map((value): LogValue => ({ type, value })),
      { nil: null, freq: 5 },
    );
  }
  return fc.option(atomicValue(f.type as Atomic), { nil: null, freq: 5 });
}

export const batchArb: fc.Arbitrary<LogBatch> = fc
  .record({
    stream: fc.string({ maxLength: 12 }),
    writer: fc.constantFrom('Log::WRITER_ASCII', 'Log::WRITER_NONE'),
    filter: fc.string({ maxLength: 8 }),
    path: fc.string({ unit: 'grapheme', maxLength: 8 }),
    fields: fc.array(fieldArb, { minLength: 1, maxLength: 6 }),
  })
  .map((h) => ({ ...h })) // fc.record builds null-prototype objects
  .chain((header) =>
    fc
      .array(fc.tuple(...header.fields.map(elementFor)), { maxLength: 4 })
      .map((records): LogBatch => ({ header, records })),
  );
