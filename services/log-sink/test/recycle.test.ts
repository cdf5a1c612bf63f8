/**
 * A file writer hands rendered lines back for reuse (the render pool sends their buffer to a
 * worker, which renders over it) only once they are in the file: never while queued or being
 * written, and each exactly once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { metrics } from '@opentelemetry/api';
import { pino } from 'pino';
import { decodeLogBatch } from '@zeek-relay/wire';
import { RateLimitedLog } from '@zeek-relay/zmq';
import { WriteBudget } from '../src/backpressure.js';
import { resolveSinkConfig } from '../src/config.js';
import { createFileOutput } from '../src/file-output.js';
import { SinkMetrics } from '../src/metrics.js';
import { countsBatch } from './helpers/batches.js';
import { removeDir, tempDir } from './helpers/sink-harness.js';

test('written lines are recycled after they reached the file, once each', async () => {
  const dir = await tempDir();
  const log = pino({ level: 'silent' });
  const budget = new WriteBudget(1 << 30);
  const recycled: Uint8Array[] = [];
  const out = createFileOutput('tsv', dir, resolveSinkConfig({ logDir: dir, rotationIntervalSeconds: 0 }), {
    log,
    warn: new RateLimitedLog(log),
    metrics: new SinkMetrics(metrics.getMeter('test'), { batches: () => 0, bytes: () => 0 }, 10),
    budget,
    now: () => new Date(),
    stats: { writeFailures: 0, pathsRejected: 0, rejectedBatches: 0 },
    recycle: (bytes) => {
      const text = readFileSync(join(dir, 'r.log'), 'latin1');
      assert.ok(text.includes(Buffer.from(bytes).toString('latin1')), 'recycled before it was written');
      recycled.push(bytes);
    },
  });
  try {
    await out.start();
    const { header } = decodeLogBatch(countsBatch([0], 'r'));
    const lines = Array.from({ length: 50 }, (_, i) => Buffer.from(`${i}-a\n${i}-b\n`));
    for (const l of lines) out.writeRendered?.(header, l);
    assert.equal(recycled.length, 0, 'nothing recycled while queued');
    await out.flush();
    assert.equal(recycled.length, lines.length);
    assert.deepEqual(new Set(recycled), new Set(lines));
    await out.close();
  } finally {
    await removeDir(dir);
  }
});
