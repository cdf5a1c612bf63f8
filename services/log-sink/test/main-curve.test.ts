/**
 * The binary with CURVE configured the way the operator does it: `ZR_SINK_CURVE_*` environment
 * variables, keys from mounted files. An allowed CURVE PUSH delivers, a stranger is counted in
 * `/metrics`; half a configuration ends the process with exit code 1 and the typed error.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { curveKeyPair } from 'zeromq';
import { countBatch } from './helpers/batches.js';
import { freePort } from './helpers/net.js';
import { read, removeDir, tempDir, until } from './helpers/sink-harness.js';
import { LogPush } from '@zeek-relay/zeek-node';

const main = new URL('../src/main.js', import.meta.url).pathname;

test('half a CURVE configuration: exit code 1 with ZR_SINK_CURVE_CONFIG_INVALID', async () => {
  const dir = await tempDir();
  try {
    const r = spawnSync(process.execPath, [main], {
      encoding: 'utf8',
      env: {
        ...process.env,
        ZR_SINK_PULL_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
        ZR_SINK_LOG_DIR: dir,
        ZR_SINK_HTTP_HOST: '127.0.0.1',
        ZR_SINK_HTTP_PORT: '0',
        ZR_SINK_CURVE_SERVER_SECRET_KEY: curveKeyPair().secretKey,
      },
    });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /"code":"ZR_SINK_CURVE_CONFIG_INVALID"/);
  } finally {
    await removeDir(dir);
  }
});

test('CURVE from ZR_SINK_CURVE_* key files: allowed node delivers, stranger counted in /metrics', async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const stranger = curveKeyPair();
  const dir = await tempDir();
  const keys = await tempDir('zr-sink-keys-');
  await writeFile(join(keys, 'server_secretkey'), `${server.secretKey}\n`);
  await writeFile(join(keys, 'client_publickey'), `${client.publicKey}\n`);
  const [pullPort, httpPort] = [await freePort(), await freePort()];
  const endpoint = `tcp://127.0.0.1:${pullPort}`;
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      ZR_SINK_PULL_ENDPOINT: endpoint,
      ZR_SINK_LOG_DIR: dir,
      ZR_SINK_ROTATION_INTERVAL_SECONDS: '0',
      ZR_SINK_HTTP_HOST: '127.0.0.1',
      ZR_SINK_HTTP_PORT: String(httpPort),
      ZR_SINK_LOG_LEVEL: 'error',
      ZR_SINK_CURVE_SERVER_SECRET_KEY_FILE: join(keys, 'server_secretkey'),
      ZR_SINK_CURVE_CLIENT_PUBLIC_KEY_FILES: join(keys, 'client_publickey'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const node = new LogPush({
    endpoints: [endpoint],
    nodeId: 'zeromq_worker-1_test_1_N1',
    curve: {
      serverKey: server.publicKey,
      publicKey: client.publicKey,
      secretKey: client.secretKey,
    },
  });
  const intruder = new LogPush({
    endpoints: [],
    nodeId: 'x',
    linger: 0,
    curve: { serverKey: server.publicKey, publicKey: stranger.publicKey, secretKey: stranger.secretKey },
  });
  let clientsOpen = true;
  const closeClients = () => {
    if (!clientsOpen) return;
    clientsOpen = false;
    intruder.close();
    node.close();
  };
  const metrics = async () => {
    try {
      return await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    } catch {
      return '';
    }
  };
  try {
    intruder.connect(endpoint);
    void intruder.sendBatchBlocking(countBatch(666, 'intruder')).catch(() => undefined);
    await node.sendBatchBlocking(countBatch(42, 'curve'));
    await until(async () => /^42$/m.test(await read(dir, 'curve.log').catch(() => '')));
    await until(async () =>
      /^zeek_relay_sink_zap_requests_total\{[^}]*result="rejected"[^}]*\} [1-9]/m.test(await metrics()),
    );
    const text = await metrics();
    assert.match(text, /^zeek_relay_sink_zap_requests_total\{[^}]*result="accepted"[^}]*\} [1-9]/m);
    assert.match(text, /^zeek_relay_sink_handshake_failures_total\{[^}]*error_type="auth"[^}]*\} [1-9]/m);
    closeClients();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const lines = (await read(dir, 'curve.log')).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual(lines, ['42']);
  } finally {
    closeClients();
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    await removeDir(dir);
    await removeDir(keys);
  }
});
