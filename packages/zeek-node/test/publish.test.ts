/**
 * Publishing from the emulated node through a Zeek-style hub: overlapping publications (the
 * caller's, the hello exchange's) all go out, one send at a time on the XPUB, as Zeek's backend
 * thread sends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { data } from '@zeek-relay/wire';
import { EmulatedZeekNode } from '../src/index.js';
import { startZeekHub } from './zeek-hub.js';

test('publications issued together, more than the XPUB queue holds, all arrive in order', async (t) => {
  const hub = await startZeekHub();
  t.after(() => hub.close());
  const receiver = new EmulatedZeekNode({ name: 'manager', role: 'manager', ...hub.endpoints });
  const sender = new EmulatedZeekNode({ name: 'worker-1', role: 'worker', ...hub.endpoints });
  t.after(() => Promise.all([receiver.close(), sender.close()]));
  await receiver.start();
  await sender.start();
  // The XPUB filters by what it has seen: wait for the manager's subscription first (Zeek's race).
  await sender.waitFor(() => sender.seenTopics.has('zeek.cluster.manager'), 'the manager topic');
  // Issued in one go: past the XPUB's high-water mark (1000) a send has to wait for the pipe, and
  // a second send on a zeromq.js socket meanwhile fails with EBUSY unless the node queues them.
  const n = 3000;
  const sends = Array.from({ length: n }, (_, i) =>
    sender.publish('zeek.cluster.manager', { name: 'Test::ev', args: [data.count(i)] }),
  );
  await Promise.all(sends);
  await receiver.waitFor(() => receiver.received.get('zeek.cluster.manager') === n, `${n} events`);
  assert.equal(sender.xpubDrops, 0);
  const last = receiver.inbox.at(-1);
  assert.deepEqual(last?.event?.args, [data.count(n - 1)]);
});
