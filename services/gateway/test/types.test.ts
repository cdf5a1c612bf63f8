import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRig, type Rig } from './helpers/gateway.js';
import { fixturePath, readJsonFixture } from '@zeek-relay/fixtures';
import { RecordingClient } from './helpers/ws-client.js';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { attachNode } from './helpers/hub.js';

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

type Frame = { readonly text?: string; readonly text_hex?: string };

/**
 * The gateway's own answer where it differs from Zeek 8.0.10 by choice (websocket-v1.md §3.2,
 * §9 decisions 2 and 4): derived by hand from the capture and the protocol documents, each case
 * with its reason and derivation (zeek-8.0/gateway-choices.json). Everything else must match
 * Zeek byte for byte.
 */
const choices = readJsonFixture<{
  from_worker: Record<string, { readonly websocket_text: Frame; readonly why: string }>;
  inputs: Record<string, { rendered_to_other_client: Frame; zeromq_payload_hex: string; why: string }>;
}>('zeek-8.0', 'gateway-choices.json');

type WorkerEvent = Capture['from_worker'][number];
type Input = Capture['inputs'][number];

/** The frame the gateway delivers for a worker event: Zeek's, or our answer where Zeek withheld it. */
function workerFrame(ev: WorkerEvent): Frame {
  const frame = ev.websocket_text ?? choices.from_worker[ev.name]?.websocket_text;
  assert.ok(frame, `${ev.name}: Zeek withheld it and gateway-choices.json has no answer`);
  return frame;
}

/** What client A sees and the hub gets for one of B's inputs: Zeek's, or our documented choice. */
function inputOutcome(input: Input): { frame: Frame | null; payloadHex: string | undefined } {
  const ours = choices.inputs[input.name];
  if (ours) return { frame: ours.rendered_to_other_client, payloadHex: ours.zeromq_payload_hex };
  return { frame: input.rendered_to_other_client, payloadHex: input.zeromq_payload_hex };
}

/**
 * Topic the frame names: the worker's zeek.test.ev., except Test::v_conn_id and Test::all, whose
 * recorded frames are those of client B's byte-identical inputs on zeek.test.inj. (fixture README).
 */
const topicOf = (ev: WorkerEvent): string =>
  ev.websocket_text?.text?.startsWith('{"type":"data-message","topic":"zeek.test.inj."')
    ? 'zeek.test.inj.'
    : 'zeek.test.ev.';

const bytesOf = (r: Frame): Buffer =>
  r.text_hex !== undefined ? Buffer.from(r.text_hex, 'hex') : Buffer.from(r.text ?? '', 'utf8');

describe('every data type, byte for byte against Zeek 8.0.10 (dialect zeek)', () => {
  let rig: Rig;
  let node: EmulatedZeekNode;
  let a: RecordingClient;
  let b: RecordingClient;
  before(async () => {
    rig = await startRig({
      jsonDialect: 'zeek',
      signaturesFile: fixturePath('gateway', 'signatures', 'test-types.json'),
    });
    node = await attachNode('zeromq_worker-1_host_4242_Nworker', rig.hub);
    await node.subscribeAndWait('zeek.test.inj.');
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
    const why = choices.inputs[input.name]?.why;
    test(`client input ${input.name}${why === undefined ? '' : ' (our choice: see gateway-choices.json)'}`, async () => {
      const expected = inputOutcome(input);
      const before = node.inbox.length;
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
      assert.ok(expected.frame !== null);
      assert.equal(
        got.data.toString('hex'),
        bytesOf(expected.frame).toString('hex'),
        'frame seen by the other client',
      );
      await node.waitFor(() => node.inbox.length > before, input.name);
      assert.equal(
        Buffer.from(node.inbox[before]?.payload ?? []).toString('hex'),
        expected.payloadHex,
        'broker-bin-v1 payload on the ZeroMQ side',
      );
    });
  }

  for (const ev of capture.from_worker) {
    const withheld = ev.websocket_text === null ? ' (withheld by Zeek, delivered by the gateway)' : '';
    test(`cluster event ${ev.name}${withheld}`, async () => {
      await node.publishWhenSubscribed(topicOf(ev), Buffer.from(ev.zeromq_payload_hex, 'hex'));
      const got = await a.next();
      assert.ok(got.kind === 'message');
      assert.equal(got.data.toString('hex'), bytesOf(workerFrame(ev)).toString('hex'));
    });
  }
});

describe('default dialect: always valid JSON, otherwise identical', () => {
  test('every cluster event renders as valid JSON; valid Zeek output is kept byte for byte', async () => {
    const rig = await startRig();
    const node = await attachNode('zeromq_worker-1_host_4242_Nworker', rig.hub);
    const a = new RecordingClient(rig.url);
    try {
      await a.opened;
      a.send('["zeek.test.ev.", "zeek.test.inj."]');
      await a.nextJson();
      for (const ev of capture.from_worker) {
        await node.publishWhenSubscribed(topicOf(ev), Buffer.from(ev.zeromq_payload_hex, 'hex'));
        const got = await a.next();
        assert.ok(got.kind === 'message');
        assert.doesNotThrow(() => JSON.parse(got.text), ev.name);
        // Zeek's valid-JSON frames, and our answers for the events Zeek withheld (valid JSON too).
        if (ev.is_valid_json === true || ev.websocket_text === null) {
          assert.equal(got.data.toString('hex'), bytesOf(workerFrame(ev)).toString('hex'), ev.name);
        }
      }
    } finally {
      await a.close();
      await node.close();
      await rig.close();
    }
  });
});
