import assert from 'node:assert/strict';
import { test } from 'node:test';
import { until } from '../src/index.js';

test('until resolves once a sync or async condition holds', async () => {
  let n = 0;
  await until('n reaches 3', () => ++n >= 3);
  assert.equal(n, 3);
  let m = 0;
  await until('m reaches 2', async () => ++m >= 2, { stepMs: 1 });
  assert.equal(m, 2);
});

test('until rejects naming what it waited for once the hang guard passed', async () => {
  await assert.rejects(
    until('the impossible', () => false, 30),
    /timed out after 30 ms waiting for the impossible/,
  );
});

test('an exception in the condition is a failure at once', async () => {
  await assert.rejects(
    until('a throwing check', () => {
      throw new Error('boom');
    }),
    /boom/,
  );
});
