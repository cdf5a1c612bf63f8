/**
 * CURVE towards the hub (zeromq-wire.md §8): the gateway's libzmq transport against the REAL
 * zeek-relay hub with a ZAP allow-list, and against a CURVE proxy without one; the key settings'
 * typed errors. Keys are generated per test.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { data } from '@zeek-relay/wire';
import { createGateway, defaultGatewayConfig, loadGatewayConfig, type GatewayConfig } from '../src/index.js';
import {
  freshKeys,
  startCurveHub,
  startOpenCurveProxy,
  waitForAsync,
  zapRequests,
  type CurveTestHub,
  type KeyPair,
} from './helpers/curve-hub.js';
import { S, dataMessage } from './helpers/events.js';
import { startRig } from './helpers/gateway.js';
import { waitUntil } from './helpers/scenario.js';
import { RecordingClient } from './helpers/ws-client.js';
import { ZeekNode } from './helpers/zeek-node.js';

const dir = mkdtempSync(join(tmpdir(), 'zr-gateway-curve-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` to a fresh file in the test directory, as a mounted Secret key (newline-terminated). */
let files = 0;
function keyFile(text: string): string {
  const path = join(dir, `key-${++files}`);
  writeFileSync(path, `${text}\n`);
  return path;
}

async function acked(url: string, subs: string[]): Promise<{ client: RecordingClient; endpoint: string }> {
  const client = new RecordingClient(url);
  await client.opened;
  client.send(JSON.stringify(subs));
  const ack = (await client.nextJson()) as { type: string; endpoint: string };
  assert.equal(ack.type, 'ack');
  return { client, endpoint: ack.endpoint };
}

/**
 * Both directions through a CURVE hub: a client event reaches the node (with the client's id as
 * sender), a node event reaches the client.
 */
async function roundTrip(url: string, hub: CurveTestHub, nodeKeys: KeyPair, tag: string): Promise<void> {
  const node = new ZeekNode(`zeromq_manager_host_1_N${tag}`, hub, { serverKey: hub.serverKey, ...nodeKeys });
  // The node subscribes first: the client's ack (its probe echoed on the gateway's hub
  // connection) then proves the gateway's XPUB has the node's subscription too.
  let client: RecordingClient | undefined;
  try {
    await node.subscribe('/from-clients/');
    const a = await acked(url, ['/to-clients/']);
    client = a.client;
    const endpoint = a.endpoint;
    client.send(dataMessage('/from-clients/x', 'hello', [S(`from ${tag}`)]));
    await node.waitFor(() => node.events('hello').length === 1, 10000, 'the client event');
    const got = node.received.find((r) => r.event?.name === 'hello');
    assert.equal(got?.sender, endpoint);
    const [arg] = (got?.event?.args ?? []) as { type: string; value: Uint8Array }[];
    assert.equal(arg?.type, 'string');
    assert.equal(Buffer.from(arg?.value ?? []).toString('utf8'), `from ${tag}`);

    await node.publish('/to-clients/y', { name: 'pong', args: [data.count(42)] });
    const m = (await client.nextJson()) as { type: string; topic: string; data: unknown[] };
    assert.equal(m.type, 'data-message');
    assert.equal(m.topic, '/to-clients/y');
    assert.deepEqual(m.data[2], {
      '@data-type': 'vector',
      data: [
        { '@data-type': 'string', data: 'pong' },
        { '@data-type': 'vector', data: [{ '@data-type': 'count', data: 42 }] },
      ],
    });
  } finally {
    await client?.close();
    await node.close();
  }
}

describe('gateway ↔ CURVE hub', { timeout: 60_000 }, () => {
  test('(a) key pair on the real hub’s allow-list (from files): ready, events flow both ways', async () => {
    const { server, clients } = freshKeys(2);
    const [gw, node] = clients as [KeyPair, KeyPair];
    const hub = await startCurveHub(server, [gw.publicKey, node.publicKey]);
    try {
      const rig = await startRig(
        {
          hubCurveServerKeyFile: keyFile(server.publicKey),
          hubCurvePublicKeyFile: keyFile(gw.publicKey),
          hubCurveSecretKeyFile: keyFile(gw.secretKey),
        },
        hub,
      );
      try {
        assert.deepEqual(rig.gateway.readiness(), { ready: true });
        await roundTrip(rig.url, hub, node, 'allowed');
        assert.equal(await zapRequests(hub.hub!, 'rejected'), 0);
        // Gateway XPUB + XSUB and node XPUB + XSUB each passed the hub's ZAP check.
        assert.ok((await zapRequests(hub.hub!, 'accepted')) >= 4);
      } finally {
        await rig.close();
      }
    } finally {
      await hub.close();
    }
  });

  test('(b) no client pair configured: an ephemeral pair works with a CURVE hub without allow-list', async () => {
    const { server, clients } = freshKeys(1);
    const hub = await startOpenCurveProxy(server);
    try {
      const rig = await startRig({ hubCurveServerKey: server.publicKey }, hub);
      try {
        await roundTrip(rig.url, hub, clients[0]!, 'ephemeral');
      } finally {
        await rig.close();
      }
      // Client key files that are both absent (an optional Secret key): also an ephemeral pair.
      const rig2 = await startRig(
        {
          hubCurveServerKeyFile: keyFile(server.publicKey),
          hubCurvePublicKeyFile: join(dir, 'absent-client-public-key'),
          hubCurveSecretKeyFile: join(dir, 'absent-client-secret-key'),
        },
        hub,
      );
      try {
        assert.deepEqual(rig2.gateway.readiness(), { ready: true });
      } finally {
        await rig2.close();
      }
    } finally {
      await hub.close();
    }
  });

  test('(c) a key not on the allow-list: never ready, the hub counts the ZAP rejections', async () => {
    const { server, clients } = freshKeys(2);
    const [stranger, allowed] = clients as [KeyPair, KeyPair];
    const hub = await startCurveHub(server, [allowed.publicKey]);
    const gateway = createGateway(
      defaultGatewayConfig({
        port: 0,
        healthPort: -1,
        logLevel: 'silent',
        connectXpubEndpoint: hub.xsubEndpoint,
        connectXsubEndpoint: hub.xpubEndpoint,
        hubCurveServerKey: server.publicKey,
        hubCurvePublicKey: stranger.publicKey,
        hubCurveSecretKey: stranger.secretKey,
      }),
    );
    try {
      await gateway.start();
      // Both of the gateway's sockets were turned away by the hub's ZAP handler.
      await waitForAsync(async () => (await zapRequests(hub.hub!, 'rejected')) >= 2, 'two ZAP rejections');
      assert.equal(await zapRequests(hub.hub!, 'accepted'), 0);
      assert.deepEqual(gateway.readiness(), { ready: false, reason: 'waiting for the hub' });
      // Nothing of the gateway (its readiness probe topic) reached the hub.
      assert.deepEqual(
        hub.hub!.subscriptions().filter((p) => p.includes(gateway.nodeId)),
        [],
      );
    } finally {
      await gateway.close();
      await hub.close();
    }
  });
});

describe('CURVE hub restart', { timeout: 60_000 }, () => {
  test('readiness follows the hub; the subscriptions reach the restarted hub over CURVE again', async () => {
    const { server, clients } = freshKeys(2);
    const [gw, nodeKeys] = clients as [KeyPair, KeyPair];
    const allowed = [gw.publicKey, nodeKeys.publicKey];
    let hub = await startCurveHub(server, allowed);
    const port = (endpoint: string): number => Number(endpoint.split(':').pop());
    const ports = { xpub: port(hub.xpubEndpoint), xsub: port(hub.xsubEndpoint) };
    const rig = await startRig(
      {
        hubCurveServerKey: server.publicKey,
        hubCurvePublicKey: gw.publicKey,
        hubCurveSecretKey: gw.secretKey,
      },
      hub,
    );
    const { client } = await acked(rig.url, ['/survives/']);
    let node: ZeekNode | undefined;
    try {
      await hub.close();
      await waitUntil(() => !rig.gateway.readiness().ready, 'not ready without a hub');
      hub = await startCurveHub(server, allowed, ports);
      await waitUntil(() => rig.gateway.readiness().ready, 'ready again');
      node = new ZeekNode('zeromq_manager_host_1_Ncurverestart', hub, {
        serverKey: server.publicKey,
        ...nodeKeys,
      });
      await node.subscribe('/from-client/');
      // A second ack after the node's subscription: its probe echo proves the gateway has it.
      const late = await acked(rig.url, []);
      await late.client.close();
      await waitUntil(
        () => node?.subscriptionsSeen.includes('/survives/') === true,
        'client prefix re-sent to the new hub',
      );
      await node.publish('/survives/x', { name: 'after_restart', args: [] });
      assert.equal(((await client.nextJson()) as { topic: string }).topic, '/survives/x');
      client.send(dataMessage('/from-client/', 'back', []));
      await node.waitFor(() => node?.events('back').length === 1);
    } finally {
      await client.close();
      await node?.close();
      await rig.close();
      await hub.close();
    }
  });
});

describe('CURVE key settings (ZR_GATEWAY_CURVE_CONFIG)', () => {
  const { server, clients } = freshKeys(2);
  const [a, b] = clients as [KeyPair, KeyPair];

  async function startError(overrides: Partial<GatewayConfig>): Promise<{ code: unknown; message: string }> {
    const gateway = createGateway(
      defaultGatewayConfig({
        port: 0,
        healthPort: -1,
        logLevel: 'silent',
        // Nothing listens here: the errors must come before any connection attempt.
        connectXpubEndpoint: 'tcp://127.0.0.1:1',
        connectXsubEndpoint: 'tcp://127.0.0.1:1',
        ...overrides,
      }),
    );
    try {
      await gateway.start();
    } catch (err) {
      return { code: (err as { code?: unknown }).code, message: (err as Error).message };
    } finally {
      await gateway.close();
    }
    assert.fail('start() should have been rejected');
  }

  const cases: [string, Partial<GatewayConfig>, RegExp][] = [
    [
      'half a client key pair (public only)',
      { hubCurveServerKey: server.publicKey, hubCurvePublicKey: a.publicKey },
      /Half a CURVE client key pair: hubCurveSecretKey\(File\) is missing/,
    ],
    [
      'half a client key pair (secret file only)',
      { hubCurveServerKey: server.publicKey, hubCurveSecretKeyFile: keyFile(a.secretKey) },
      /Half a CURVE client key pair: hubCurvePublicKey\(File\) is missing/,
    ],
    [
      'a 39-character server key',
      { hubCurveServerKey: server.publicKey.slice(0, 39) },
      /hubCurveServerKey has 39 characters; a Z85 CURVE key has exactly 40/,
    ],
    [
      'a 40-character key with a character outside Z85',
      { hubCurveServerKey: `~${server.publicKey.slice(1)}` },
      /hubCurveServerKey is not valid Z85/,
    ],
    [
      'a server key file that does not exist',
      { hubCurveServerKeyFile: '/nonexistent/zr-gateway/server-public-key' },
      /hubCurveServerKeyFile \/nonexistent\/zr-gateway\/server-public-key does not exist/,
    ],
    [
      'an unreadable client key file (a directory)',
      {
        hubCurveServerKey: server.publicKey,
        hubCurvePublicKey: a.publicKey,
        hubCurveSecretKeyFile: directory(),
      },
      /Cannot read hubCurveSecretKeyFile .*EISDIR/,
    ],
    [
      'one of two client key files missing',
      {
        hubCurveServerKey: server.publicKey,
        hubCurvePublicKeyFile: keyFile(a.publicKey),
        hubCurveSecretKeyFile: '/nonexistent/zr-gateway/client-secret-key',
      },
      /hubCurveSecretKeyFile \/nonexistent\/zr-gateway\/client-secret-key does not exist/,
    ],
    [
      'a public key that does not belong to the secret key',
      { hubCurveServerKey: server.publicKey, hubCurvePublicKey: a.publicKey, hubCurveSecretKey: b.secretKey },
      /hubCurvePublicKey does not belong to hubCurveSecretKey/,
    ],
    [
      'a key given both inline and as a file',
      { hubCurveServerKey: server.publicKey, hubCurveServerKeyFile: keyFile(server.publicKey) },
      /Give hubCurveServerKey or hubCurveServerKeyFile, not both/,
    ],
    [
      'client keys without a hub server key',
      { hubCurvePublicKey: a.publicKey, hubCurveSecretKey: a.secretKey },
      /no hubCurveServerKey\(File\)/,
    ],
  ];

  for (const [what, overrides, message] of cases) {
    test(what, async () => {
      const err = await startError(overrides);
      assert.equal(err.code, 'ZR_GATEWAY_CURVE_CONFIG');
      assert.match(err.message, message);
    });
  }

  test('the variables the operator sets reach the key file settings', () => {
    const c = loadGatewayConfig([], {
      ZR_GATEWAY_HUB_CURVE_SERVER_KEY_FILE: '/etc/zeek-relay/hub-curve/server-public-key',
      ZR_GATEWAY_HUB_CURVE_PUBLIC_KEY_FILE: '/etc/zeek-relay/hub-curve/client-public-key',
      ZR_GATEWAY_HUB_CURVE_SECRET_KEY_FILE: '/etc/zeek-relay/hub-curve/client-secret-key',
    });
    assert.equal(c.hubCurveServerKeyFile, '/etc/zeek-relay/hub-curve/server-public-key');
    assert.equal(c.hubCurvePublicKeyFile, '/etc/zeek-relay/hub-curve/client-public-key');
    assert.equal(c.hubCurveSecretKeyFile, '/etc/zeek-relay/hub-curve/client-secret-key');
    assert.equal(c.hubCurveServerKey, '');
  });

  test('with CURVE on, a bad hub endpoint is still ZR_GATEWAY_HUB_CONNECT (libzmq refuses it)', async () => {
    const gateway = createGateway(
      defaultGatewayConfig({
        port: 0,
        healthPort: -1,
        logLevel: 'silent',
        connectXpubEndpoint: 'tcp://127.0.0.1:1',
        connectXsubEndpoint: 'nonsense://x',
        hubCurveServerKey: server.publicKey,
      }),
    );
    try {
      await assert.rejects(gateway.start(), { code: 'ZR_GATEWAY_HUB_CONNECT' });
      assert.deepEqual(gateway.readiness(), { ready: false, reason: 'not listening' });
    } finally {
      await gateway.close();
    }
  });

  test('a correct pair given inline is accepted (the checks above are not over-strict)', async () => {
    const hub = await startOpenCurveProxy(server);
    try {
      const rig = await startRig(
        {
          hubCurveServerKey: ` ${server.publicKey}\n`,
          hubCurvePublicKey: b.publicKey,
          hubCurveSecretKey: b.secretKey,
        },
        hub,
      );
      await rig.close();
    } finally {
      await hub.close();
    }
  });
});

/** A directory where a key file is expected: exists, but cannot be read as a file. */
function directory(): string {
  const path = join(dir, `subdir-${++files}`);
  mkdirSync(path);
  return path;
}
