import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { createLogger, createMetrics, startHealthServer } from '@zeek-relay/runtime';
import { createGateway, defaultGatewayConfig } from '../src/index.js';
import { C, S, dataMessage } from './helpers/events.js';
import { startRig } from './helpers/gateway.js';
import { fixturePath } from '@zeek-relay/fixtures';
import { hasOpenssl, makeTestTls, type TestTls } from './helpers/tls.js';
import { RecordingClient } from './helpers/ws-client.js';
import { attachNode } from './helpers/hub.js';

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

// Certificates made per run with openssl (helpers/tls.ts), removed when this file's tests end.
let tlsFiles: TestTls | undefined;
const tls = (): TestTls => (tlsFiles ??= makeTestTls());
const noTls = { skip: !hasOpenssl && 'openssl not installed' };
after(() => tlsFiles?.remove());

describe('bearer-token auth and topic ACLs', () => {
  test('401 before the upgrade without a valid token; ACLs on subscribe and publish', async () => {
    const rig = await startRig({ tokensFile: fixturePath('gateway', 'tokens.json') });
    const node = await attachNode('zeromq_manager_host_1_Nauth', rig.hub);
    await node.subscribeAndWait('/analytics/', '/other/');
    try {
      for (const opts of [{}, bearer('wrong'), { headers: { Authorization: 'Basic Zm9vOmJhcg==' } }]) {
        const c = new RecordingClient(rig.url, opts);
        await assert.rejects(c.opened, /HTTP 401/);
        assert.equal(c.unexpectedResponse, 401);
      }
      // Subscribing outside the ACL: error, then close 1008.
      const bad = new RecordingClient(rig.url, bearer('analytics-token'));
      await bad.opened;
      bad.send('["/zeek/"]');
      assert.deepEqual(await bad.nextJson(), {
        type: 'error',
        code: 'forbidden_topic',
        context: "subscription to '/zeek/' is not allowed",
      });
      assert.deepEqual(await bad.closed, { code: 1008, reason: 'Forbidden subscription' });

      const ok = new RecordingClient(rig.url, bearer('analytics-token'));
      await ok.opened;
      ok.send('["/zeek/notices/ssh"]');
      assert.equal(((await ok.nextJson()) as { type: string }).type, 'ack');
      ok.send(dataMessage('/other/', 'ping', [S('forbidden'), C(1)]));
      assert.deepEqual(await ok.nextJson(), {
        type: 'error',
        code: 'forbidden_topic',
        context: "publishing to '/other/' is not allowed",
      });
      ok.send(dataMessage('/analytics/x', 'ping', [S('allowed'), C(2)]));
      await node.waitFor(() => node.events('ping').length === 1);
      assert.equal(node.inbox[0]?.topic, '/analytics/x');
      await ok.close();

      // A token given only as its SHA-256 digest; `publish: []` forbids every topic.
      const hashed = new RecordingClient(rig.url, bearer('test'));
      await hashed.opened;
      hashed.send('[""]');
      assert.equal(((await hashed.nextJson()) as { type: string }).type, 'ack');
      hashed.send(dataMessage('/analytics/', 'ping', [S('no'), C(3)]));
      assert.equal(((await hashed.nextJson()) as { code: string }).code, 'forbidden_topic');
      await hashed.close();

      const full = new RecordingClient(rig.url, bearer('full-access-token'));
      await full.opened;
      full.send('[""]');
      assert.equal(((await full.nextJson()) as { type: string }).type, 'ack');
      await full.close();
    } finally {
      await node.close();
      await rig.close();
    }
  });

  test('a malformed token file stops start() with ZR_GATEWAY_TOKENS_INVALID', async () => {
    const gw = createGateway(
      defaultGatewayConfig({
        port: 0,
        healthPort: -1,
        tokensFile: fixturePath('gateway', 'signatures', 'ping-pong.json'),
      }),
    );
    await assert.rejects(gw.start(), { code: 'ZR_GATEWAY_TOKENS_INVALID' });
    await gw.close();
  });
});

describe('limits and configuration errors', () => {
  test('max clients: the next upgrade gets HTTP 503, a freed slot is reusable', async () => {
    const rig = await startRig({ maxClients: 2 });
    try {
      const a = new RecordingClient(rig.url);
      const b = new RecordingClient(rig.url);
      await Promise.all([a.opened, b.opened]);
      const c = new RecordingClient(rig.url);
      await assert.rejects(c.opened, /HTTP 503/);
      await a.close();
      const { waitUntil } = await import('./helpers/scenario.js');
      await waitUntil(() => rig.gateway.clientCount === 1, 'slot freed');
      const d = new RecordingClient(rig.url);
      await d.opened;
      await Promise.all([b.close(), d.close()]);
    } finally {
      await rig.close();
    }
  });

  test("half a TLS configuration fails like Zeek's listen_websocket (tls-usage-error)", noTls, async () => {
    for (const [cfg, message] of [
      [{ tlsCertFile: tls().serverCert }, 'Invalid tls_options: No key_file field'],
      [{ tlsKeyFile: tls().serverKey }, 'Invalid tls_options: No cert_file field'],
    ] as const) {
      const gw = createGateway(defaultGatewayConfig({ port: 0, healthPort: -1, ...cfg }));
      await assert.rejects(gw.start(), { code: 'ZR_GATEWAY_TLS_CONFIG', message });
      await gw.close();
    }
  });

  test('a malformed hub endpoint: ZR_GATEWAY_HUB_CONNECT, sockets released', async () => {
    const gw = createGateway(
      defaultGatewayConfig({ port: 0, healthPort: -1, connectXsubEndpoint: 'nonsense://x' }),
    );
    await assert.rejects(gw.start(), { code: 'ZR_GATEWAY_HUB_CONNECT' });
    await gw.close();
  });

  test('a port in use: ZR_GATEWAY_LISTEN, nothing left open', async () => {
    const rig = await startRig();
    try {
      const gw = createGateway(defaultGatewayConfig({ port: rig.address.port, healthPort: -1 }));
      await assert.rejects(gw.start(), { code: 'ZR_GATEWAY_LISTEN' });
      await gw.close();
    } finally {
      await rig.close();
    }
  });
});

describe('health, metrics and graceful shutdown', () => {
  test('/healthz, /readyz follow the hub; /metrics counts; close sends 1001 Terminating without lost events', async () => {
    const metrics = createMetrics({ serviceName: 'zeek-relay-gateway' });
    const rig = await startRig({ lifecycleTopic: 'zeek.cluster.manager' }, undefined, {
      meter: metrics.meter,
    });
    // The health server as zeek-relay-gateway's main.ts runs it (runtime's runService).
    const health = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      log: createLogger({ service: 'gateway', level: 'silent' }),
      metrics,
      readiness: () => rig.gateway.readiness(),
    });
    const node = await attachNode('zeromq_manager_host_1_Nhealth', rig.hub);
    await node.subscribeAndWait('/in/', 'zeek.cluster.manager');
    const base = health.url;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);

    const c = new RecordingClient(rig.url);
    await c.opened;
    c.send('["/out/"]');
    await c.nextJson();
    c.send(dataMessage('/in/', 'ping', [S('m'), C(1)]));
    c.send('{"broken');
    await c.nextJson();
    await node.waitFor(() => node.events('ping').length === 1);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /^zeek_relay_gateway_connections\{[^}]*\} 1$|^zeek_relay_gateway_connections 1$/m);
    assert.match(text, /^zeek_relay_gateway_messages_total\{direction="inbound"\} 1$/m);
    assert.match(text, /^zeek_relay_gateway_errors_total\{error_type="decode"\} 1$/m);
    assert.match(text, /zeek_relay_gateway_message_duration_bucket/);

    const lostBefore = node.events('Cluster::websocket_client_lost').length;
    const closing = rig.gateway.close();
    assert.deepEqual(rig.gateway.readiness(), { ready: false, reason: 'shutting down' });
    assert.deepEqual(await c.closed, { code: 1001, reason: 'Terminating' });
    await closing;
    assert.equal(
      node.events('Cluster::websocket_client_lost').length,
      lostBefore,
      'no lost event at shutdown',
    );
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    await health.close();
    await node.close();
    await rig.close();
    await metrics.shutdown();
  });

  test('not ready while the hub is unreachable; clients wait for their ack', async () => {
    const gw = createGateway(
      defaultGatewayConfig({
        port: 0,
        healthPort: -1,
        connectXpubEndpoint: 'tcp://127.0.0.1:1',
        connectXsubEndpoint: 'tcp://127.0.0.1:2',
        subscribeTimeoutMs: 300,
      }),
    );
    const addr = await gw.start();
    try {
      assert.deepEqual(gw.readiness(), { ready: false, reason: 'waiting for the hub' });
      const c = new RecordingClient(addr.url);
      await c.opened;
      c.send('["/x/"]');
      // No hub: the subscription never echoes, so the client is closed as Zeek closes a failed subscribe.
      assert.deepEqual(await c.closed, {
        code: 1011,
        reason: 'Could not subscribe. Something bad happened!',
      });
    } finally {
      await gw.close();
    }
  });
});

describe('mutual TLS', () => {
  test('with tlsCaFile a client needs a certificate signed by that CA', noTls, async () => {
    const rig = await startRig({
      tlsCertFile: tls().serverCert,
      tlsKeyFile: tls().serverKey,
      tlsCaFile: tls().caCert,
    });
    try {
      assert.match(rig.url, /^wss:\/\//);
      const ca = readFileSync(tls().caCert);
      const anonymous = new RecordingClient(rig.url, { ca });
      await assert.rejects(anonymous.opened);
      const c = new RecordingClient(rig.url, {
        ca,
        cert: readFileSync(tls().clientCert),
        key: readFileSync(tls().clientKey),
      });
      await c.opened;
      c.send('[]');
      assert.equal(((await c.nextJson()) as { type: string }).type, 'ack');
      await c.close();
    } finally {
      await rig.close();
    }
  });
});
