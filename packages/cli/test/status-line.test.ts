import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusLine } from '../src/status-line.js';

function sink(isTTY: boolean): { out: { write(t: string): boolean; isTTY: boolean }; text: () => string } {
  let buf = '';
  return {
    out: {
      isTTY,
      write(t: string) {
        buf += t;
        return true;
      },
    },
    text: () => buf,
  };
}

test('on a terminal the status line is rewritten in place', () => {
  const s = sink(true);
  const line = new StatusLine(s.out, 5000);
  line.update('a', 0);
  line.update('b', 1);
  line.log('event');
  line.update('c', 2);
  line.done();
  assert.equal(s.text(), '\r\x1b[2Ka\r\x1b[2Kb\r\x1b[2Kevent\n\r\x1b[2Kc\n');
});

test('without a terminal it degrades to plain lines, at most one per period', () => {
  const s = sink(false);
  const line = new StatusLine(s.out, 5000);
  line.update('a', 10_000);
  line.update('b', 12_000);
  line.update('c', 15_000);
  line.log('event');
  line.done();
  assert.equal(s.text(), 'a\nc\nevent\n');
  assert.ok(!s.text().includes('\u001b'), 'no escape sequences');
});
