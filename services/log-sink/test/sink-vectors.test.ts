/**
 * The vectors' batches pushed through a real PUSH socket into the sink, rendered to TSV and JSON
 * files: byte-identical to what a Zeek 8.0.10 logger wrote for the same batches (captured), apart
 * from the wall-clock `#open`/`#close` values, which are checked against the sink's clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { formatLogTimestamp } from '@zeek-relay/wire';
import { fixture, hex, normalizeTimes, type BatchVector } from './helpers/fixtures.js';
import { read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

const captured = fixture<{ vectors: BatchVector[] }>('captured/log-batches.json').vectors;
const derived = fixture<{ vectors: BatchVector[] }>('log-batches.json').vectors;
const clock = new Date(2026, 10, 24, 20, 57, 30);

// Render on the main thread and in workers, through the record loops generated per schema and
// (renderSpecialised false) through the generic per-value path.
for (const [renderThreads, renderSpecialised] of [
  [0, true],
  [2, true],
  [0, false],
] as const)
  for (const v of [...captured, ...derived].filter((x) => x.ascii_writer_output !== undefined)) {
    test(`${v.name}: TSV and JSON files equal the Zeek 8.0.10 logger's (render threads: ${renderThreads}${renderSpecialised ? '' : ', generic render'})`, async () => {
      const dir = await tempDir();
      const h = await startSink(
        dir,
        { outputs: ['tsv', 'json'], renderThreads, renderSpecialised, zeekVersion: '8.0' },
        { now: () => clock },
      );
      const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
      try {
        await node.sendBatchBlocking(hex(v.hex));
        await until(() => h.sink.stats.batches === 1);
        await h.sink.close();
        const tsv = await read(dir, `${v.decoded.path}.log`);
        assert.equal(normalizeTimes(tsv), normalizeTimes(v.ascii_writer_output ?? ''));
        const stamp = formatLogTimestamp(clock);
        assert.match(tsv, new RegExp(`^#open\\t${stamp}$`, 'm'));
        assert.match(tsv, new RegExp(`^#close\\t${stamp}$`, 'm'));
        const json = await read(join(dir, 'json'), `${v.decoded.path}.log`);
        assert.equal(json, v.json_writer_output);
      } finally {
        node.close();
        await h.sink.close();
        await removeDir(dir);
      }
    });
  }

test('default (Zeek 8.2): interval and time columns use fixed six decimals', async () => {
  const v = captured.find((x) => x.name === 'alltypes-four-records');
  assert.ok(v);
  const dir = await tempDir();
  const h = await startSink(dir, {});
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    await node.sendBatchBlocking(hex(v.hex));
    await until(() => h.sink.stats.batches === 1);
    await h.sink.close();
    const lines = (await read(dir, 'alltypes.log')).split('\n').filter((l) => !l.startsWith('#') && l !== '');
    assert.equal(lines.length, 4);
    // Zeek 8.0 writes 2.385642157e+09 for time values ≥ 2^31−1 (log-batch.md §5.4); 8.2+ never uses an exponent.
    assert.doesNotMatch(lines.join('\n'), /\de\+\d/);
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('JSON with jsonTimestamps=iso8601: time columns as UTC ISO 8601 strings (LogAscii::json_timestamps)', async () => {
  const v = captured.find((x) => x.name === 'conn-like-two-records');
  assert.ok(v?.json_writer_output);
  const dir = await tempDir();
  const h = await startSink(dir, { outputs: ['json'], jsonTimestamps: 'iso8601', zeekVersion: '8.0' });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
  try {
    await node.sendBatchBlocking(hex(v.hex));
    await until(() => h.sink.stats.batches === 1);
    await h.sink.close();
    // 1700000000 s = 2023-11-14T22:13:20Z; the other columns are as in the epoch capture
    const expected = v.json_writer_output
      .replace('"ts":1700000000.123456,', '"ts":"2023-11-14T22:13:20.123456Z",')
      .replace('"ts":1700000001.5,', '"ts":"2023-11-14T22:13:21.500000Z",');
    assert.notEqual(expected, v.json_writer_output);
    assert.equal(await read(dir, 'conn.log'), expected);
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});
