/**
 * CURVE settings (zeromq-wire.md §8.2): names and environment variables the operator sets, and the
 * typed errors of a bad or half configuration. The errors come from `start()` before anything is
 * opened; the sink can still be closed and nothing is left bound.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { curveKeyPair } from 'zeromq';
import { createSink, loadSinkConfig, type SinkConfigInput } from '../src/index.js';
import { accepts, freePort } from './helpers/net.js';

test('ZR_SINK_CURVE_* environment variables and flags set the four CURVE settings', () => {
  const a = curveKeyPair();
  const b = curveKeyPair();
  const c = loadSinkConfig({
    env: {
      ZR_SINK_CURVE_SERVER_SECRET_KEY: a.secretKey,
      ZR_SINK_CURVE_SERVER_SECRET_KEY_FILE: '/run/secrets/server_secretkey',
      ZR_SINK_CURVE_CLIENT_PUBLIC_KEYS: `${a.publicKey},${b.publicKey}`,
      ZR_SINK_CURVE_CLIENT_PUBLIC_KEY_FILES: '/run/secrets/a,/run/secrets/b',
    },
    argv: ['--curve-client-public-key-files=/k/c'],
  });
  assert.equal(c.curveServerSecretKey, a.secretKey);
  assert.equal(c.curveServerSecretKeyFile, '/run/secrets/server_secretkey');
  assert.deepEqual(c.curveClientPublicKeys, [a.publicKey, b.publicKey]);
  assert.deepEqual(c.curveClientPublicKeyFiles, ['/k/c']);
  const off = loadSinkConfig({ env: {}, argv: [] });
  assert.equal(off.curveServerSecretKey, undefined);
  assert.equal(off.curveClientPublicKeys, undefined);
});

/** `start()` with these CURVE settings must fail with `code`, bind nothing, and close cleanly. */
async function startFails(curve: SinkConfigInput, code: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'zr-sink-curve-cfg-'));
  const port = await freePort();
  const sink = createSink(
    { pullEndpoint: `tcp://127.0.0.1:${port}`, logDir: dir, rotationIntervalSeconds: 0, ...curve },
    { log: pino({ level: 'silent' }) },
  );
  try {
    await assert.rejects(sink.start(), (err: Error & { code?: string; cause?: unknown }) => {
      assert.equal(err.code, code);
      assert.equal(err.name, 'SinkError');
      assert.match(err.message, /CURVE/);
      return true;
    });
    assert.equal(await accepts(port), false, 'nothing listens after a failed start');
    assert.deepEqual(sink.readiness(), { ready: false, reason: 'log sink is new' });
  } finally {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('half configurations are refused: ZR_SINK_CURVE_CONFIG_INVALID', async () => {
  const kp = curveKeyPair();
  await startFails({ curveServerSecretKey: kp.secretKey }, 'ZR_SINK_CURVE_CONFIG_INVALID');
  await startFails({ curveClientPublicKeys: [kp.publicKey] }, 'ZR_SINK_CURVE_CONFIG_INVALID');
  // An empty key list file is no allow-list either.
  const dir = await mkdtemp(join(tmpdir(), 'zr-sink-curve-keys-'));
  try {
    await writeFile(join(dir, 'empty'), '# no keys yet\n\n');
    await startFails(
      { curveServerSecretKey: kp.secretKey, curveClientPublicKeyFiles: [join(dir, 'empty')] },
      'ZR_SINK_CURVE_CONFIG_INVALID',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad keys are refused: ZR_SINK_CURVE_KEY_INVALID (length, alphabet, unreadable file)', async () => {
  const kp = curveKeyPair();
  // 39 and 41 characters; a character outside the Z85 alphabet (`,`); a 32-byte hex key.
  await startFails(
    { curveServerSecretKey: kp.secretKey.slice(1), curveClientPublicKeys: [kp.publicKey] },
    'ZR_SINK_CURVE_KEY_INVALID',
  );
  await startFails(
    { curveServerSecretKey: kp.secretKey, curveClientPublicKeys: [`${kp.publicKey}x`] },
    'ZR_SINK_CURVE_KEY_INVALID',
  );
  await startFails(
    { curveServerSecretKey: `${kp.secretKey.slice(1)},`, curveClientPublicKeys: [kp.publicKey] },
    'ZR_SINK_CURVE_KEY_INVALID',
  );
  await startFails(
    { curveServerSecretKey: kp.secretKey, curveClientPublicKeys: ['ab'.repeat(32)] },
    'ZR_SINK_CURVE_KEY_INVALID',
  );
  await startFails(
    { curveServerSecretKeyFile: '/nonexistent/zr-sink-key', curveClientPublicKeys: [kp.publicKey] },
    'ZR_SINK_CURVE_KEY_INVALID',
  );
});
