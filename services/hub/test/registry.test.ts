/**
 * NodeRegistry fed with the subscription notifications captured from a real Zeek 8.0.10 cluster
 * (fixtures/cluster-lifecycle.json): manager joins, worker-1 joins, worker-1 terminates.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NodeRegistry } from '../src/index.js';

interface Lifecycle {
  ids: Record<string, string>;
  entries: Array<{ socket: string; frames_hex: string[] }>;
}
const capture = JSON.parse(
  readFileSync(
    new URL('./fixtures/cluster-lifecycle.json', import.meta.url).pathname.replace('/dist/test/', '/test/'),
    'utf8',
  ),
) as Lifecycle;
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
