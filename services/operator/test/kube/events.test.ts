import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventBody } from '../../src/kube/api.js';
import { EventRecorder, type EventTarget } from '../../src/kube/events.js';

const TARGET: EventTarget = {
  apiVersion: 'zeek-relay.io/v1alpha1',
  kind: 'ZeekCluster',
  name: 'demo',
  namespace: 'ns',
  uid: 'u1',
};

function recorder(fail = { value: false }) {
  const sent: EventBody[] = [];
  const rec = new EventRecorder(
    {
      createEvent: async (e) => {
        if (fail.value) throw new Error('503');
        sent.push(e);
      },
    },
    'op-1',
    () => new Date('2026-12-01T10:00:00.123Z'),
  );
  return { rec, sent, fail };
}

test('an Event is recorded once per (object, reason, note), with events.k8s.io fields', async () => {
  const { rec, sent } = recorder();
  assert.equal(await rec.record(TARGET, 'Warning', 'ImagePullFailed', 'pod a'), undefined);
  await rec.record(TARGET, 'Warning', 'ImagePullFailed', 'pod a');
  await rec.record(TARGET, 'Warning', 'ImagePullFailed', 'pod b');
  await rec.record(TARGET, 'Warning', 'ImagePullFailed', 'pod a');
  assert.deepEqual(
    sent.map((e) => e.note),
    ['pod a', 'pod b', 'pod a'],
    'a note comes again only after another note of the same reason',
  );
  const e = sent[0];
  assert.equal(e?.eventTime, '2026-12-01T10:00:00.123000Z', 'MicroTime');
  assert.equal(e?.reportingController, 'zeek-relay.io/operator');
  assert.equal(e?.reportingInstance, 'op-1');
  assert.deepEqual(e?.regarding, TARGET);
  assert.match(e?.metadata.name ?? '', /^demo\.[0-9a-f]{16}$/);
});

test('a failed Event is returned (not thrown) and tried again next time; forget() resets an object', async () => {
  const { rec, sent, fail } = recorder();
  fail.value = true;
  const err = await rec.record(TARGET, 'Normal', 'Created', 'x');
  assert.match(String(err), /503/);
  fail.value = false;
  await rec.record(TARGET, 'Normal', 'Created', 'x');
  assert.equal(sent.length, 1);
  rec.forget('u1');
  await rec.record(TARGET, 'Normal', 'Created', 'x');
  assert.equal(sent.length, 2);
  await rec.record(TARGET, 'Normal', 'Created', 'y'.repeat(2000));
  assert.equal(sent.at(-1)?.note.length, 1024, 'notes are capped at the API limit');
});
