/** The free buffers the render pool moves between threads (buffer-pool.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool, MIN_POOLED_BYTES, sizeClass } from '../src/buffer-pool.js';

test('size classes are powers of two from 64 KiB', () => {
  assert.equal(sizeClass(0), MIN_POOLED_BYTES);
  assert.equal(sizeClass(65536), 65536);
  assert.equal(sizeClass(65537), 131072);
  assert.equal(sizeClass(351625), 524288);
});

test('buffers come back by size class, a bounded number of each; odd and detached ones are dropped', () => {
  const pool = new BufferPool(2);
  const a = pool.take(100_000);
  assert.equal(a.byteLength, 131072);
  pool.give(a);
  assert.equal(pool.take(70_000), a, 'the free one of the class is reused');
  assert.equal(pool.takeFree(131072), undefined);
  pool.give(new ArrayBuffer(131072));
  pool.give(new ArrayBuffer(131072));
  pool.give(new ArrayBuffer(131072)); // a third of the class: dropped
  assert.equal(pool.size, 2);
  pool.give(new ArrayBuffer(100_000)); // not a class size (a copied-out small result)
  const detached = new ArrayBuffer(65536);
  structuredClone(detached, { transfer: [detached] });
  pool.give(detached);
  assert.equal(pool.size, 2);
  assert.equal(pool.takeFree(65536), undefined);
});
