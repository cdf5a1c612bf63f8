/**
 * `npm run bench:wire [-- --json]`: throughput of the wire codecs against JSON.parse /
 * JSON.stringify of the same data, measured in the same run. Never part of `npm test`.
 */
import {
  createJsonRenderer,
  createLogBatchDecoder,
  createTsvRenderer,
  data,
  decodeBrokerData,
  decodeEvent,
  decodeLogBatch,
  encodeEvent,
  encodeLogBatch,
  formatDataMessage,
  renderDataMessage,
  transcodeDataMessage,
  type ZeekEvent,
} from '../src/index.js';
import { connBatch } from './conn-batch.js';
import { GATEWAY_INBOUND_EVENT } from './inbound-event.js';

const MEASURE_MS = Number(process.argv.find((a) => a.startsWith('--ms='))?.slice(5) ?? 1500);
const asJson = process.argv.includes('--json');

const SLICE_MS = 20;

/** Process CPU time in ms (user + system): robust when other work competes for the cores. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Calls per CPU second of `fn` within one slice of about `ms` CPU milliseconds. */
function slice(fn: () => unknown, ms: number): number {
  let n = 0;
  const start = cpuMs();
  let now = start;
  while (now - start < ms) {
    fn();
    n++;
    now = cpuMs();
  }
  return (n * 1000) / (now - start);
}

/**
 * Measures all functions interleaved in short slices (round robin) and reports the median
 * slice rate of each, in calls per CPU second: the CPU is shared with other work, and
 * interleaving exposes subject and anchor to the same conditions.
 */
function rates(fns: (() => unknown)[]): number[] {
  for (const fn of fns) slice(fn, MEASURE_MS / 4);
  const samples: number[][] = fns.map(() => []);
  const rounds = Math.max(5, Math.round(MEASURE_MS / SLICE_MS));
  for (let r = 0; r < rounds; r++) fns.forEach((fn, i) => samples[i]?.push(slice(fn, SLICE_MS)));
  return samples.map((s) => {
    s.sort((x, y) => x - y);
    return s[Math.floor(s.length / 2)] ?? NaN;
  });
}

let sink: unknown = 0;
/** Keeps results observable so the optimiser cannot drop the work. */
const keep = (x: unknown): void => {
  if (x === sink) sink = x;
};

// Log batches: 1000 conn-like records, as Zeek sends them.
const batch = connBatch(1000);
const N = batch.records.length;
const payload = encodeLogBatch(batch);
const tsv = createTsvRenderer(batch.header);
const json = createJsonRenderer(batch.header);
const jsonText = Buffer.from(json.records(batch.records)).toString('utf8');
const jsonLines = jsonText.split('\n').slice(0, -1);
const parsed = jsonLines.map((l) => JSON.parse(l) as unknown);
const decoder = createLogBatchDecoder();

/** What the sink does per batch: cached header, then payload → TSV text. */
function payloadToTsv(): Uint8Array {
  const { offset } = decoder.decodeHeader(payload);
  return tsv.recordsFromPayload(payload, offset);
}

const [decodeTsv, twoStepTsv, decodeJson, decodeOnly, tsvOnly, jsonParse, jsonStringify] = rates([
  () => keep(payloadToTsv()),
  () => keep(tsv.records(decoder.decode(payload).records)),
  () => keep(json.recordsFromPayload(payload, decoder.decodeHeader(payload).offset)),
  () => keep(decodeLogBatch(payload).records),
  () => keep(tsv.records(batch.records)),
  () => {
    for (const l of jsonLines) keep(JSON.parse(l));
  },
  () => {
    for (const o of parsed) keep(JSON.stringify(o));
  },
]).map((x) => x * N) as [number, number, number, number, number, number, number];

// Events: a typical cluster event with a few arguments and network-time metadata.
const event: ZeekEvent = {
  name: 'Cluster::Backend::ZeroMQ::hello',
  args: [
    data.string('worker-1'),
    data.string('zeromq_worker-1_host_1234_NabcdefgHIJKLMNOP'),
    data.count(42),
    data.address('192.168.1.100'),
    data.port(443, 'tcp'),
    data.vector(data.string('a'), data.real(1.5), data.timestamp(1700000000123456789n)),
  ],
  metadata: [{ id: 1n, value: data.timestamp(1700000000500000000n) }],
};
const eventJson = JSON.stringify({
  name: event.name,
  args: [
    'worker-1',
    'zeromq_worker-1_host_1234_NabcdefgHIJKLMNOP',
    42,
    '192.168.1.100',
    '443/tcp',
    ['a', 1.5, 1700000000.1234567],
  ],
  metadata: [[1, 1700000000.5]],
});
const eventObj = JSON.parse(eventJson) as unknown;
/** The event payload, or undefined when the broker-bin-v1 codec is not usable yet. */
function eventPayload(): Uint8Array | undefined {
  try {
    const bytes = encodeEvent(event);
    decodeEvent(bytes);
    return bytes;
  } catch (err) {
    console.error(`event codec not available: ${(err as Error).message}`);
    return undefined;
  }
}
const eventBytes = eventPayload();
const eventFns = [() => keep(JSON.parse(eventJson)), () => keep(JSON.stringify(eventObj))];
if (eventBytes)
  eventFns.push(
    () => keep(encodeEvent(event)),
    () => keep(decodeEvent(eventBytes).args),
  );
const [eventParse = NaN, eventStringify = NaN, eventEncode = NaN, eventDecode = NaN] = rates(eventFns);

// Cluster → WebSocket client: a Zeek-like ≈200-byte event (name, strings, counts, addresses,
// ports, an enum) rendered as a data-message text frame, one pass vs decode tree + format.
const wsEvent = encodeEvent({
  name: 'Site::connection_seen',
  args: [
    data.string('CHhAvVGS1DHFjwGM9'),
    data.string('worker-1'),
    data.count(42),
    data.count(1234567),
    data.count(98765),
    data.address('192.168.1.100'),
    data.port(51234, 'tcp'),
    data.address('10.20.30.40'),
    data.port(443, 'tcp'),
    data.string('Mozilla/5.0 (X11; Linux x86_64)'),
    data.enumValue('Conn::LOG'),
  ],
});
const wsTopic = new TextEncoder().encode('zeek/event/site');
// 16 events per timed call: one process.cpuUsage() (≈0.5 µs here) per event would otherwise
// weigh on both sides and flatten the ratio.
const WS_BATCH = 16;
const [wsRender, wsTwoStep] = rates([
  () => {
    for (let i = 0; i < WS_BATCH; i++) keep(renderDataMessage(wsTopic, wsEvent));
  },
  () => {
    for (let i = 0; i < WS_BATCH; i++) keep(formatDataMessage(wsTopic, decodeBrokerData(wsEvent)));
  },
]).map((x) => x * WS_BATCH) as [number, number];

// WebSocket client → cluster: the gateway's inbound hot path, a client's data message (an event
// with counts, strings, an address and a port) transcoded to broker-bin-v1 in one pass, against
// JSON.parse of the same frame's text (which only builds JS objects).
const inEvent = Buffer.from(GATEWAY_INBOUND_EVENT);
const [inTranscode, inParse] = rates([
  () => {
    for (let i = 0; i < WS_BATCH; i++) keep(transcodeDataMessage(inEvent));
  },
  () => {
    for (let i = 0; i < WS_BATCH; i++) keep(JSON.parse(inEvent.toString()));
  },
]).map((x) => x * WS_BATCH) as [number, number];

interface Result {
  name: string;
  subject: number;
  anchor: number;
  unit: string;
  ratio: number;
  goal: number | null;
  higherIsBetter: true;
}
const results: Result[] = [
  [
    'log batch decode + TSV render vs JSON.parse of the same JSON lines',
    decodeTsv,
    jsonParse,
    'records/s',
    1,
  ],
  ['log batch decode to values, then TSV render, vs JSON.parse', twoStepTsv, jsonParse, 'records/s', null],
  [
    'log batch decode + JSON render vs JSON.stringify of the same records',
    decodeJson,
    jsonStringify,
    'records/s',
    null,
  ],
  ['log batch decode only vs JSON.parse', decodeOnly, jsonParse, 'records/s', null],
  ['TSV render only vs JSON.stringify', tsvOnly, jsonStringify, 'records/s', null],
  [
    'event encode (broker-bin-v1) vs JSON.stringify of the event',
    eventEncode,
    eventStringify,
    'events/s',
    null,
  ],
  ['event decode (broker-bin-v1) vs JSON.parse of the event', eventDecode, eventParse, 'events/s', null],
  [
    'event payload → WebSocket data-message, one pass (renderDataMessage) vs formatDataMessage(decodeBrokerData)',
    wsRender,
    wsTwoStep,
    'events/s',
    2,
  ],
  ['transcode gateway inbound event vs JSON.parse(toString)', inTranscode, inParse, 'events/s', 1.3],
].map(([name, subject, anchor, unit, goal]) => ({
  name: name as string,
  subject: Math.round(subject as number),
  anchor: Math.round(anchor as number),
  unit: unit as string,
  ratio: Math.round(((subject as number) / (anchor as number)) * 100) / 100,
  goal: goal as number | null,
  higherIsBetter: true,
}));

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
console.log(
  `@zeek-relay/wire benchmark (node ${process.version}; rates per CPU second, median of ${SLICE_MS} ms slices)`,
);
console.log(`conn-like batch: ${N} records, ${payload.length} bytes; JSON lines ${jsonText.length} bytes`);
console.log(
  `data-message render: ${wsEvent.length}-byte event, ${(1e6 / wsRender).toFixed(2)} µs one pass vs ` +
    `${(1e6 / wsTwoStep).toFixed(2)} µs decode + format`,
);
console.log(
  `inbound transcode: ${inEvent.length}-byte data message, ${(1e6 / inTranscode).toFixed(2)} µs ` +
    `transcodeDataMessage vs ${(1e6 / inParse).toFixed(2)} µs JSON.parse(toString)`,
);
for (const r of results) {
  const goal = r.goal === null ? '' : `  (goal ≥ ${r.goal}× → ${r.ratio >= r.goal ? 'met' : 'NOT met'})`;
  console.log(`${r.name}\n  ${fmt(r.subject)} vs ${fmt(r.anchor)} ${r.unit}  = ${r.ratio}×${goal}`);
}
if (asJson) console.log(JSON.stringify({ results }));
