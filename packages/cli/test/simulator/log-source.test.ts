/**
 * The simulated workers' log records: replayed from the Zeek 8.2.2 recordings (fixtures
 * zeek-8.2/logs) with times shifted to now, or generated.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonFixture } from '@zeek-relay/fixtures';
import { decodeLogBatch, type LogRecord } from '@zeek-relay/wire';
import { generatedLogs, recordedLogs } from '../../src/simulator/log-source.js';
import { STREAM_HEADERS, STREAM_NAMES } from '../../src/simulator/log-streams.js';

const time = (r: LogRecord, column: number): number => {
  const v = r[column];
  assert.equal(v?.type, 'time');
  return v.value;
};

test('recorded records are a real worker’s, in order, with every time shifted so that ts is now', async () => {
  const source = await recordedLogs();
  assert.equal(source?.kind, 'recorded');
  // The first conn batch worker-1 sent for the first trace (sorted by name), straight from the fixture.
  const file = readJsonFixture<{
    nodes: Record<string, string>;
    messages: Array<{ sender: string; path: string; frames: string[] }>;
  }>('zeek-8.2', 'logs', 'bro.org', 'batches.json');
  const first = file.messages.find((m) => m.sender === file.nodes['worker-1'] && m.path === 'conn')!;
  const batch = decodeLogBatch(Buffer.from(first.frames[3]!, 'hex'));
  const now = 2_000_000_000.25;
  const got = source!.next('conn', now);
  assert.deepEqual(
    got.header.fields.map((f) => f.name),
    batch.header.fields.map((f) => f.name),
  );
  assert.equal(got.header.stream, 'Conn::LOG');
  const ts = got.header.fields.findIndex((f) => f.name === 'ts');
  assert.equal(time(got.record, ts), now);
  const want = batch.records[0]!;
  // Every other column is the recorded value.
  for (const [i, v] of want.entries())
    if (i !== ts) assert.deepEqual(got.record[i], v, got.header.fields[i]!.name);
  // The next call gives the next recorded record.
  assert.deepEqual(source!.next('conn', now).record[ts + 1], batch.records[1]![ts + 1]);
  for (const s of STREAM_NAMES) assert.equal(source!.next(s, now).header.path, s);
});

test('generated records have exactly one value per column of their stream', () => {
  const gen = generatedLogs(7);
  for (const s of STREAM_NAMES) {
    for (let i = 0; i < 50; i++) {
      const { header, record } = gen.next(s, 1700000000 + i);
      assert.equal(header, STREAM_HEADERS[s]);
      assert.equal(record.length, header.fields.length, s);
    }
  }
});
