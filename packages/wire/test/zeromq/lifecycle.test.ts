/**
 * captured/cluster-lifecycle.json (Zeek 8.0.10 manager + worker joining and leaving):
 * subscription notifications and the hello exchange, decoded and re-encoded byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  TOPICS,
  clusterHello,
  decodeEvent,
  decodeEventFrames,
  defaultSubscriptions,
  encodeEvent,
  encodeEventFrames,
  encodeSubscriptionFrame,
  nodeIdFromTopic,
  parseHello,
  parseNodeId,
  parseSubscriptionFrame,
  zeromqHello,
} from '../../src/index.js';
import { hex, loadFixture, toHex } from '../helpers/broker-fixtures.js';

interface Entry {
  frames_hex: string[];
  text?: string;
}
const fx = loadFixture<{ ids: Record<string, string>; entries: Entry[] }>('captured/cluster-lifecycle.json');
const managerId = fx.ids['<manager-id>'] as string;
const workerId = fx.ids['<worker-id>'] as string;
const latin1 = new TextDecoder('latin1');

describe('cluster lifecycle capture', () => {
  it('subscription notifications parse and re-encode', () => {
    let n = 0;
    for (const e of fx.entries.filter((x) => x.frames_hex.length === 1)) {
      const frame = hex(e.frames_hex[0] as string);
      const sub = parseSubscriptionFrame(frame);
      const text = (e.text as string).replace('<manager-id>', managerId).replace('<worker-id>', workerId);
      assert.equal(text, `${sub.subscribe ? 'subscribe' : 'unsubscribe'} '${latin1.decode(sub.prefix)}'`);
      assert.equal(toHex(encodeSubscriptionFrame(sub.subscribe, latin1.decode(sub.prefix))), e.frames_hex[0]);
      n++;
    }
    assert.equal(n, 13);
  });

  it('worker default subscriptions match the captured order', () => {
    const subs = fx.entries
      .filter(
        (x) =>
          x.frames_hex.length === 1 &&
          x.text?.startsWith("subscribe 'zeek.cluster") &&
          x.text.includes('worker'),
      )
      .map((x) => latin1.decode(parseSubscriptionFrame(hex(x.frames_hex[0] as string)).prefix));
    assert.deepStrictEqual(subs, defaultSubscriptions('worker', 'worker-1', workerId));
  });

  it('hello events decode and are rebuilt byte for byte', () => {
    const names: Record<string, string> = { [managerId]: 'manager', [workerId]: 'worker-1' };
    const events = fx.entries.filter((x) => x.frames_hex.length === 4);
    assert.equal(events.length, 4);
    for (const e of events) {
      const msg = decodeEventFrames(e.frames_hex.map(hex));
      assert.equal(msg.format, 'broker-bin-v1');
      const sender = latin1.decode(msg.sender);
      const receiver = nodeIdFromTopic(latin1.decode(msg.topic));
      assert.ok(receiver !== undefined && receiver !== sender);
      const hello = parseHello(decodeEvent(msg.payload));
      assert.ok(hello !== undefined);
      assert.equal(hello.id, sender);
      assert.equal(hello.name, names[sender]);
      const built = (hello.kind === 'zeromq' ? zeromqHello : clusterHello)(hello.name, hello.id, receiver);
      const frames = encodeEventFrames({ topic: built.topic, sender, payload: encodeEvent(built.event) });
      assert.deepStrictEqual(frames.map(toHex), e.frames_hex);
    }
  });

  it('node ids have the documented shape', () => {
    assert.deepStrictEqual(parseNodeId(workerId), {
      node: 'worker-1',
      hostname: 'vm',
      pid: 31565,
      unique: 'NRbJX0z7X1F2',
    });
    assert.equal(parseNodeId(managerId)?.node, 'manager');
    assert.equal(nodeIdFromTopic(`${TOPICS.nodeIdPrefix}${managerId}.`), managerId);
    assert.equal(nodeIdFromTopic('zeek.cluster.node.manager.'), undefined);
  });
});
