import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogBatchHeader, LogRecord } from '@zeek-relay/wire';
import { LogBuffer } from '../src/log-buffer.js';

/** Three streams of one `ts` column each: enough for the buffering rules. */
const header = (path: string): LogBatchHeader => ({
  stream: `${path}::LOG`,
  writer: 'Log::WRITER_ASCII',
  filter: 'default',
  path,
  fields: [{ name: 'ts', type: 'time', subtype: 'void', optional: false }],
});
const STREAM_HEADERS = { conn: header('conn'), dns: header('dns'), http: header('http') };
const gen = { record: (_path: string, ts: number): LogRecord => [{ type: 'time', value: ts }] };

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
