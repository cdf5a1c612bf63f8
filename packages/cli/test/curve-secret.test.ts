/**
 * `zeek-relay curve-secret`: the printed Secret's keys work — a real zeek-relay hub started with
 * the server secret and the client public key admits a CURVE client holding the client pair and
 * the server public key, and turns away a client whose pair is not the Secret's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { createHub } from '@zeek-relay/hub';
import { parse } from 'yaml';
import { curveKeyPair, XSubscriber } from 'zeromq';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/zeek-relay.js', import.meta.url));
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

interface SecretDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  stringData: Record<string, string>;
}

/** Connects a CURVE client to `endpoint`; resolves with how its handshake ended. */
async function handshake(
  endpoint: string,
  keys: { serverKey: string; publicKey: string; secretKey: string },
): Promise<'ok' | 'auth'> {
  const sock = new XSubscriber({
    linger: 0,
    curveServerKey: keys.serverKey,
    curvePublicKey: keys.publicKey,
    curveSecretKey: keys.secretKey,
  });
  try {
    const outcome = new Promise<'ok' | 'auth'>((resolve) => {
      sock.events.on('handshake', () => resolve('ok'));
      sock.events.on('handshake:error:auth', () => resolve('auth'));
    });
    sock.connect(endpoint);
    return await outcome;
  } finally {
    sock.close();
  }
}

describe('zeek-relay curve-secret', () => {
  test('prints a Secret whose four keys work with the hub', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'curve-secret', 'zeek-prod-curve', '-n', 'zeek']);
    const doc = parse(stdout) as SecretDoc;
    assert.equal(doc.apiVersion, 'v1');
    assert.equal(doc.kind, 'Secret');
    assert.deepEqual(doc.metadata, { name: 'zeek-prod-curve', namespace: 'zeek' });
    const k = doc.stringData;
    assert.deepEqual(Object.keys(k).sort(), [
      'client-public-key',
      'client-secret-key',
      'server-public-key',
      'server-secret-key',
    ]);
    for (const v of Object.values(k)) assert.match(v, Z85_KEY);
    assert.equal(new Set(Object.values(k)).size, 4, 'four distinct keys');

    const hub = createHub({
      bindAddress: '127.0.0.1',
      xpubPort: 0,
      xsubPort: 0,
      httpHost: '127.0.0.1',
      httpPort: 0,
      curveServerSecretKey: k['server-secret-key'],
      curveClientPublicKeys: [k['client-public-key'] as string],
    });
    try {
      const { xpub } = await hub.start();
      const serverKey = k['server-public-key'] as string;
      assert.equal(
        await handshake(xpub, {
          serverKey,
          publicKey: k['client-public-key'] as string,
          secretKey: k['client-secret-key'] as string,
        }),
        'ok',
      );
      const stranger = curveKeyPair();
      assert.equal(await handshake(xpub, { serverKey, ...stranger }), 'auth');
    } finally {
      await hub.close();
    }
  });

  test('fresh keys every time; --json; a bad name is a usage error (exit 2)', async () => {
    const a = JSON.parse(
      (await run(process.execPath, [BIN, 'curve-secret', 'x', '--json'])).stdout,
    ) as SecretDoc;
    const b = JSON.parse(
      (await run(process.execPath, [BIN, 'curve-secret', 'x', '--json'])).stdout,
    ) as SecretDoc;
    assert.equal(a.metadata.namespace, undefined);
    assert.notEqual(a.stringData['server-secret-key'], b.stringData['server-secret-key']);
    await assert.rejects(run(process.execPath, [BIN, 'curve-secret', 'Not_A_Name']), (err: unknown) => {
      const e = err as { code: number; stderr: string; stdout: string };
      assert.equal(e.code, 2);
      assert.match(e.stderr, /ZR_CLI_INVALID_ARGUMENT/);
      assert.match(e.stderr, /Secret name 'Not_A_Name' is not a valid Kubernetes name/);
      assert.equal(e.stdout, '');
      return true;
    });
  });
});
