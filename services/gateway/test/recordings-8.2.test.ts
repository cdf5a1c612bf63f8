import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readJsonFixture } from '@zeek-relay/fixtures';
import { data, type BrokerData } from '@zeek-relay/wire';
import { startRig, type Rig } from './helpers/gateway.js';
import { startTestHub, type TestHub, attachNode } from './helpers/hub.js';
import { TEST_PING_RENDERING, answerSignatureRequests, signaturesEvent } from './helpers/signatures.js';
import { RecordingClient } from './helpers/ws-client.js';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { SIGNATURES_TOPIC } from '../src/index.js';

/** packages/fixtures/data/zeek-8.2/websocket/exchanges.json (its README: Recording 3). */
interface Exchanges {
  readonly connections: readonly {
    readonly name: string;
    readonly subscription_sent: string;
    readonly subscription_received: readonly { readonly text: string }[];
    readonly cases?: readonly {
      readonly name: string;
      readonly sent: string;
      readonly received: readonly { readonly text: string }[];
    }[];
  }[];
}

const recorded = readJsonFixture<Exchanges>('zeek-8.2', 'websocket', 'exchanges.json');

/**
 * The recorded manager's Test::ping handler, emulated: it publishes Test::pong with the arguments
 * it received, and for s == "zeek-sends-special-doubles" eight more with special doubles.
 */
function emulateManager(node: EmulatedZeekNode): void {
  node.onEvent = (r, n) => {
    if (r.event?.name !== 'Test::ping') return;
    const args = r.event.args;
    void n.publishWhenSubscribed('zeek.test.pong', { name: 'Test::pong', args });
    const s = args[3];
    if (s?.type === 'string' && Buffer.from(s.value).toString() === 'zeek-sends-special-doubles') {
      for (const x of [
        NaN,
        Infinity,
        -Infinity,
        1.7976931348623157e308,
        5e-324,
        1e-7,
        // The script's literal 123456789.123456789 as the double Zeek holds.
        Number('123456789.123456789'),
        -0.0,
      ]) {
        const withX: BrokerData[] = [...args];
        withX[2] = data.real(x);
        void n.publishWhenSubscribed('zeek.test.pong', { name: 'Test::pong', args: withX });
      }
    }
  };
}

describe('replaying the Zeek 8.2.2 WebSocket recordings through gateway + hub + emulated manager', () => {
  let hub: TestHub;
  let manager: EmulatedZeekNode;
  let rig: Rig;
  before(async () => {
    hub = await startTestHub();
    manager = await attachNode('zeromq_manager_host_1_Nrec', hub);
    emulateManager(manager);
    await manager.subscribeAndWait('zeek.test.ping');
    await answerSignatureRequests(
      manager,
      signaturesEvent(
        'manager',
        { 'Test::ping': TEST_PING_RENDERING, 'Test::pong': TEST_PING_RENDERING.replace('ping', 'pong') },
        {
          'Test::Color': 'enum { Test::BLUE, Test::GREEN, Test::RED }',
        },
      ),
    );
    rig = await startRig({ jsonDialect: 'zeek', zeekVersion: '8.2.2' }, hub);
    // Wait until the gateway holds the manager's signatures (delivered to it before any client).
    const probe = new RecordingClient(rig.url);
    await probe.opened;
    probe.send(JSON.stringify([SIGNATURES_TOPIC]));
    await probe.nextJson();
    await manager.publishWhenSubscribed(
      SIGNATURES_TOPIC,
      signaturesEvent(
        'manager',
        { 'Test::ping': TEST_PING_RENDERING },
        { 'Test::Color': 'enum { Test::BLUE, Test::GREEN, Test::RED }' },
      ),
    );
    await probe.nextJson();
    await probe.close();
  });
  after(async () => {
    await rig.close();
    await manager.close();
    await hub.close();
  });

  const main = recorded.connections.find((c) => c.name === 'main');
  const zeekFrames = (name: string): string[] =>
    main?.cases?.find((k) => k.name === name)?.received.map((r) => r.text) ?? [];
  const DECODE = '{"type":"error","code":"deserialization_failed","context":"failed to decode JSON object"}';
  const realOf = (frame: string): string => /"real","data":([^}]*)/.exec(frame)?.[1] ?? '';

  /**
   * Where the gateway answers otherwise, by choice (services/gateway/README.md, "Not reproduced"
   * and "Event checking"): case → [frame index, our answer (derived from Zeek's own frames where
   * possible), the reason].
   */
  /** The last argument (the record) of a frame or sent message: both end with `]}]}]}`. */
  const lastRecord = (text: string): string =>
    text.slice(text.lastIndexOf(',{"@data-type":"vector","data":[{"@data-type":"count"'), -6);
  const sentOf = (name: string): string => main?.cases?.find((k) => k.name === name)?.sent ?? '';

  const DEVIATIONS: Record<string, readonly [number, () => string, string][]> = {
    'double-huge-exponent': [
      // Same arguments with d = +Inf: what Zeek itself answered to double-max.
      [
        0,
        () => zeekFrames('double-max')[0] ?? '',
        '1e999 is read as +Inf (JSON number semantics); Zeek rejects it',
      ],
    ],
    'double-max': [
      [
        0,
        // Zeek renders the exact maximum when it publishes it itself (special doubles, frame 4).
        () =>
          (zeekFrames('zeek-sends-special-doubles')[4] ?? '').replace(
            '"zeek-sends-special-doubles"',
            '"hello"',
          ),
        "1.7976931348623157e308 is read exactly; Zeek's reader turns it into +Inf (not correctly rounded)",
      ],
    ],
    'string-raw-tab-in-json': [
      [0, () => DECODE, 'a raw TAB inside a JSON string is invalid JSON (RFC 8259); Zeek accepts it'],
    ],
    'string-escaped-slash': [
      [
        0,
        () => (zeekFrames('string-escaped-slash')[0] ?? '').replace('"a?b"', '"a/b"'),
        'the escape \\/ is "/"; Zeek decodes it as "?"',
      ],
    ],
    'invalid-record-short': [
      [
        0,
        // Zeek's baseline pong carrying the short record as sent (the emulated manager echoes it).
        () => {
          const base = zeekFrames('baseline')[0] ?? '';
          return base.replace(lastRecord(base), lastRecord(sentOf('invalid-record-short')));
        },
        'named records are sent by name in the published signatures (README, Event checking): forwarded, the receiving node decides; Zeek answers failed to create Zeek event',
      ],
    ],
    'zeek-sends-special-doubles': [
      [
        5,
        () =>
          (zeekFrames('zeek-sends-special-doubles')[5] ?? '').replace(
            realOf(zeekFrames('zeek-sends-special-doubles')[5] ?? ''),
            '0.000000',
          ),
        "5e-324 rendered with %f is 0.000000; Zeek's broker-bin-v1 hop mangles subnormals into a huge negative number",
      ],
    ],
  };

  test('the main connection: all 71 cases in order, frame for frame, deviations as documented', async () => {
    assert.ok(main?.cases);
    assert.equal(main.cases.length, 71);
    const c = new RecordingClient(rig.url);
    await c.opened;
    c.send(main.subscription_sent);
    const ack = (await c.nextJson()) as { type: string; version: string; endpoint: string };
    const zeekAck = JSON.parse(main.subscription_received[0]?.text ?? '{}') as typeof ack;
    assert.deepEqual({ ...ack, endpoint: '' }, { ...zeekAck, endpoint: '' });
    let frames = 0;
    for (const k of main.cases) {
      c.send(k.sent);
      const deviations = new Map((DEVIATIONS[k.name] ?? []).map(([i, ours, why]) => [i, { ours, why }]));
      for (const [i, want] of k.received.entries()) {
        const o = await c.next(60000);
        const got = o.kind === 'message' ? o.text : `close ${o.code}`;
        const deviation = deviations.get(i);
        if (deviation === undefined) assert.equal(got, want.text, `${k.name} frame ${i}`);
        else {
          assert.notEqual(deviation.ours(), want.text, `${k.name}: the deviation is real`);
          assert.equal(got, deviation.ours(), `${k.name} frame ${i} (${deviation.why})`);
        }
        frames++;
      }
    }
    assert.equal(frames, 79);
    await c.close();
    assert.deepEqual(
      c.leftovers.filter((o) => o.kind === 'message'),
      [],
    );
  });

  test('the other four connections: bad subscriptions, an empty one', async () => {
    for (const conn of recorded.connections.filter((x) => x.name !== 'main')) {
      const c = new RecordingClient(rig.url);
      await c.opened;
      c.send(conn.subscription_sent);
      for (const want of conn.subscription_received) {
        const got = (await c.nextJson()) as { endpoint?: string };
        const zeek = JSON.parse(want.text) as { endpoint?: string };
        assert.deepEqual(
          { ...got, endpoint: got.endpoint && '' },
          { ...zeek, endpoint: zeek.endpoint && '' },
          conn.name,
        );
      }
      for (const k of conn.cases ?? []) {
        // Subscribed to nothing: the pong is not delivered back (an observer proves it was sent).
        const observer = new RecordingClient(rig.url);
        await observer.opened;
        observer.send('["zeek.test.pong"]');
        await observer.nextJson();
        c.send(k.sent);
        assert.equal(((await observer.nextJson()) as { topic: string }).topic, 'zeek.test.pong');
        await observer.close();
        assert.equal(k.received.length, 0);
      }
      await c.close();
      assert.deepEqual(
        c.leftovers.filter((o) => o.kind === 'message'),
        [],
        conn.name,
      );
    }
  });
});
