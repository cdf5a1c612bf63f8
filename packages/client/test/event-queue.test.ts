import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, resolveReconnect } from '../src/backoff.js';
import { EventQueue } from '../src/event-queue.js';

test('the queue yields in order, signals pressure at the high-water mark, and drains before ending', async () => {
  const pressure: boolean[] = [];
  const q = new EventQueue<number>(4, (high) => pressure.push(high));
  for (let i = 0; i < 6; i++) q.push(i);
  assert.deepEqual(pressure, [true]);
  q.end();
  q.push(99); // ignored after end
  const got: number[] = [];
  for await (const v of q) got.push(v);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(pressure, [true, false]);
});

test('fail() delivers buffered items, then throws', async () => {
  const q = new EventQueue<string>(10);
  q.push('a');
  q.fail(Object.assign(new Error('gone'), { code: 'ZR_CLIENT_CLOSED' }));
  assert.deepEqual(await q.next(), { value: 'a', done: false });
  await assert.rejects(q.next(), { code: 'ZR_CLIENT_CLOSED' });
});

test('a pending read is resolved by push and by end', async () => {
  const q = new EventQueue<number>(10);
  const p = q.next();
  q.push(7);
  assert.deepEqual(await p, { value: 7, done: false });
  const p2 = q.next();
  q.end();
  assert.deepEqual(await p2, { value: undefined, done: true });
});

test('backoff grows exponentially with jitter in the upper half and is capped', () => {
  const policy = resolveReconnect({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2 });
  assert.equal(
    backoffDelay(policy, 0, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(policy, 0, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(policy, 3, () => 1),
    800,
  );
  assert.equal(
    backoffDelay(policy, 10, () => 1),
    1000,
  );
  assert.equal(resolveReconnect(false).enabled, false);
});
