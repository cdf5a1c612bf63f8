import assert from 'node:assert/strict';
import { readJsonFixture } from '@zeek-relay/fixtures';
import { test } from 'node:test';
import { decodeEvent, encodeEvent } from '@zeek-relay/wire';
import { HelloTracker, type HelloAction } from '../../src/simulator/hello-tracker.js';

// Captured from Zeek 8.0.10: a manager and worker-1 joining, greeting and leaving.
interface Entry {
  readonly socket: string;
  readonly frames_hex: readonly string[];
}
const capture = readJsonFixture<{ ids: Record<string, string>; entries: Entry[] }>(
  'zeek-8.0',
  'captured',
  'cluster-lifecycle.json',
);
const managerId = capture.ids['<manager-id>'] as string;
const workerId = capture.ids['<worker-id>'] as string;
const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const text = (h: string): string => hex(h).toString('latin1');

/** Replays the capture as seen by node `self`: its XPUB notifications and the events others sent it. */
function replay(self: HelloTracker): {
  actions: HelloAction[];
  expectedFromSelf: Array<{ topic: string; payload: string }>;
} {
  const actions: HelloAction[] = [];
  const expectedFromSelf: Array<{ topic: string; payload: string }> = [];
  for (const e of capture.entries) {
    if (e.socket.startsWith('subscriber XPUB')) {
      const frame = hex(e.frames_hex[0] as string);
      actions.push(...self.onSubscription(frame.subarray(1).toString('latin1'), frame[0] === 1));
      continue;
    }
    const [topic, sender, , payload] = e.frames_hex as [string, string, string, string];
    if (text(sender) === self.id) expectedFromSelf.push({ topic: text(topic), payload });
    else actions.push(...self.onEvent(decodeEvent(hex(payload))));
  }
  return { actions, expectedFromSelf };
}

function published(actions: HelloAction[]): Array<{ topic: string; payload: string }> {
  return actions.flatMap((a) =>
    a.kind === 'publish'
      ? [{ topic: a.message.topic, payload: Buffer.from(encodeEvent(a.message.event)).toString('hex') }]
      : [],
  );
}

test('as the manager: sends exactly the hellos Zeek sent, raises node_up and node_down for worker-1', () => {
  const { actions, expectedFromSelf } = replay(new HelloTracker('manager', managerId));
  assert.deepEqual(published(actions), expectedFromSelf);
  assert.deepEqual(
    actions.filter((a) => a.kind !== 'publish'),
    [
      { kind: 'node_up', name: 'worker-1', id: workerId },
      { kind: 'node_down', name: 'worker-1', id: workerId },
    ],
  );
});

test('as worker-1: sends exactly the hellos Zeek sent and sees the manager up', () => {
  const tracker = new HelloTracker('worker-1', workerId);
  const { actions, expectedFromSelf } = replay(tracker);
  assert.equal(expectedFromSelf.length, 2);
  assert.deepEqual(published(actions), expectedFromSelf);
  assert.deepEqual(
    actions.filter((a) => a.kind === 'node_up'),
    [{ kind: 'node_up', name: 'manager', id: managerId }],
  );
});

test('a repeated node-id subscription does not repeat the hello', () => {
  const t = new HelloTracker('manager', managerId);
  assert.equal(t.onSubscription(`zeek.cluster.nodeid.${workerId}.`, true).length, 1);
  assert.equal(t.onSubscription(`zeek.cluster.nodeid.${workerId}.`, true).length, 0);
  assert.equal(t.onSubscription(`zeek.cluster.nodeid.${managerId}.`, true).length, 0, 'own id ignored');
  assert.equal(t.onSubscription('zeek.cluster.worker', true).length, 0, 'other topics ignored');
});
