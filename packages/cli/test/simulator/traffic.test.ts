import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeRole } from '@zeek-relay/wire';
import {
  DEFAULT_EVENT_MIX,
  EVENT_KIND_INFO,
  EVENT_KINDS,
  parseMix,
  planEvent,
  SenderRotation,
  WeightedCycle,
} from '../../src/simulator/traffic.js';

test('parseMix reads weights and names the flag in errors', () => {
  assert.deepEqual(parseMix('--event-mix', 'manager=3,app=1', EVENT_KINDS), {
    manager: 3,
    worker: 0,
    pool: 0,
    node: 0,
    app: 1,
  });
  assert.throws(() => parseMix('--event-mix', 'bogus=1', EVENT_KINDS), {
    code: 'ZR_CLI_INVALID_ARGUMENT',
    message: /--event-mix: "bogus=1"/,
  });
  assert.throws(() => parseMix('--event-mix', 'manager=0', EVENT_KINDS), { code: 'ZR_CLI_INVALID_ARGUMENT' });
  assert.throws(() => parseMix('--log-mix', 'conn=x', ['conn', 'dns'] as const), {
    code: 'ZR_CLI_INVALID_ARGUMENT',
  });
});

test('WeightedCycle yields kinds exactly in proportion over a full cycle', () => {
  const c = new WeightedCycle({ a: 3, b: 1, c: 0 });
  const counts = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 400; i++) counts[c.next()]++;
  assert.deepEqual(counts, { a: 300, b: 100, c: 0 });
});

test('events go to Zeek topics: manager, worker broadcast, proxy/worker node topics, zeek/sim/', () => {
  const nodes = [
    { name: 'manager', role: 'manager' as const },
    { name: 'proxy-1', role: 'proxy' as const },
    { name: 'worker-1', role: 'worker' as const },
    { name: 'worker-2', role: 'worker' as const },
  ];
  const w = nodes[2]!;
  const m = nodes[0]!;
  assert.equal(planEvent('manager', w, 1, nodes, 0).topic, 'zeek.cluster.manager');
  assert.equal(planEvent('worker', m, 1, nodes, 0).topic, 'zeek.cluster.worker');
  assert.equal(planEvent('pool', w, 1, nodes, 0).topic, 'zeek.cluster.node.proxy-1.');
  assert.equal(planEvent('node', m, 1, nodes, 0).topic, 'zeek.cluster.node.worker-2.');
  assert.equal(planEvent('node', m, 2, nodes, 0).topic, 'zeek.cluster.node.worker-1.');
  const app = planEvent('app', w, 5, nodes, 0);
  assert.equal(app.topic, 'zeek/sim/notice');
  assert.equal(app.event.name, 'Sim::notice');
});

test('every sender of a kind takes its turn and numbers its events of that kind without gaps', () => {
  // The default mix with two workers: with one counter shared by all kinds, every `app` event
  // (Sim::notice) came from worker-2 and its numbers skipped.
  const cycle = new WeightedCycle(DEFAULT_EVENT_MIX);
  const senders = new Map(
    EVENT_KINDS.map((k) => [
      k,
      ['manager', 'proxy-1', 'worker-1', 'worker-2'].filter((n) =>
        EVENT_KIND_INFO[k].from.includes(n.replace(/-\d+$/, '') as NodeRole),
      ),
    ]),
  );
  const rotation = new SenderRotation<string>(senders);
  const seen = new Map<string, number[]>();
  for (let i = 0; i < 1000; i++) {
    const kind = cycle.next();
    const next = rotation.next(kind);
    if (next === undefined) continue;
    const key = `${kind}:${next.node}`;
    seen.set(key, [...(seen.get(key) ?? []), next.seq]);
  }
  const app = [...seen.keys()].filter((k) => k.startsWith('app:')).sort();
  assert.deepEqual(app, ['app:worker-1', 'app:worker-2']);
  assert.equal(seen.get('app:worker-1')!.length, 150);
  assert.equal(seen.get('app:worker-2')!.length, 150);
  for (const [key, seqs] of seen) {
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i + 1),
      `${key}: 1, 2, 3, …`,
    );
  }
});
