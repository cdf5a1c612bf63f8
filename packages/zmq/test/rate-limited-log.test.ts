import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimitedLog } from '../src/index.js';

describe('RateLimitedLog', () => {
  it('logs a key once per window, then again with the number suppressed; keys are independent', () => {
    const lines: Array<[Record<string, unknown>, string]> = [];
    let now = 1_000;
    const log = new RateLimitedLog({ warn: (f, m) => void lines.push([f, m]) }, 10_000, () => now);
    for (let i = 0; i < 5; i++) log.warn('a', { i }, 'A');
    log.warn('b', {}, 'B');
    now += 9_999;
    log.warn('a', { i: 5 }, 'A');
    now += 1;
    log.warn('a', { i: 6 }, 'A');
    assert.deepEqual(lines, [
      [{ i: 0, reason: 'a', suppressed: 0 }, 'A'],
      [{ reason: 'b', suppressed: 0 }, 'B'],
      [{ i: 6, reason: 'a', suppressed: 5 }, 'A'],
    ]);
  });
});
