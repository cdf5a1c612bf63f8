import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { data } from '@zeek-relay/wire';
import { C, S, dataMessage } from './helpers/events.js';
import { startRig, type Rig } from './helpers/gateway.js';
import { RecordingClient } from './helpers/ws-client.js';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { attachNode } from './helpers/hub.js';

const ERR = (context: string): string =>
  `{"type":"error","code":"deserialization_failed","context":"${context}"}`;
const DECODE = ERR('failed to decode JSON object');
const NO_TOPIC = ERR('no topic in top-level JSON object');
const CREATE = ERR('failed to create Zeek event');

describe('bad input: exact errors, the connection and the process survive', () => {
  let rig: Rig;
  let node: EmulatedZeekNode;
  before(async () => {
    rig = await startRig({ maxMessageBytes: 64 * 1024, lifecycleTopic: 'zeek.cluster.manager' });
    node = await attachNode('zeromq_manager_host_1_Nbad', rig.hub);
    await node.subscribeAndWait('/in/', 'zeek.cluster.manager');
  });
  after(async () => {
    await node.close();
    await rig.close();
  });

  async function acked(subs = '[]'): Promise<RecordingClient> {
    const c = new RecordingClient(rig.url);
    await c.opened;
    c.send(subs);
    const ack = (await c.nextJson()) as { type: string };
    assert.equal(ack.type, 'ack');
    return c;
  }

  /** Proves the connection still works: a good event reaches the node afterwards. */
  async function stillWorks(c: RecordingClient, marker: string): Promise<void> {
    c.send(dataMessage('/in/', 'ping', [S(marker), C(1)]));
    await node.waitFor(
      () =>
        node
          .events('ping')
          .some((e) => e.args[0]?.type === 'string' && Buffer.from(e.args[0].value).toString() === marker),
      marker,
    );
  }

  const cases: [string, string | Buffer, string][] = [
    ['invalid JSON', '{"type":"data-message", "topic": ', DECODE],
    ['JSON array instead of an object', '[1,2,3]', DECODE],
    ['JSON string', '"hello"', DECODE],
    ['empty message', '', DECODE],
    ['unknown @data-type', dataMessage('/in/', 'ping', [{ '@data-type': 'money', data: 0 }]), DECODE],
    ['count given as a string', dataMessage('/in/', 'ping', [{ '@data-type': 'count', data: '1' }]), DECODE],
    ['count with a fraction', dataMessage('/in/', 'ping', [{ '@data-type': 'count', data: 1.5 }]), DECODE],
    [
      'count beyond 64 bits',
      dataMessage('/in/', 'ping', [{ '@data-type': 'count', data: 18446744073709551616 }]).replace(
        '18446744073709552000',
        '18446744073709551616',
      ),
      DECODE,
    ],
    ['no topic', JSON.stringify({ type: 'data-message', '@data-type': 'count', data: 1 }), NO_TOPIC],
    [
      'topic is a number',
      JSON.stringify({ type: 'data-message', topic: 5, '@data-type': 'count', data: 1 }),
      NO_TOPIC,
    ],
    [
      'payload not an event (a count)',
      JSON.stringify({ type: 'data-message', topic: '/in/', '@data-type': 'count', data: 1 }),
      CREATE,
    ],
    [
      'payload: vector of 2',
      JSON.stringify({ type: 'data-message', topic: '/in/', '@data-type': 'vector', data: [C(1), C(1)] }),
      CREATE,
    ],
    [
      'event name not a string',
      JSON.stringify({
        type: 'data-message',
        topic: '/in/',
        '@data-type': 'vector',
        data: [C(1), C(1), { '@data-type': 'vector', data: [C(5), { '@data-type': 'vector', data: [] }] }],
      }),
      CREATE,
    ],
    [
      'args not a vector',
      JSON.stringify({
        type: 'data-message',
        topic: '/in/',
        '@data-type': 'vector',
        data: [C(1), C(1), { '@data-type': 'vector', data: [S('ping'), C(5)] }],
      }),
      CREATE,
    ],
    ['binary frame with invalid JSON', Buffer.from([0xff, 0xfe, 0x00]), DECODE],
  ];
  for (const [name, input, expected] of cases) {
    test(name, async () => {
      const c = await acked();
      c.send(input, Buffer.isBuffer(input));
      const got = await c.next();
      assert.equal(got.kind === 'message' ? got.text : JSON.stringify(got), expected);
      await stillWorks(c, name);
      await c.close();
    });
  }

  test('deeply nested vectors: an error, not a stack overflow', async () => {
    const c = await acked();
    const depth = 1900;
    c.send(
      `{"type":"data-message","topic":"/in/","@data-type":"vector","data":[${'{"@data-type":"vector","data":['.repeat(depth)}${']}'.repeat(depth)}]}`,
    );
    const got = await c.next();
    assert.ok(got.kind === 'message' && [CREATE, DECODE].includes(got.text), JSON.stringify(got));
    await stillWorks(c, 'after-deep');
    await c.close();
  });

  test('binary frames carry data messages like text frames', async () => {
    const c = await acked();
    c.send(Buffer.from(dataMessage('/in/', 'ping', [S('binary-frame'), C(2)])), true);
    await node.waitFor(() =>
      node
        .events('ping')
        .some(
          (e) => e.args[0]?.type === 'string' && Buffer.from(e.args[0].value).toString() === 'binary-frame',
        ),
    );
    await c.close();
  });

  for (const [name, subs, expected] of [
    ['subscriptions: invalid JSON', '["a", ', ERR('subscriptions not an array')],
    ['subscriptions: an object', '{"a":1}', ERR('subscriptions not an array')],
    ['subscriptions: a number', '42', ERR('subscriptions not an array')],
    ['subscriptions: null element', '["a", null]', ERR('individual subscription not a string')],
    ['subscriptions: nested array', '[["a"]]', ERR('individual subscription not a string')],
  ] as const) {
    test(`${name}: error, no ack, later messages ignored`, async () => {
      const c = new RecordingClient(rig.url);
      await c.opened;
      c.send(subs);
      assert.equal(((await c.next()) as { text: string }).text, expected);
      c.send('["retry"]');
      c.send(dataMessage('/in/', 'ping', [S('after-bad-subscriptions'), C(3)]));
      // The connection stays open but dead (Zeek): a client-initiated close is echoed, nothing else arrives.
      await c.close();
      assert.deepEqual(
        c.leftovers.filter((o) => o.kind === 'message'),
        [],
      );
      assert.equal(
        node
          .events('ping')
          .filter(
            (e) =>
              e.args[0]?.type === 'string' &&
              Buffer.from(e.args[0].value).toString() === 'after-bad-subscriptions',
          ).length,
        0,
      );
    });
  }

  test('oversized message: close 1009, others unaffected', async () => {
    const c = await acked();
    const other = await acked();
    c.send(dataMessage('/in/', 'ping', [S('x'.repeat(70 * 1024)), C(1)]));
    const closed = await c.closed;
    assert.equal(closed.code, 1009);
    await stillWorks(other, 'after-oversized');
    await other.close();
  });
});

describe('abrupt disconnects', () => {
  test('at every stage: lost events with 1006, the gateway keeps serving', async () => {
    const rig = await startRig({ lifecycleTopic: 'zeek.cluster.manager' });
    const node = await attachNode('zeromq_manager_host_1_Nabrupt', rig.hub);
    await node.subscribeAndWait('/in/', 'zeek.cluster.manager');
    const acked = async (subs = '[]'): Promise<RecordingClient> => {
      const c = new RecordingClient(rig.url);
      await c.opened;
      c.send(subs);
      assert.equal(((await c.nextJson()) as { type: string }).type, 'ack');
      return c;
    };
    const lostBefore = 0;
    // 1: TCP connect, half an HTTP request, reset.
    await new Promise<void>((resolve) => {
      const s = connect(rig.address.port, '127.0.0.1', () => {
        s.write('GET /v1/messages/json HTTP/1.1\r\nHost: x\r\nUpg');
        s.resetAndDestroy();
        resolve();
      });
    });
    // 2: upgraded, then gone without a close frame.
    const a = new RecordingClient(rig.url);
    await a.opened;
    a.ws.terminate();
    // 3: subscriptions sent, gone before the ack could be read.
    const b = new RecordingClient(rig.url);
    await b.opened;
    b.send('["/x/"]');
    b.ws.terminate();
    // 4: acked, gone in the middle of sending.
    const c = await acked('["/y/"]');
    c.send(dataMessage('/in/', 'ping', [S('last-words'), C(4)]));
    c.ws.terminate();
    await node.waitFor(
      () => node.events('Cluster::websocket_client_lost').length >= lostBefore + 3,
      'lost events',
    );
    const codes = node
      .events('Cluster::websocket_client_lost')
      .slice(lostBefore)
      .map((e) => e.args[1]);
    for (const code of codes) assert.deepEqual(code, data.count(1006));
    const d = await acked();
    d.send(dataMessage('/in/', 'ping', [S('after-abrupt'), C(1)]));
    await node.waitFor(() => node.events('ping').length === 2, 'pings');
    const texts = node
      .events('ping')
      .map((e) => (e.args[0]?.type === 'string' ? Buffer.from(e.args[0].value).toString() : ''));
    assert.deepEqual(
      texts,
      ['last-words', 'after-abrupt'],
      'a message sent right before a reset still arrives',
    );
    await d.close();
    await node.close();
    await rig.close();
    assert.equal(rig.gateway.clientCount, 0);
  });
});
