/**
 * `startSingleNode`: a manager and a worker started separately (as two pods would be) against the
 * real hub find each other through the hello exchange, the hub lists both, the worker's events
 * reach the manager, and its log batches are spread over two log endpoints (Zeek's
 * `connect_log_endpoints` vector) with every record written arriving; stopping the worker brings
 * it down at the manager.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pull, curveKeyPair } from 'zeromq';
import { startSingleNode } from '@zeek-relay/cli/simulator';
import { createHub } from '@zeek-relay/hub';
import { decodeLogBatch, decodeLogFrames } from '@zeek-relay/wire';
import { freePort } from './helpers.js';

/** Polls `cond` every 20 ms; the limit is only a hang guard. */
async function until(what: string, cond: () => boolean, limitMs = 120_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('single nodes: separate manager and worker join, exchange events, spread logs over two sinks', async () => {
  const [xpub, xsub, log1, log2] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: xpub, xsubPort: xsub });
  await hub.start();
  const sinks = [new Pull(), new Pull()];
  await sinks[0]?.bind(`tcp://127.0.0.1:${log1}`);
  await sinks[1]?.bind(`tcp://127.0.0.1:${log2}`);
  const records = [0, 0];
  const readers = sinks.map(async (pull, i) => {
    for await (const frames of pull)
      records[i] = (records[i] ?? 0) + decodeLogBatch(decodeLogFrames(frames).payload).records.length;
  });
  const endpoints = {
    hubXsub: `tcp://127.0.0.1:${xsub}`,
    hubXpub: `tcp://127.0.0.1:${xpub}`,
    log: [`tcp://127.0.0.1:${log1}`, `tcp://127.0.0.1:${log2}`],
  };
  const manager = startSingleNode({ name: 'manager', role: 'manager', endpoints, rate: 5 });
  const worker = startSingleNode({
    name: 'worker-1',
    role: 'worker',
    endpoints,
    rate: 50,
    logRate: 200,
    writeBufferSize: 5,
    flushIntervalMs: 100,
  });
  try {
    await until(
      'the hello exchange',
      () => manager.peers().includes('worker-1') && worker.peers().includes('manager'),
    );
    assert.deepEqual(
      hub
        .nodes()
        .map((n) => n.name)
        .sort(),
      ['manager', 'worker-1'],
    );
    await until('events from the worker at the manager', () => manager.node.stats.eventsReceived > 0);
    await until('events from the manager at the worker', () => worker.node.stats.eventsReceived > 0);
    await until('log batches at both endpoints', () => (records[0] ?? 0) > 0 && (records[1] ?? 0) > 0);
    const stats = await worker.stop();
    assert.ok(stats.logRecords > 0 && stats.logBatchesDropped === 0);
    await until('every record written', () => (records[0] ?? 0) + (records[1] ?? 0) === stats.logRecords);
    await until('worker-1 down at the manager', () => !manager.peers().includes('worker-1'));
    const m = await manager.stop();
    assert.equal(m.logRecords, 0, 'a manager writes no simulated records by default');
  } finally {
    await Promise.all([worker.stop(), manager.stop()]);
    for (const s of sinks) s.close();
    await Promise.all(readers);
    await hub.close();
  }
});

test('single nodes over CURVE: nodes with the shared client key join a CURVE hub', async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const dir = mkdtempSync(join(tmpdir(), 'zr-single-curve-'));
  writeFileSync(join(dir, 'server_secretkey'), `${server.secretKey}\n`);
  writeFileSync(join(dir, 'client_publickeys'), `${client.publicKey}\n`);
  const [xpub, xsub] = [await freePort(), await freePort()];
  const hub = createHub({
    bindAddress: '127.0.0.1',
    xpubPort: xpub,
    xsubPort: xsub,
    curveServerSecretKeyFile: join(dir, 'server_secretkey'),
    curveClientPublicKeyFiles: [join(dir, 'client_publickeys')],
  });
  await hub.start();
  const endpoints = { hubXsub: `tcp://127.0.0.1:${xsub}`, hubXpub: `tcp://127.0.0.1:${xpub}` };
  const curve = {
    serverPublicKey: server.publicKey,
    publicKey: client.publicKey,
    secretKey: client.secretKey,
  };
  const nodes = [
    startSingleNode({ name: 'manager', role: 'manager', endpoints, curve }),
    startSingleNode({ name: 'proxy-1', role: 'proxy', endpoints, curve }),
  ];
  try {
    await until('the hello exchange over CURVE', () => nodes.every((n) => n.peers().length === 1));
    assert.deepEqual(
      hub
        .nodes()
        .map((n) => n.name)
        .sort(),
      ['manager', 'proxy-1'],
    );
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
