/** The shared payload ring of a render worker: copies, wraps, never overlaps a live payload. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PayloadRing } from '../src/payload-ring.js';

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

test('payloads are copied into shared memory, wrap around, and fall back when they do not fit', () => {
  const ring = new PayloadRing(100);
  const a = ring.copyIn(bytes(40, 1));
  const b = ring.copyIn(bytes(40, 2));
  assert.ok(a && b);
  assert.ok(a.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([a.byteOffset, b.byteOffset], [0, 40]);
  assert.equal(ring.copyIn(bytes(30, 3)), undefined); // 20 left at the end, none at the start
  ring.release(); // a (releases come in job order: a, b, the fallback, …)
  const c = ring.copyIn(bytes(30, 4)); // wraps to the start, before b
  assert.equal(c?.byteOffset, 0);
  assert.equal(ring.copyIn(bytes(11, 5)), undefined); // 10 left before b
  const d = ring.copyIn(bytes(10, 6));
  assert.equal(d?.byteOffset, 30);
  assert.ok(
    b.every((x) => x === 2),
    'live payload b untouched',
  );
  ring.release(); // b
  ring.release(); // the first fallback: frees nothing
  ring.release(); // c
  ring.release(); // the second fallback
  assert.equal(ring.copyIn(bytes(61, 0)), undefined); // d still live at 30..40
  ring.release(); // d
  ring.release(); // the third fallback
  assert.equal(ring.copyIn(bytes(100, 7))?.byteOffset, 0); // empty again: whole ring
  assert.equal(ring.copyIn(bytes(1, 8)), undefined);
  assert.equal(new PayloadRing(10).copyIn(bytes(11, 9)), undefined); // larger than the ring
});
