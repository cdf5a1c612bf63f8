/**
 * @zeek-relay/client over `wss://` with a bearer token against the real gateway (TLS certificate
 * made with the `openssl` CLI for this run; the test is skipped where openssl is missing).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ZeekClient, data } from '@zeek-relay/client';
import type { Gateway } from '@zeek-relay/gateway';
import { freePort, startLocalGateway, startLocalHub } from './helpers.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test(
  'wss:// with a CA and a bearer token; missing token and untrusted certificate fail typed',
  { skip: !hasOpenssl && 'openssl not installed' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zr-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const tokens = join(dir, 'tokens.json');
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    assert.equal(made.status, 0, made.stderr?.toString());
    writeFileSync(tokens, JSON.stringify({ tokens: [{ name: 'e2e', token: 's3cret' }] }));
    const port = await freePort();
    const hub = await startLocalHub();
    let gateway: Gateway | undefined;
    try {
      gateway = await startLocalGateway(hub, port, {
        tlsCertFile: cert,
        tlsKeyFile: key,
        tokensFile: tokens,
      });
      const url = `wss://127.0.0.1:${port}`;
      const ca = readFileSync(cert);
      await using sub = await ZeekClient.connect({ url, topics: ['tls/'], token: 's3cret', tls: { ca } });
      await using pub = await ZeekClient.connect({ url, topics: [], token: 's3cret', tls: { ca } });
      pub.publish('tls/x', { name: 'Test::secure', args: [data.string('over TLS')] });
      const ev = (await sub.events().next()).value;
      assert.deepEqual(ev?.args, [data.string('over TLS')]);

      await assert.rejects(
        ZeekClient.connect({ url, topics: [], tls: { ca } }),
        (e: { code: string; fatal: boolean }) => {
          assert.equal(e.code, 'ZR_CLIENT_UNAUTHORIZED');
          assert.equal(e.fatal, true);
          return true;
        },
      );
      await assert.rejects(ZeekClient.connect({ url, topics: [], token: 'wrong', tls: { ca } }), {
        code: 'ZR_CLIENT_UNAUTHORIZED',
      });
      await assert.rejects(ZeekClient.connect({ url, topics: [], token: 's3cret' }), {
        code: 'ZR_CLIENT_CONNECT_FAILED',
        message: /self-signed|certificate/i,
      });
    } finally {
      await gateway?.close();
      await hub.hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
