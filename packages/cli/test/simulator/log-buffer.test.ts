import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogBuffer } from '../../src/simulator/log-buffer.js';
import {
  createRandom,
  RecordGenerator,
  STREAM_HEADERS,
  STREAM_NAMES,
} from '../../src/simulator/log-streams.js';

const gen = new RecordGenerator(createRandom(7));

test('a buffer becomes a batch at write_buffer_size records, per stream', () => {
  const b = new LogBuffer({ writeBufferSize: 3, flushIntervalMs: 1000 }, 0);
  assert.equal(b.write(STREAM_HEADERS.conn, gen.record('conn', 1)), undefined);
  assert.equal(b.write(STREAM_HEADERS.dns, gen.record('dns', 1)), undefined);
  assert.equal(b.write(STREAM_HEADERS.conn, gen.record('conn', 2)), undefined);
  const batch = b.write(STREAM_HEADERS.conn, gen.record('conn', 3));
  assert.equal(batch?.header, STREAM_HEADERS.conn);
  assert.equal(batch?.records.length, 3);
  assert.deepEqual(
    b.flushAll().map((x) => [x.header.path, x.records.length]),
    [['dns', 1]],
  );
  assert.deepEqual(b.flushAll(), [], 'empty buffers never produce a batch');
});

test('the flush interval sends every non-empty buffer; 0 disables it', () => {
  const b = new LogBuffer({ flushIntervalMs: 1000 }, 0);
  b.write(STREAM_HEADERS.http, gen.record('http', 1));
  assert.deepEqual(b.flushDue(999), []);
  assert.deepEqual(
    b.flushDue(1000).map((x) => x.records.length),
    [1],
  );
  const off = new LogBuffer({ flushIntervalMs: 0 }, 0);
  off.write(STREAM_HEADERS.http, gen.record('http', 1));
  assert.deepEqual(off.flushDue(1e9), []);
});

test('write_buffer_size 1 behaves like Log::set_buf(id, F): one batch per record', () => {
  const b = new LogBuffer({ writeBufferSize: 1 }, 0);
  assert.equal(b.write(STREAM_HEADERS.dns, gen.record('dns', 1))?.records.length, 1);
});

test('generated records have exactly one value per column of their stream', () => {
  for (const s of STREAM_NAMES) {
    for (let i = 0; i < 50; i++)
      assert.equal(gen.record(s, 1700000000 + i).length, STREAM_HEADERS[s].fields.length, s);
  }
});
