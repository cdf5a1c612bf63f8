import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRig, type Rig } from './helpers/gateway.js';
import { fixturePath, readJsonFixture } from '@zeek-relay/fixtures';
import { RecordingClient } from './helpers/ws-client.js';
import { ZeekNode } from './helpers/zeek-node.js';

/** Captured from Zeek 8.0.10 (zeek-8.0/captured/websocket-types.json of @zeek-relay/fixtures, README there). */
interface Capture {
  readonly inputs: readonly {
    readonly name: string;
    readonly sent: string;
    readonly server_reply: readonly string[] | null;
    readonly rendered_to_other_client: { readonly text?: string; readonly text_hex?: string } | null;
    readonly zeromq_payload_hex?: string;
  }[];
  readonly from_worker: readonly {
    readonly name: string;
    readonly zeromq_payload_hex: string;
    readonly websocket_text: { readonly text?: string; readonly text_hex?: string } | null;
    readonly is_valid_json?: boolean;
  }[];
}

const capture = readJsonFixture<Capture>('zeek-8.0', 'captured', 'websocket-types.json');

/**
 * Inputs where Zeek 8.0.10's behaviour is a documented quirk the gateway does not copy
 * (websocket-v1.md §3.2–3.4, decisions 4–5); everything else must match byte for byte.
 */
const DEVIATIONS: Record<string, string> = {
  'real-max': "Zeek's JSON number parser is not correctly rounding (1.7976931348623157e308 became +inf)",
  'string-escapes': 'Zeek 8.0.10 decodes the JSON escape \\/ to "?"',
  'subnet-bad-len':
    'Zeek turns an out-of-range prefix length into ::/0; the gateway passes the length through',
  'ping-unregistered-metadata':
    'metadata ids are forwarded as sent (the gateway has no registry of metadata ids, decision 4)',
  'ts-ns': "Zeek's timestamp parser goes through a double (…123456717 ns); the gateway keeps all 9 digits",
};

type WorkerEvent = Capture['from_worker'][number];

/** Topic the captured frame was delivered on (a few captures were taken on the injection topic). */
const topicOf = (ev: WorkerEvent): string =>
  ev.websocket_text?.text?.startsWith('{"type":"data-message","topic":"zeek.test.inj."')
    ? 'zeek.test.inj.'
    : 'zeek.test.ev.';

function skipWorker(ev: WorkerEvent): string | undefined {
  if (ev.websocket_text === null)
    return 'Zeek withholds events its hosting node cannot convert; the gateway delivers them (decision 2)';
  // This capture pairs the worker's metadata-less ping with the frame of client B's ping that carried metadata.
  if (ev.name === 'ping') return 'capture pairs a payload without metadata with a frame with metadata';
  if (ev.name === 'Test::marker' && ev.zeromq_payload_hex.endsWith(Buffer.from('done').toString('hex'))) {
    return 'capture pairs the "done" marker payload with the "begin" frame';
  }
  return undefined;
}

const bytesOf = (r: { readonly text?: string; readonly text_hex?: string }): Buffer =>
  r.text_hex !== undefined ? Buffer.from(r.text_hex, 'hex') : Buffer.from(r.text ?? '', 'utf8');

describe('every data type, byte for byte against Zeek 8.0.10 (dialect zeek)', () => {
  let rig: Rig;
  let node: ZeekNode;
  let a: RecordingClient;
  let b: RecordingClient;
  before(async () => {
    rig = await startRig({
      jsonDialect: 'zeek',
      signaturesFile: fixturePath('gateway', 'signatures', 'test-types.json'),
    });
    node = new ZeekNode('zeromq_worker-1_host_4242_Nworker', rig.hub);
    await node.subscribe('zeek.test.inj.');
    // Zeek's exact output may be invalid UTF-8 in a text frame: read it without the check.
    a = new RecordingClient(rig.url, { skipUTF8Validation: true });
    b = new RecordingClient(rig.url);
    await Promise.all([a.opened, b.opened]);
    a.send(JSON.stringify(['zeek.test.inj.', 'zeek.test.ev.']));
    b.send('[]');
    assert.equal(((await a.nextJson()) as { type: string }).type, 'ack');
    assert.equal(((await b.nextJson()) as { type: string }).type, 'ack');
  });
  after(async () => {
    await a.close();
    await b.close();
    await node.close();
    await rig.close();
  });

  for (const input of capture.inputs) {
    const skip = DEVIATIONS[input.name];
    test(`client input ${input.name}`, { skip }, async () => {
      const before = node.received.length;
      b.send(input.sent);
      if (input.server_reply !== null) {
        for (const expected of input.server_reply) {
          const got = await b.next();
          assert.equal(got.kind === 'message' ? got.text : got, expected);
        }
        // Nothing was published: a marker from B arrives at the node next, and nothing at A.
        return;
      }
      const got = await a.next();
      assert.ok(got.kind === 'message');
      assert.ok(input.rendered_to_other_client !== null);
      assert.equal(
        got.data.toString('hex'),
        bytesOf(input.rendered_to_other_client).toString('hex'),
        'frame seen by the other client',
      );
      await node.waitFor(() => node.received.length > before, 5000, input.name);
      assert.equal(
        node.received[before]?.payload.toString('hex'),
        input.zeromq_payload_hex,
        'broker-bin-v1 payload on the ZeroMQ side',
      );
    });
  }

  for (const ev of capture.from_worker) {
    test(`cluster event ${ev.name}`, { skip: skipWorker(ev) }, async () => {
      await node.publish(topicOf(ev), Buffer.from(ev.zeromq_payload_hex, 'hex'));
      const got = await a.next();
      assert.ok(got.kind === 'message' && ev.websocket_text !== null);
      assert.equal(got.data.toString('hex'), bytesOf(ev.websocket_text).toString('hex'));
    });
  }
});

describe('default dialect: always valid JSON, otherwise identical', () => {
  test('every cluster event renders as valid JSON; valid Zeek output is kept byte for byte', async () => {
    const rig = await startRig();
    const node = new ZeekNode('zeromq_worker-1_host_4242_Nworker', rig.hub);
    const a = new RecordingClient(rig.url);
    try {
      await a.opened;
      a.send('["zeek.test.ev.", "zeek.test.inj."]');
      await a.nextJson();
      for (const ev of capture.from_worker) {
        if (skipWorker(ev) !== undefined) continue;
        await node.publish(topicOf(ev), Buffer.from(ev.zeromq_payload_hex, 'hex'));
        const got = await a.next();
        assert.ok(got.kind === 'message');
        assert.doesNotThrow(() => JSON.parse(got.text), ev.name);
        if (ev.is_valid_json === true && ev.websocket_text !== null) {
          assert.equal(got.data.toString('hex'), bytesOf(ev.websocket_text).toString('hex'), ev.name);
        }
      }
    } finally {
      await a.close();
      await node.close();
      await rig.close();
    }
  });
});
