/**
 * Where the simulated workers' log records come from. Preferably from the recordings of a real
 * Zeek 8.2.2 worker (`@zeek-relay/fixtures`, `zeek-8.2/logs/<trace>/batches.json`: every batch
 * worker-1 sent while reading a trace), replayed record by record and re-stamped with the current
 * time; where that package is not installed (it is never shipped in an image) from the generator
 * of `log-streams.ts`.
 */
import { readdirSync } from 'node:fs';
import type * as Fixtures from '@zeek-relay/fixtures';
import { decodeLogBatch, type LogBatchHeader, type LogElement, type LogRecord } from '@zeek-relay/wire';
import {
  createRandom,
  RecordGenerator,
  STREAM_HEADERS,
  STREAM_NAMES,
  type StreamName,
} from './log-streams.js';

/** The next record of a stream, stamped `nowSeconds`, with the header of its batch. */
export interface LogSource {
  /** `recorded` (Zeek 8.2.2 recordings) or `generated`. */
  readonly kind: 'recorded' | 'generated';
  next(stream: StreamName, nowSeconds: number): { header: LogBatchHeader; record: LogRecord };
}

interface RecordedStream {
  readonly header: LogBatchHeader;
  readonly records: readonly LogRecord[];
  /** Column of the record's own time (`ts`), and every other top-level time column. */
  readonly tsColumn: number;
  readonly timeColumns: readonly number[];
}

interface BatchesFile {
  readonly nodes: Readonly<Record<string, string>>;
  readonly messages: ReadonlyArray<{ readonly sender: string; readonly frames: readonly string[] }>;
}

/** The generated records (seeded PRNG), headers like Zeek's default filters. */
export function generatedLogs(seed = 1): LogSource {
  const gen = new RecordGenerator(createRandom(seed));
  return {
    kind: 'generated',
    next: (stream, now) => ({ header: STREAM_HEADERS[stream], record: gen.record(stream, now) }),
  };
}

/**
 * Every record a real worker sent for `conn`, `dns` and `http` over the recorded traces, per
 * stream under the header most of them had (a batch has one schema; records of another field
 * list are left out); undefined when the fixtures are not installed or lack a stream.
 */
export async function recordedLogs(): Promise<LogSource | undefined> {
  let fixtures: typeof Fixtures;
  try {
    fixtures = await import('@zeek-relay/fixtures');
  } catch {
    return undefined;
  }
  const groups = new Map<string, { header: LogBatchHeader; records: LogRecord[] }>();
  for (const trace of readdirSync(fixtures.fixturePath('zeek-8.2', 'logs')).sort()) {
    const file = fixtures.readJsonFixture<BatchesFile>('zeek-8.2', 'logs', trace, 'batches.json');
    const worker = file.nodes['worker-1'];
    for (const m of file.messages) {
      if (m.sender !== worker) continue;
      const batch = decodeLogBatch(Buffer.from(m.frames[3] ?? '', 'hex'));
      const key = `${batch.header.path}\u0000${JSON.stringify(batch.header.fields)}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { header: batch.header, records: [] }));
      g.records.push(...batch.records);
    }
  }
  const streams = new Map<StreamName, RecordedStream>();
  for (const name of STREAM_NAMES) {
    const best = [...groups.values()]
      .filter((g) => g.header.path === name)
      .sort((a, b) => b.records.length - a.records.length)[0];
    if (best === undefined) return undefined;
    const times = best.header.fields.flatMap((f, i) => (f.type === 'time' ? [i] : []));
    streams.set(name, { ...best, tsColumn: times[0] ?? -1, timeColumns: times });
  }
  return replay(streams);
}

/** Cycles through each stream's records, shifting its times so that `ts` is now. */
function replay(streams: ReadonlyMap<StreamName, RecordedStream>): LogSource {
  const position = new Map<StreamName, number>();
  return {
    kind: 'recorded',
    next(stream, now) {
      const s = streams.get(stream)!;
      const i = position.get(stream) ?? 0;
      position.set(stream, (i + 1) % s.records.length);
      return { header: s.header, record: restamp(s, s.records[i]!, now) };
    },
  };
}

function restamp(s: RecordedStream, record: LogRecord, now: number): LogRecord {
  const ts = record[s.tsColumn];
  if (ts?.type !== 'time') return record;
  const shift = now - ts.value;
  const out: LogElement[] = [...record];
  for (const c of s.timeColumns) {
    const v = record[c];
    if (v?.type === 'time') out[c] = { type: 'time', value: v.value + shift };
  }
  return out;
}
