import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { DEFAULT_ZEEK_VERSION } from '@zeek-relay/runtime';
import { data } from '@zeek-relay/wire';
import { loadGatewayConfig } from '../src/index.js';
import { startRig } from './helpers/gateway.js';
import { RecordingClient } from './helpers/ws-client.js';
import { attachNode } from './helpers/hub.js';

test('handshake, publish to a node, receive from a node', async () => {
  const rig = await startRig();
  const node = await attachNode('zeromq_manager_test_1_Nabc', rig.hub);
  try {
    await node.subscribeAndWait('/topic/in');
    const c = new RecordingClient(rig.url);
    await c.opened;
    c.send(JSON.stringify(['/topic/out']));
    const ack = (await c.nextJson()) as Record<string, unknown>;
    assert.equal(ack.type, 'ack');
    assert.match(String(ack.endpoint), new RegExp(`^${rig.gateway.nodeId}-websocket-0$`));
    c.send(
      '{"type":"data-message","topic":"/topic/in","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"ping"},{"@data-type":"vector","data":[{"@data-type":"count","data":18446744073709551615}]}]}]}',
    );
    await node.waitFor(() => node.inbox.length === 1);
    const ev = node.inbox[0]?.event;
    assert.equal(ev?.name, 'ping');
    assert.deepEqual(ev?.args, [data.count(18446744073709551615n)]);
    assert.equal(node.inbox[0]?.sender, ack.endpoint);
    await node.publishWhenSubscribed('/topic/out/x', { name: 'pong', args: [data.string('hi')] });
    const msg = await c.nextJson();
    assert.deepEqual(
      msg,
      JSON.parse(
        '{"type":"data-message","topic":"/topic/out/x","@data-type":"vector","data":[{"@data-type":"count","data":1},{"@data-type":"count","data":1},{"@data-type":"vector","data":[{"@data-type":"string","data":"pong"},{"@data-type":"vector","data":[{"@data-type":"string","data":"hi"}]}]}]}',
      ),
    );
    await c.close();
  } finally {
    await node.close();
    await rig.close();
  }
});

test('no fastify deprecation warning and no per-request log lines', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => void warnings.push(w.code ?? w.name);
  process.on('warning', onWarning);
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  const rig = await startRig({}, undefined, { log });
  try {
    const c = new RecordingClient(rig.url);
    await c.opened;
    c.send('[]');
    assert.equal(((await c.nextJson()) as { type: string }).type, 'ack');
    await c.close();
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    await rig.close();
    process.off('warning', onWarning);
  }
  assert.deepEqual(
    warnings.filter((w) => w.startsWith('FSTDEP')),
    [],
  );
  assert.ok(lines.length > 0, 'the logger received the gateway logs');
  assert.deepEqual(
    lines.filter((l) => /incoming request|request completed/.test(l)),
    [],
  );
});

test('the ack names the configured Zeek version (default: the current stable line, 8.2)', async () => {
  const ackVersion = async (overrides: Record<string, string>): Promise<unknown> => {
    const rig = await startRig(overrides);
    try {
      const c = new RecordingClient(rig.url);
      await c.opened;
      c.send('[]');
      const ack = (await c.nextJson()) as { type: string; version: unknown };
      assert.equal(ack.type, 'ack');
      await c.close();
      return ack.version;
    } finally {
      await rig.close();
    }
  };
  assert.equal(await ackVersion({}), DEFAULT_ZEEK_VERSION);
  assert.equal(DEFAULT_ZEEK_VERSION, '8.2');
  // A full version, as the operator sets it from the image (Zeek 8.2.2's own ack says "8.2.2").
  assert.equal(await ackVersion({ zeekVersion: '8.2.2' }), '8.2.2');
  assert.equal(await ackVersion({ zeekVersion: '8.0' }), '8.0');
  // Not a Zeek line zeek-relay speaks: a configuration error.
  assert.throws(() => loadGatewayConfig({ argv: [], env: { ZR_GATEWAY_ZEEK_VERSION: '7.0.4' } }));
});
