import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/controller/work-queue.js';

test('duplicate keys wait once', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  q.shutDown();
});

test('a key added while in flight is handed out again only after done()', async () => {
  const q = new WorkQueue();
  q.add('a');
  assert.equal(await q.get(), 'a');
  q.add('a');
  assert.equal(q.length, 0);
  q.done('a');
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  q.shutDown();
});

test('failures back off per key and shutDown releases waiters', async () => {
  const q = new WorkQueue({ baseDelayMs: 1 });
  q.addRateLimited('x');
  assert.equal(await q.get(), 'x');
  q.done('x');
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
});
