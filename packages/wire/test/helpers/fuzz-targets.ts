/**
 * Fuzz targets shared by `npm run fuzz` (scripts/fuzz.ts) and the quick robustness test: every
 * decoder of the package fed random, truncated and mutated input must return or throw
 * `DecodeError`, never anything else; encoders must round-trip.
 */
import fc from 'fast-check';
import { readJsonFixture } from '@zeek-relay/fixtures';
import * as wire from '../../src/index.js';
import { dataArb, eventArb, mutatedArb, shuffledJsonArb, valueMutatedJsonArb } from './arbitraries.js';
import { referenceJsonToData } from './reference-json.js';

export type Outcome = 'ok' | 'rejected';
export function guard(f: () => unknown): Outcome {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof wire.DecodeError && e.code.startsWith('ZR_WIRE_')) return 'rejected';
    throw e;
  }
}

/** Topic + payload hex, or the error's class, code and reason: what two paths must agree on. */
function transcodeOutcome(f: () => { topic: string; payload: Uint8Array }): string {
  try {
    const { topic, payload } = f();
    return `ok ${JSON.stringify(topic)} ${Buffer.from(payload).toString('hex')}`;
  } catch (e) {
    if (e instanceof wire.DecodeError) return `rejected ${e.code} ${e.reason}`;
    if (e instanceof wire.EncodeError) return `rejected ${e.code}`;
    throw e;
  }
}

/** transcodeDataMessage against encodeBrokerData(parseDataMessage(…).data): same outcome. */
function transcodeAgrees(b: Uint8Array, dialect: wire.JsonDialect): Outcome {
  const fast = transcodeOutcome(() => wire.transcodeDataMessage(b, { dialect }));
  const slow = transcodeOutcome(() => {
    const m = wire.parseDataMessage(b, { dialect });
    return { topic: m.topic, payload: wire.encodeBrokerData(m.data) };
  });
  if (fast !== slow) throw new Error(`transcodeDataMessage: ${fast}; two-step: ${slow}`);
  return fast.startsWith('ok') ? 'ok' : 'rejected';
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
function logBatchSeeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of ['log-batches.json', 'captured/log-batches.json']) {
    try {
      const fx = readJsonFixture<{ vectors?: { hex?: string }[] }>('zeek-8.0', ...f.split('/'));
      for (const v of fx.vectors ?? []) if (typeof v.hex === 'string') out.push(hex(v.hex));
    } catch (cause) {
      console.error(`fuzz: could not read ${f}: ${String(cause)}`);
    }
  }
  return out;
}

export interface Target {
  name: string;
  runs: number;
  arb: fc.Arbitrary<unknown>;
  check: (input: never) => Outcome;
}
const T = <A>(name: string, runs: number, arb: fc.Arbitrary<A>, check: (a: A) => Outcome): Target => ({
  name,
  runs,
  arb,
  check: check as (input: never) => Outcome,
});

/** All fuzz targets; `scale` 1 is ≥ 10^6 cases in total. */
export function fuzzTargets(scale: number): Target[] {
  const bin = dataArb().map((v) => wire.encodeBrokerData(v));
  const events = eventArb().map((e) => wire.encodeEvent(e));
  const json = dataArb().map((v) => wire.dataToJsonBytes(v));
  const shuffled = shuffledJsonArb(dataArb());
  const messages = fc
    .tuple(eventArb(), fc.string({ maxLength: 16 }))
    .map(([e, t]) => wire.formatDataMessage(t, wire.eventToData(e)));
  const subs = fc
    .array(fc.string({ maxLength: 8 }), { maxLength: 4 })
    .map((a) => new TextEncoder().encode(JSON.stringify(a)));
  const frames = fc.array(fc.uint8Array({ maxLength: 24 }), { maxLength: 6 });
  const seeds = logBatchSeeds();
  const batches = seeds.length > 0 ? fc.constantFrom(...seeds) : fc.uint8Array({ maxLength: 64 });

  const targets = [
    T('decodeBrokerData random bytes', 100_000, fc.uint8Array({ maxLength: 48 }), (b) =>
      guard(() => wire.decodeBrokerData(b)),
    ),
    T('decodeBrokerData mutated', 200_000, mutatedArb(bin), (b) => guard(() => wire.decodeBrokerData(b))),
    T('readBrokerData at offsets', 30_000, fc.tuple(mutatedArb(bin), fc.nat(64)), ([b, o]) =>
      guard(() => wire.readBrokerData(b, o)),
    ),
    T('decodeEvent mutated', 150_000, mutatedArb(events), (b) => guard(() => wire.decodeEvent(b))),
    T('broker-bin-v1 value round trip', 100_000, dataArb(), (v) => {
      const back = wire.decodeBrokerData(wire.encodeBrokerData(v));
      if (!wire.dataEquals(back, v)) throw new Error('round trip changed the value');
      return 'ok';
    }),
    T('jsonToData mutated', 150_000, mutatedArb(json), (b) => guard(() => wire.jsonToData(b))),
    T('jsonToData (zeek dialect) mutated', 50_000, mutatedArb(json), (b) =>
      guard(() => wire.jsonToData(b, { dialect: 'zeek' })),
    ),
    T('jsonToData random bytes', 30_000, fc.uint8Array({ maxLength: 48 }), (b) =>
      guard(() => wire.jsonToData(b)),
    ),
    T(
      'jsonToData vs lossless-json reference',
      50_000,
      fc.oneof(json, shuffled, mutatedArb(shuffled), valueMutatedJsonArb(dataArb())),
      (b) => {
        const ours = guard(() => wire.jsonToData(b));
        const ref = guard(() => referenceJsonToData(b));
        if (ours !== ref) throw new Error(`reader ${ours}, reference ${ref}`);
        if (ours === 'ok' && !wire.dataEquals(wire.jsonToData(b), referenceJsonToData(b)))
          throw new Error('values differ');
        return ours;
      },
    ),
    T('JSON exact round trip', 50_000, dataArb({ jsonExact: true }), (v) => {
      if (!wire.dataEquals(wire.jsonToData(wire.dataToJson(v)), v))
        throw new Error('JSON round trip changed the value');
      return 'ok';
    }),
    T('parseDataMessage mutated', 100_000, mutatedArb(messages), (b) =>
      guard(() => wire.parseDataMessage(b)),
    ),
    T('transcodeDataMessage = two-step, mutated', 60_000, fc.oneof(messages, mutatedArb(messages)), (b) =>
      transcodeAgrees(b, 'json'),
    ),
    T('transcodeDataMessage = two-step (zeek dialect)', 20_000, mutatedArb(messages), (b) =>
      transcodeAgrees(b, 'zeek'),
    ),
    T('parseSubscriptions mutated', 30_000, mutatedArb(subs), (b) => guard(() => wire.parseSubscriptions(b))),
    T(
      'brokerJsonV1Serializer.decode mutated',
      20_000,
      mutatedArb(events.map((e) => wire.brokerJsonV1Serializer.encode(wire.decodeEvent(e)))),
      (b) => guard(() => wire.brokerJsonV1Serializer.decode(b)),
    ),
    T('decodeEventFrames / decodeLogFrames', 30_000, frames, (f) => {
      guard(() => wire.decodeLogFrames(f));
      return guard(() => wire.decodeEventFrames(f));
    }),
    T('parseSubscriptionFrame', 20_000, fc.uint8Array({ maxLength: 24 }), (b) =>
      guard(() => wire.parseSubscriptionFrame(b)),
    ),
    T(`decodeLogBatch mutated (${seeds.length} captured seeds)`, 100_000, mutatedArb(batches), (b) => {
      guard(() => wire.decodeLogBatchHeader(b));
      return guard(() => wire.decodeLogBatch(b));
    }),
    T('decodeLogBatch random bytes', 20_000, fc.uint8Array({ maxLength: 64 }), (b) =>
      guard(() => wire.decodeLogBatch(b)),
    ),
  ];
  return targets.map((t) => ({ ...t, runs: Math.round(t.runs * scale) }));
}
