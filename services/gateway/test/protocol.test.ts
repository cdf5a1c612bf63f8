import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { BrokerData } from '@zeek-relay/wire';
import { startRig, type Rig } from './helpers/gateway.js';
import { readJsonFixture } from '@zeek-relay/fixtures';
import { RecordingClient } from './helpers/ws-client.js';
import type { EmulatedZeekNode } from '@zeek-relay/zeek-node';
import { attachNode } from './helpers/hub.js';

/** Captured from Zeek 8.0.10 (zeek-8.0/captured/websocket-protocol.json of @zeek-relay/fixtures). */
interface ProtocolTest {
  readonly name: string;
  readonly request?: string;
  readonly response?: string;
  readonly path?: string;
  readonly client_observed?: readonly Record<string, unknown>[];
  readonly websocket_client_lost?: { readonly code: number; readonly reason: string };
}
const captured = readJsonFixture<{ tests: ProtocolTest[] }>(
  'zeek-8.0',
  'captured',
  'websocket-protocol.json',
).tests;
const byName = new Map(captured.map((t) => [t.name, t]));
const LIFECYCLE = 'zeek.cluster.manager';

/** Sends raw bytes, returns everything the server wrote until it closed (or `untilBytes` arrived). */
function rawExchange(port: number, request: string, untilBytes?: (b: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => sock.write(request));
    sock.on('data', (d) => {
      chunks.push(d);
      if (untilBytes?.(Buffer.concat(chunks))) sock.destroy();
    });
    sock.on('close', () => resolve(Buffer.concat(chunks)));
    sock.on('error', reject);
  });
}

const str = (d: BrokerData | undefined): string =>
  d?.type === 'string' ? Buffer.from(d.value).toString('utf8') : '<none>';

describe('HTTP upgrade, URL and header checks, close codes (websocket-protocol.json)', () => {
  let rig: Rig;
  let node: EmulatedZeekNode;
  before(async () => {
    rig = await startRig({ lifecycleTopic: LIFECYCLE });
    node = await attachNode('zeromq_manager_host_1_Nlife', rig.hub);
    await node.subscribeAndWait(LIFECYCLE);
  });
  after(async () => {
    await node.close();
    await rig.close();
  });

  /** The next `websocket_client_lost` after `seen` earlier ones: [code, reason]. */
  async function lost(seen: number): Promise<[number, string]> {
    await node.waitFor(() => node.events('Cluster::websocket_client_lost').length > seen, 'lost event');
    const ev = node.events('Cluster::websocket_client_lost')[seen];
    const code = ev?.args[1];
    return [code?.type === 'count' ? Number(code.value) : -1, str(ev?.args[2])];
  }

  for (const name of [
    'POST',
    'HTTP/1.0',
    'no-key',
    'no-upgrade',
    'upgrade-h2c',
    'no-version',
    'version-12',
    'plain-http',
  ]) {
    test(`400 for ${name}, with Zeek's reason phrase`, async () => {
      const t = byName.get(name);
      assert.ok(t?.request && t.response);
      const got = (await rawExchange(rig.address.port, t.request)).toString('latin1');
      assert.equal(got.split('\r\n')[0], t.response.split('\r\n')[0]);
    });
  }

  test('GET-ok-raw: 101 without subprotocol or extension, first PING right after, lost 1006', async () => {
    const t = byName.get('GET-ok-raw');
    assert.ok(t?.request && t.response && t.websocket_client_lost);
    const seen = node.events('Cluster::websocket_client_lost').length;
    const expectedPing = t.response.slice(t.response.indexOf('\r\n\r\n') + 4);
    const got = (
      await rawExchange(
        rig.address.port,
        t.request,
        (b) => b.includes('\r\n\r\n') && b.length >= b.indexOf('\r\n\r\n') + 4 + expectedPing.length,
      )
    ).toString('latin1');
    const [head, rest] = [got.slice(0, got.indexOf('\r\n\r\n')), got.slice(got.indexOf('\r\n\r\n') + 4)];
    const lines = head.split('\r\n');
    assert.equal(lines[0], 'HTTP/1.1 101 Switching Protocols');
    assert.ok(lines.includes('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='), head);
    assert.ok(!/sec-websocket-(protocol|extensions)/i.test(head), 'no subprotocol, no permessage-deflate');
    assert.equal(rest, expectedPing, 'PING frame ixwebsocket::heartbeat::5s::0');
    assert.deepEqual(await lost(seen), [t.websocket_client_lost.code, t.websocket_client_lost.reason]);
  });

  /** What each captured WebSocket test does after connecting (its `what`). */
  const actions: Record<
    string,
    { headers?: Record<string, string>; run?: (c: RecordingClient) => Promise<void> | void }
  > = {
    'trailing-slash': {},
    'query-string': {},
    uppercase: {},
    'app-empty': { headers: { 'X-Application-Name': '' }, run: (c) => c.send('[]') },
    'app-space': { headers: { 'X-Application-Name': 'a b' } },
    'app-allowed-chars': { headers: { 'X-Application-Name': 'A-z_0.9/=:*@' }, run: (c) => c.send('[]') },
    'binary-subscription': { run: (c) => c.send(Buffer.from('["/a/"]'), true) },
    'client-ping': { run: (c) => c.send('[]') },
    'invalid-utf8-text': { run: (c) => c.send('[]') },
    'close-no-code': { run: (c) => c.send('[]') },
    'close-4000': { run: (c) => c.send('[]') },
    'subscription-empty-string': { run: (c) => c.send('[""]') },
    'subscription-trailing-garbage': { run: (c) => c.send('["a"] x') },
    'subscription-object': { run: (c) => c.send('{"a":1}') },
  };

  for (const [name, action] of Object.entries(actions)) {
    test(`${name}: same frames and close as Zeek`, async () => {
      const t = byName.get(name);
      assert.ok(t?.path && t.client_observed);
      const seen = node.events('Cluster::websocket_client_lost').length;
      const c = new RecordingClient(`ws://127.0.0.1:${rig.address.port}${t.path}`, {
        headers: action.headers ?? {},
      });
      await c.opened;
      await action.run?.(c);
      const pongs: string[] = [];
      c.ws.on('pong', (d) => pongs.push(d.toString('utf8')));
      for (const expected of t.client_observed.slice(1)) {
        if ('msg' in expected) {
          const got = await c.next();
          assert.ok(got.kind === 'message', `${name}: expected ${String(expected.msg)}`);
          const want = JSON.parse(String(expected.msg)) as Record<string, unknown>;
          const have = JSON.parse(got.text) as Record<string, unknown>;
          if (want.type === 'ack') {
            assert.match(String(have.endpoint), new RegExp(`^${rig.gateway.nodeId}-websocket-\\d+$`));
            want.endpoint = have.endpoint;
            want.version = have.version;
            if (name === 'client-ping') c.ws.ping('hello-ping');
            if (name === 'invalid-utf8-text') c.send(Buffer.from([0x22, 0xff, 0x22]), false);
            if (name === 'close-no-code') c.ws.close();
            if (name === 'close-4000') c.ws.close(4000, 'bye now');
            if (name.startsWith('app-') || name.startsWith('binary') || name.startsWith('subscription-empty'))
              c.ws.close(1000);
          }
          assert.deepEqual(have, want);
          if (want.type === 'error' && String(want.code) === 'deserialization_failed') c.ws.close(1000);
        } else if ('pong' in expected) {
          const { waitUntil } = await import('./helpers/scenario.js');
          await waitUntil(() => pongs.length > 0, 'pong');
          assert.equal(pongs[0], expected.pong);
          c.ws.close(1000);
        } else if ('close' in expected) {
          const got = await c.next();
          assert.deepEqual(got.kind === 'close' ? [got.code, got.reason] : got, [
            expected.close,
            expected.reason,
          ]);
        }
      }
      if (t.websocket_client_lost) {
        assert.deepEqual(await lost(seen), [t.websocket_client_lost.code, t.websocket_client_lost.reason]);
      } else {
        // Rejected for path or header: Zeek raises no lost event (websocket-v1.md §4.6).
        await c.closed;
        assert.equal(node.events('Cluster::websocket_client_lost').length, seen);
      }
    });
  }
});
