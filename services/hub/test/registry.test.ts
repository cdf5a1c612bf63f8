/**
 * NodeRegistry fed with the subscription notifications captured from a real Zeek 8.0.10 cluster
 * (zeek-8.0/captured/cluster-lifecycle.json of @zeek-relay/fixtures): manager joins, worker-1 joins, worker-1 terminates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readJsonFixture, readTextFixture } from '@zeek-relay/fixtures';
import { NodeRegistry } from '../src/index.js';

interface Lifecycle {
  ids: Record<string, string>;
  entries: Array<{ socket: string; frames_hex: string[] }>;
}
const capture = readJsonFixture<Lifecycle>('zeek-8.0', 'captured', 'cluster-lifecycle.json');
const managerId = capture.ids['<manager-id>']!;
const workerId = capture.ids['<worker-id>']!;
const notices = capture.entries
  .filter((e) => e.socket.startsWith('subscriber XPUB'))
  .map((e) => Buffer.from(e.frames_hex[0]!, 'hex'))
  .map((f) => ({ subscribe: f[0] === 1, prefix: f.subarray(1).toString('utf8') }));

function registry() {
  return new NodeRegistry({ nodeTopicPrefix: 'zeek.cluster.node', nodeidTopicPrefix: 'zeek.cluster.nodeid' });
}

describe('node registry on captured Zeek traffic', () => {
  it('learns both nodes with names, then drops the worker on its unsubscriptions', () => {
    const r = registry();
    const t = new Date('2026-01-01T00:00:00Z');
    const ups: string[] = [];
    const downs: string[] = [];
    let distinct = 0;
    for (const n of notices) {
      const u = r.apply(n.subscribe, n.prefix, t);
      distinct += u.distinctDelta;
      if (u.nodeUp) ups.push(u.nodeUp.id);
      if (u.nodeDown) downs.push(`${u.nodeDown.name}:${u.nodeDown.id}`);
      if (ups.length === 2 && downs.length === 0) {
        assert.deepEqual(
          r.nodes().map((x) => [x.name, x.id, x.connectedSince]),
          [
            ['manager', managerId, t.toISOString()],
            ['worker-1', workerId, t.toISOString()],
          ],
        );
      }
    }
    assert.deepEqual(ups, [managerId, workerId]);
    assert.deepEqual(downs, [`worker-1:${workerId}`]);
    assert.deepEqual(
      r.nodes().map((x) => x.name),
      ['manager'],
    );
    // '' and zeek.test.sniffer. (the recorder's own) plus the manager's three remain.
    assert.equal(distinct, 5);
    assert.deepEqual(r.subscriptions(), [
      '',
      'zeek.cluster.manager',
      'zeek.cluster.node.manager.',
      `zeek.cluster.nodeid.${managerId}.`,
      'zeek.test.sniffer.',
    ]);
  });

  it('mirrors the hub XSUB count semantics: a repeated subscribe changes nothing', () => {
    const r = registry();
    assert.equal(r.apply(true, 'zeek.x', new Date()).distinctDelta, 1);
    assert.equal(r.apply(true, 'zeek.x', new Date()).distinctDelta, 0);
    assert.equal(r.apply(false, 'zeek.x', new Date()).distinctDelta, -1);
    assert.equal(r.apply(false, 'zeek.x', new Date()).distinctDelta, 0);
  });

  it('names a node from its id when its node topic is unknown, including names with "_"', () => {
    const r = registry();
    r.apply(true, 'zeek.cluster.nodeid.zeromq_my_worker_host-a_4242_NabcDEF.', new Date());
    r.apply(true, 'zeek.cluster.nodeid.opaque-id.', new Date());
    assert.deepEqual(
      r.nodes().map((n) => n.name),
      ['my_worker', 'opaque-id'],
    );
    r.apply(true, 'zeek.cluster.node.my_worker.', new Date());
    assert.equal(r.nodes()[0]!.name, 'my_worker');
  });

  it('honours custom topic prefixes and ignores the bare prefix', () => {
    const r = new NodeRegistry({ nodeTopicPrefix: 'acme.node', nodeidTopicPrefix: 'acme.nodeid' });
    r.apply(true, 'acme.nodeid.', new Date());
    r.apply(true, 'zeek.cluster.nodeid.zeromq_w_h_1_N1.', new Date());
    assert.deepEqual(r.nodes(), []);
    r.apply(true, 'acme.nodeid.zeromq_w_h_1_N1.', new Date());
    assert.deepEqual(
      r.nodes().map((n) => n.name),
      ['w'],
    );
  });
});

interface Session82 {
  subscriptions: Array<{ t_ms: number; kind: 'subscribe' | 'unsubscribe'; hex: string }>;
}

describe('node registry on the recorded Zeek 8.2.2 session', () => {
  const session = readJsonFixture<Session82>('zeek-8.2', 'cluster-session', 'subscriptions.json');
  const nodes = readJsonFixture<{ nodes: Record<string, string> }>(
    'zeek-8.2',
    'cluster-session',
    'frames.json',
  ).nodes;
  // `<t_ms> <epoch> node_up|node_down <name> <id>` lines as the manager printed them.
  const managerEvents = readTextFixture('zeek-8.2', 'cluster-session', 'manager-events.txt')
    .split('\n')
    .filter((l) => /^\d/.test(l))
    .map((l) => l.split('\t'));

  it('sees every node the manager saw come up, names them, and worker-2 leave', () => {
    const r = registry();
    const seen: string[] = [];
    for (const s of session.subscriptions) {
      const frame = Buffer.from(s.hex, 'hex');
      const u = r.apply(frame[0] === 1, frame.subarray(1).toString('utf8'), new Date(0));
      if (u.nodeUp) seen.push(`node_up ${u.nodeUp.name} ${u.nodeUp.id}`);
      if (u.nodeDown) seen.push(`node_down ${u.nodeDown.name} ${u.nodeDown.id}`);
      assert.equal(u.rejoined, undefined);
    }
    // The manager does not see itself; the hub does (its subscriptions were replayed first).
    const recorded = managerEvents.filter((e) => Number(e[0]) < 25_000).map((e) => e.slice(2).join(' '));
    assert.deepEqual(
      seen.filter((x) => !x.includes(' manager ')),
      recorded,
    );
    assert.ok(seen.includes(`node_up manager ${nodes.manager}`));
    assert.deepEqual(
      r.nodes().map((n) => [n.name, n.id]),
      ['manager', 'proxy-1', 'worker-1'].map((n) => [n, nodes[n]]),
    );
  });

  it('flags a node id that comes back after it went down (a surviving, dropped node)', () => {
    const r = registry();
    const topic = `zeek.cluster.nodeid.${nodes['worker-1']}.`;
    assert.equal(r.apply(true, topic, new Date()).rejoined, undefined);
    assert.ok(r.apply(false, topic, new Date()).nodeDown);
    const back = r.apply(true, topic, new Date());
    assert.equal(back.nodeUp?.name, 'worker-1');
    assert.equal(back.rejoined, true);
    // Once only: the next up of the same id after a clear (hub restart) is a first meeting.
    r.clear();
    assert.equal(r.apply(true, topic, new Date()).rejoined, undefined);
  });
});
