import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { C, S, dataMessage } from './helpers/events.js';
import { startRig, type Rig } from './helpers/gateway.js';
import { startTestHub, type TestHub, attachNode } from './helpers/hub.js';
import { TEST_PING_RENDERING, answerSignatureRequests, signaturesEvent } from './helpers/signatures.js';
import { RecordingClient } from './helpers/ws-client.js';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import {
  REQUEST_SIGNATURES_EVENT,
  SIGNATURES_TOPIC,
  parseEventType,
  parsePublishedSignatures,
} from '../src/index.js';

const CREATE = '{"type":"error","code":"deserialization_failed","context":"failed to create Zeek event"}';
const I = (n: number): unknown => ({ '@data-type': 'integer', data: n });
const E = (name: string): unknown => ({ '@data-type': 'enum-value', data: name });

describe('published signatures (issue #16 item 4): no file, the manager publishes, the gateway checks', () => {
  let hub: TestHub;
  let manager: EmulatedZeekNode;
  let rig: Rig;
  let client: RecordingClient;
  const published = signaturesEvent(
    'manager',
    {
      ping: 'event(s:string, n:count)',
      'Site::color': 'event(c:Site::Color)',
      'Site::rec': 'event(r:Site::Info)',
      'Site::hosts': 'event(t:table[addr,port] of set[string], v:vector of int)',
    },
    { 'Site::Color': 'enum { Site::BLUE, Site::GREEN, Site::RED }' },
  );

  before(async () => {
    hub = await startTestHub();
    manager = await attachNode('zeromq_manager_host_1_Nsig', hub);
    await manager.subscribeAndWait('/in/');
    await answerSignatureRequests(manager, published);
    // The gateway asks once it reached the hub; the manager answers on zeek-relay/signatures.
    rig = await startRig({}, hub);
    const probe = new RecordingClient(rig.url);
    await probe.opened;
    probe.send(JSON.stringify([SIGNATURES_TOPIC]));
    assert.equal(((await probe.nextJson()) as { type: string }).type, 'ack');
    // The gateway asked at start (the manager answers, maybe before this probe was acked).
    await manager.waitFor(() => manager.events(REQUEST_SIGNATURES_EVENT).length === 1, 'the request');
    // The gateway takes the signatures before it delivers the same message to its clients, so
    // once the probe has a publication (the answer or this one, the script's periodic one), the
    // gateway has it.
    await manager.publishWhenSubscribed(SIGNATURES_TOPIC, published);
    const seen = (await probe.nextJson()) as { topic: string };
    assert.equal(seen.topic, SIGNATURES_TOPIC);
    await probe.close();
    client = new RecordingClient(rig.url);
    await client.opened;
    client.send('[]');
    assert.equal(((await client.nextJson()) as { type: string }).type, 'ack');
  });
  after(async () => {
    await client.close();
    await rig.close();
    await manager.close();
    await hub.close();
  });

  /** Sends `text`; an accepted event reaches the manager, a rejected one gets Zeek's error. */
  async function check(text: string, accepted: boolean, marker: string): Promise<void> {
    client.send(text);
    if (!accepted) {
      const o = await client.next();
      assert.equal(o.kind === 'message' ? o.text : `close ${o.code}`, CREATE);
    }
    // Either way the connection goes on: a good event with a marker arrives after it.
    client.send(dataMessage('/in/', 'ping', [S(marker), C(1)]));
    await manager.waitFor(
      () =>
        manager
          .events('ping')
          .some((e) => e.args[0]?.type === 'string' && Buffer.from(e.args[0].value).toString() === marker),
      marker,
    );
  }

  test('wrong arity, unknown event, wrong type: failed to create Zeek event (as Zeek bad-event-args)', async () => {
    await check(dataMessage('/in/', 'ping', [S('x')]), false, 'm1');
    await check(dataMessage('/in/', 'ping', [S('x'), C(1), C(2)]), false, 'm2');
    await check(dataMessage('/in/', 'ping', [C(1), C(1)]), false, 'm3');
    await check(dataMessage('/in/', 'no_such_event', []), false, 'm4');
    await check(dataMessage('/in/', 'Site::color', [E('Site::PURPLE')]), false, 'm5');
    await check(
      dataMessage('/in/', 'Site::hosts', [
        { '@data-type': 'table', data: [] },
        { '@data-type': 'vector', data: [C(1)] },
      ]),
      false,
      'm6',
    );
    const pings = manager.events('ping').filter((e) => e.args.length !== 2 || e.args[0]?.type !== 'string');
    assert.deepEqual(pings, [], 'no rejected event reached the manager');
  });

  test('right events pass; named records are not checked (the script cannot describe them)', async () => {
    await check(dataMessage('/in/', 'Site::color', [E('Site::RED')]), true, 'm7');
    await check(
      dataMessage('/in/', 'Site::hosts', [
        { '@data-type': 'table', data: [] },
        { '@data-type': 'vector', data: [I(-1)] },
      ]),
      true,
      'm8',
    );
    await check(dataMessage('/in/', 'Site::rec', [C(7)]), true, 'm9');
    assert.equal(manager.events('Site::color').length, 1);
    assert.equal(manager.events('Site::hosts').length, 1);
    assert.equal(manager.events('Site::rec').length, 1);
    assert.deepEqual(client.leftovers, []);
  });
});

describe('parseEventType: Zeek 8.2 renderings of event types (global_ids()$type_name)', () => {
  test('every parameter of the recorded Test::ping, named types resolved', () => {
    const parsed = parsePublishedSignatures(
      signaturesEvent(
        'manager',
        { 'Test::ping': TEST_PING_RENDERING },
        { 'Test::Color': 'enum { Test::BLUE, Test::GREEN, Test::RED }' },
      ),
    );
    const params = parsed?.events.get('Test::ping');
    assert.equal(parsed?.node, 'manager');
    assert.deepEqual(
      params?.map((p) => (p.kind === 'atomic' ? p.data : p.kind)),
      [
        'count',
        'integer',
        'real',
        'string',
        'address',
        'subnet',
        'port',
        'timestamp',
        'timespan',
        'enum',
        'boolean',
        'set',
        'table',
        'vector',
        'any',
      ],
    );
  });

  test('multi-index tables, nested containers, no parameters, attributes', () => {
    assert.equal(parseEventType('event()').length, 0);
    const [t] = parseEventType('event(t:table[addr,port] of set[string])');
    assert.equal(t?.kind, 'table');
    assert.equal(t?.kind === 'table' ? t.index.length : 0, 2);
    // A parameter with attributes: Zeek writes their count, then the attributes.
    assert.equal(parseEventType('event(a:count, b:string 1 &default="x, y")').length, 2);
    assert.throws(() => parseEventType('event(a:Unknown::Type)'), { code: 'ZR_GATEWAY_SIGNATURES_INVALID' });
    assert.throws(() => parseEventType('function(a:count) : bool'), {
      code: 'ZR_GATEWAY_SIGNATURES_INVALID',
    });
  });

  test('an event whose rendering does not parse is declared but unchecked; not the event: undefined', () => {
    const parsed = parsePublishedSignatures(
      signaturesEvent('m', { odd: 'event(f:function(x:count) : bool)' }),
    );
    assert.equal(parsed?.events.has('odd'), true);
    assert.equal(parsed?.events.get('odd'), undefined);
    assert.equal(parsePublishedSignatures({ name: 'other', args: [] }), undefined);
  });
});
