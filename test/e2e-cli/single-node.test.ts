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
import { startSingleNode, type SingleNode } from '@zeek-relay/cli/simulator';
import { createHub } from '@zeek-relay/hub';
import { decodeLogBatch, decodeLogFrames } from '@zeek-relay/wire';
import { until } from './helpers.js';

test('single nodes: separate manager and worker join, exchange events, spread logs over two sinks', async () => {
  // Everything binds port 0 and is asked for its endpoint afterwards: a port picked free earlier and
  // bound later can meanwhile be taken by any other process on a busy machine (EADDRINUSE).
  const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: 0, xsubPort: 0 });
  const sinks = [new Pull(), new Pull()];
  const records = [0, 0];
  const readers: Promise<void>[] = [];
  const nodes: SingleNode[] = [];
  // From the first resource on, so that a failure anywhere (a bind, a start) still closes all of it.
  try {
    const { xpub: hubXpub, xsub: hubXsub } = await hub.start();
    const log: string[] = [];
    for (const [i, pull] of sinks.entries()) {
      await pull.bind('tcp://127.0.0.1:0');
      log.push(pull.lastEndpoint as string);
      readers.push(
        (async () => {
          for await (const frames of pull)
            records[i] = (records[i] ?? 0) + decodeLogBatch(decodeLogFrames(frames).payload).records.length;
        })(),
      );
    }
    const endpoints = { hubXsub, hubXpub, log };
    const manager = startSingleNode({ name: 'manager', role: 'manager', endpoints, rate: 5 });
    nodes.push(manager);
    const worker = startSingleNode({
      name: 'worker-1',
      role: 'worker',
      endpoints,
      rate: 50,
      logRate: 200,
      writeBufferSize: 5,
      flushIntervalMs: 100,
    });
    nodes.push(worker);
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
    await Promise.all(nodes.map((n) => n.stop()));
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
  const hub = createHub({
    bindAddress: '127.0.0.1',
    xpubPort: 0,
    xsubPort: 0,
    curveServerSecretKeyFile: join(dir, 'server_secretkey'),
    curveClientPublicKeyFiles: [join(dir, 'client_publickeys')],
  });
  const curve = {
    serverPublicKey: server.publicKey,
    publicKey: client.publicKey,
    secretKey: client.secretKey,
  };
  const nodes: SingleNode[] = [];
  try {
    const { xpub: hubXpub, xsub: hubXsub } = await hub.start();
    const endpoints = { hubXsub, hubXpub };
    nodes.push(startSingleNode({ name: 'manager', role: 'manager', endpoints, curve }));
    nodes.push(startSingleNode({ name: 'proxy-1', role: 'proxy', endpoints, curve }));
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
