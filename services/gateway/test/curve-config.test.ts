/**
 * The CURVE key settings of the gateway: every bad combination ends `start()` with
 * `ZR_GATEWAY_CURVE_CONFIG` and a message naming the problem, before any connection is made.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createGateway, defaultGatewayConfig, loadGatewayConfig, type GatewayConfig } from '../src/index.js';
import { freshKeys, keyFiles, startOpenCurveProxy, type KeyPair } from './helpers/curve-hub.js';
import { startRig } from './helpers/gateway.js';

const keys = keyFiles();
after(() => keys.dispose());
const keyFile = (text: string): string => keys.file(text);
const directory = (): string => keys.directory();

describe('CURVE key settings (ZR_GATEWAY_CURVE_CONFIG)', () => {
  const { server, clients } = freshKeys(2);
  const [a, b] = clients as [KeyPair, KeyPair];

  /** A gateway (not started) whose hub endpoints nothing listens on, with `overrides` on top. */
  const withoutHub = (overrides: Partial<GatewayConfig>) =>
    createGateway(
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

  async function startError(overrides: Partial<GatewayConfig>): Promise<{ code: unknown; message: string }> {
    const gateway = withoutHub(overrides);
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
    const c = loadGatewayConfig({
      argv: [],
      env: {
        ZR_GATEWAY_HUB_CURVE_SERVER_KEY_FILE: '/etc/zeek-relay/hub-curve/server-public-key',
        ZR_GATEWAY_HUB_CURVE_PUBLIC_KEY_FILE: '/etc/zeek-relay/hub-curve/client-public-key',
        ZR_GATEWAY_HUB_CURVE_SECRET_KEY_FILE: '/etc/zeek-relay/hub-curve/client-secret-key',
      },
    });
    assert.equal(c.hubCurveServerKeyFile, '/etc/zeek-relay/hub-curve/server-public-key');
    assert.equal(c.hubCurvePublicKeyFile, '/etc/zeek-relay/hub-curve/client-public-key');
    assert.equal(c.hubCurveSecretKeyFile, '/etc/zeek-relay/hub-curve/client-secret-key');
    assert.equal(c.hubCurveServerKey, '');
  });

  test('with CURVE on, a bad hub endpoint is still ZR_GATEWAY_HUB_CONNECT (libzmq refuses it)', async () => {
    const gateway = withoutHub({ connectXsubEndpoint: 'nonsense://x', hubCurveServerKey: server.publicKey });
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
