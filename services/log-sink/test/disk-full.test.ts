/**
 * A real full disk (a 256 KiB tmpfs, so the kernel returns ENOSPC): writes fail and are retried,
 * the queue fills to maxQueuedBytes and intake stops reading (backpressure with the file
 * writer), nothing is dropped; once space returns every record is written exactly once and the
 * file holds only complete lines. Needs root (mount); skipped otherwise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countsBatch } from './helpers/batches.js';
import { read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

test(
  'disk full: retried without loss or duplicates; intake stops meanwhile',
  { timeout: 60_000 },
  async (t) => {
    const dir = await tempDir();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], {
      encoding: 'utf8',
    });
    if (mounted.status !== 0) {
      await removeDir(dir);
      t.skip(`cannot mount a tmpfs here (${mounted.stderr.trim() || 'not root'})`);
      return;
    }
    const filler = join(dir, 'filler');
    try {
      // Leave room for the header and a few batches only.
      await writeFile(filler, Buffer.alloc(240 * 1024, 0x41)).catch(() => undefined);
      const h = await startSink(dir, { maxQueuedBytes: 16 * 1024, renderThreads: 0, fsyncIntervalMs: 0 });
      const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'zeromq_worker-1_test_1_N1' });
      try {
        const batches = 150;
        for (let b = 0; b < batches; b++)
          await node.sendBatchBlocking(
            countsBatch(
              Array.from({ length: 50 }, (_, i) => 1_000_000 + b * 50 + i),
              'seq',
            ),
          );
        await until(() => h.sink.stats.writeFailures > 0 && h.sink.stats.intakePauses > 0);
        const acceptedWhileFull = h.sink.stats.batches;
        assert.ok(
          acceptedWhileFull < batches,
          `intake stopped (accepted ${acceptedWhileFull} of ${batches})`,
        );
        await rm(filler);
        await until(() => h.sink.stats.batches === batches);
        await h.sink.close();
        const text = await read(dir, 'seq.log');
        assert.ok(text.endsWith('\n'));
        const values = text
          .split('\n')
          .filter((l) => l !== '' && !l.startsWith('#'))
          .map(Number);
        assert.deepEqual(
          values,
          Array.from({ length: batches * 50 }, (_, i) => 1_000_000 + i),
        );
      } finally {
        node.close();
        await h.sink.close();
      }
    } finally {
      spawnSync('umount', [dir]);
      await removeDir(dir);
    }
  },
);
