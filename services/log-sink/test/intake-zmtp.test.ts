/**
 * `intake=zmtp` against real libzmq peers (zeromq.js PUSH sockets as Zeek nodes use them) and
 * raw TCP peers for what libzmq never sends: several nodes at once, a garbage greeting, a frame
 * over `maxMessageBytes`, a node that goes silent with heartbeats on, IPv6, and that each of these
 * leaves the other nodes' batches untouched.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { encodeLogFrames } from '@zeek-relay/wire';
import { LogPush } from '@zeek-relay/zeek-node';
import { Push } from 'zeromq';
import { greeting, ready } from '@zeek-relay/test-support';
import { countBatch, countsBatch } from './helpers/batches.js';
import { read, removeDir, startSink, tempDir, until } from './helpers/sink-harness.js';

const endpointPort = (endpoint: string) => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

/** A raw TCP connection to the sink's endpoint, closed by the caller. */
function rawPeer(endpoint: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(endpointPort(endpoint), '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Lines of a TSV file without its `#` header lines. */
async function records(dir: string, name: string): Promise<string[]> {
  return (await read(dir, name)).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

test('zmtp intake: several libzmq PUSH nodes at once, every batch written, each node in its order', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { intake: 'zmtp', renderThreads: 2 });
  const nodes = [0, 1, 2].map(
    (i) => new LogPush({ endpoints: [h.endpoint], nodeId: `worker-${i}`, linger: 1000 }),
  );
  try {
    const perNode = 200;
    await Promise.all(
      nodes.map(async (n, i) => {
        for (let b = 0; b < perNode; b++) {
          const v = i * 1_000_000 + b * 10;
          await n.sendBatchBlocking(countsBatch([v, v + 1, v + 2], `node${i}`));
        }
      }),
    );
    await until(() => h.sink.stats.records === 3 * perNode * 3);
    await h.sink.flush();
    for (let i = 0; i < 3; i++) {
      const lines = (await records(dir, `node${i}.log`)).map(Number);
      assert.equal(lines.length, perNode * 3);
      // Per node, in the order it sent them.
      assert.deepEqual(
        lines,
        [...Array(perNode * 3).keys()].map((k) => i * 1_000_000 + Math.floor(k / 3) * 10 + (k % 3)),
      );
    }
    assert.deepEqual(h.sink.stats.handshakeFailures, {});
  } finally {
    for (const n of nodes) n.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('zmtp intake: a garbage greeting is a counted protocol failure; a node beside it is unaffected', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { intake: 'zmtp' });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'worker-1' });
  try {
    const garbage = await rawPeer(h.endpoint);
    const closed = new Promise((r) => garbage.once('close', r));
    garbage.on('error', () => undefined);
    garbage.resume(); // read our greeting and the end of the stream
    garbage.write('GET / HTTP/1.1\r\nHost: sink\r\n\r\n');
    await closed;
    await until(() => h.sink.stats.handshakeFailures.protocol === 1);
    await node.sendBatchBlocking(countBatch(7, 'after'));
    await until(() => h.sink.stats.records === 1);
    await h.sink.flush();
    assert.deepEqual(await records(dir, 'after.log'), ['7']);
    assert.deepEqual(h.sink.stats.handshakeFailures, { protocol: 1 });
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('zmtp intake: a frame over maxMessageBytes closes that node (ZR_SINK_PEER_PROTOCOL, counted); others go on', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { intake: 'zmtp', maxMessageBytes: 4096 });
  const big = new LogPush({ endpoints: [h.endpoint], nodeId: 'big' });
  const small = new LogPush({ endpoints: [h.endpoint], nodeId: 'small' });
  try {
    await small.sendBatchBlocking(countBatch(1, 'small'));
    await until(() => h.sink.stats.records === 1);
    const values = [...Array(1000).keys()];
    await big.sendBatchBlocking(countsBatch(values, 'big'));
    await until(() => h.sink.stats.peerErrors['ZR_SINK_PEER_PROTOCOL'] === 1);
    await small.sendBatchBlocking(countBatch(2, 'small'));
    await until(() => h.sink.stats.records === 2);
    await h.sink.flush();
    assert.deepEqual(await records(dir, 'small.log'), ['1', '2']);
    assert.deepEqual(h.sink.stats.peerErrors, { ZR_SINK_PEER_PROTOCOL: 1 });
    assert.deepEqual(h.sink.stats.handshakeFailures, {});
  } finally {
    big.close();
    small.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

/** A raw NULL PUSH peer: greeting, READY with Socket-Type PUSH; then it stays silent. */
function silentPush(endpoint: string): Promise<Socket> {
  return rawPeer(endpoint).then((s) => {
    s.write(Buffer.concat([greeting(), ready('PUSH')]));
    s.on('error', () => undefined);
    return s;
  });
}

test('zmtp intake: with heartbeats on, a silent node is dropped (ZR_SINK_PEER_TIMEOUT); a libzmq node answering PINGs stays', async () => {
  const dir = await tempDir();
  const h = await startSink(dir, { intake: 'zmtp', heartbeatIntervalMs: 200, heartbeatTimeoutMs: 3000 });
  const node = new LogPush({ endpoints: [h.endpoint], nodeId: 'worker-1' });
  const silent = await silentPush(h.endpoint);
  try {
    await node.sendBatchBlocking(countBatch(1, 'hb'));
    await until(() => h.sink.stats.peerErrors['ZR_SINK_PEER_TIMEOUT'] === 1);
    // libzmq answers our PINGs with PONG: its connection outlived the silent one's timeout.
    await node.sendBatchBlocking(countBatch(2, 'hb'));
    await until(() => h.sink.stats.records === 2);
    assert.deepEqual(h.sink.stats.peerErrors, { ZR_SINK_PEER_TIMEOUT: 1 });
  } finally {
    silent.destroy();
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('zmtp intake: an IPv6 endpoint with an ephemeral port ([::1]:0), as libzmq reports it', async (t) => {
  const dir = await tempDir();
  let h;
  try {
    h = await startSink(dir, { intake: 'zmtp', ipv6: true, pullEndpoint: 'tcp://[::1]:0' });
  } catch (err) {
    await removeDir(dir);
    if ((err as { cause?: { code?: string } }).cause?.code === 'EADDRNOTAVAIL') {
      t.skip('no IPv6 loopback here');
      return;
    }
    throw err;
  }
  assert.match(h.endpoint, /^tcp:\/\/\[::1\]:[1-9][0-9]*$/);
  const node = new Push({ ipv6: true, linger: 1000 });
  node.connect(h.endpoint);
  try {
    await node.send(encodeLogFrames(new TextEncoder().encode('worker-1'), countBatch(5, 'v6')));
    await until(() => h.sink.stats.records === 1);
    await h.sink.flush();
    assert.deepEqual(await records(dir, 'v6.log'), ['5']);
  } finally {
    node.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

/** A TCP relay to `endpoint` that flips one byte at `at` of the first connection's upstream bytes. */
async function tamperingRelay(endpoint: string, at: number): Promise<{ endpoint: string; close(): void }> {
  const { createServer } = await import('node:net');
  const sockets = new Set<Socket>();
  let first = true;
  const server = createServer((client) => {
    const upstream = connect(endpointPort(endpoint), '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
    let seen = 0;
    const tamper = first;
    first = false;
    client.on('data', (chunk: Buffer) => {
      if (tamper && seen <= at && at < seen + chunk.length) chunk[at - seen]! ^= 0x20;
      seen += chunk.length;
      upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

test('zmtp intake with CURVE: large batches from libzmq CURVE nodes open (native libsodium) byte-exact; a tampered box is ZR_SINK_CURVE_PEER, counted, others go on', async () => {
  const { curveKeyPair } = await import('zeromq');
  const server = curveKeyPair();
  const client = curveKeyPair();
  const dir = await tempDir();
  const h = await startSink(dir, {
    intake: 'zmtp',
    curveServerSecretKey: server.secretKey,
    curveClientPublicKeys: [client.publicKey],
  });
  const curve = { serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey };
  const relay = await tamperingRelay(h.endpoint, 60_000); // inside the first large MESSAGE
  const honest = new LogPush({ endpoints: [h.endpoint], nodeId: 'honest', curve, linger: 1000 });
  const victim = new LogPush({ endpoints: [relay.endpoint], nodeId: 'victim', curve, linger: 0 });
  try {
    const values = (k: number) => Array.from({ length: 10_000 }, (_, i) => k * 10_000 + i); // ≈ 170 KB
    for (let k = 0; k < 5; k++) await honest.sendBatchBlocking(countsBatch(values(k), 'big'));
    await victim.sendBatchBlocking(countsBatch(values(99), 'victim'));
    await until(() => h.sink.stats.peerErrors['ZR_SINK_CURVE_PEER'] === 1);
    await honest.sendBatchBlocking(countsBatch(values(5), 'big'));
    await until(() => h.sink.stats.records === 6 * 10_000);
    await h.sink.flush();
    const lines = (await records(dir, 'big.log')).map(Number);
    assert.deepEqual(lines, values(0).concat(...[1, 2, 3, 4, 5].map(values)));
    assert.deepEqual(h.sink.stats.peerErrors, { ZR_SINK_CURVE_PEER: 1 });
    assert.equal(h.sink.stats.zap.rejected, 0);
  } finally {
    honest.close();
    victim.close();
    relay.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('zmtp intake: libzmq receive settings that were set are named in one warning at start', async () => {
  const { Writable } = await import('node:stream');
  const { pino } = await import('pino');
  const lines: { msg?: string; settings?: string[] }[] = [];
  const log = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as { msg?: string; settings?: string[] });
        cb();
      },
    }),
  );
  const dir = await tempDir();
  const h = await startSink(dir, { intake: 'zmtp', receiveBufferSize: 1 << 20 }, { log });
  try {
    const warned = lines.filter((l) => l.msg?.includes('intake=zmtp'));
    assert.deepEqual(
      warned.map((l) => l.settings),
      [['receiveBufferSize']],
    );
  } finally {
    await h.sink.close();
    await removeDir(dir);
  }
});

test('zmtp intake: a node pushing flat out does not starve another: the quiet node’s batches all arrive while the flood goes on', async () => {
  const { Writable } = await import('node:stream');
  const dir = await tempDir();
  let quietLines = 0;
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      quietLines += chunk.toString().split('"_path":"quiet"').length - 1;
      cb();
    },
  });
  const h = await startSink(dir, { intake: 'zmtp', outputs: ['stdout'] }, { stdout });
  const flood = new LogPush({ endpoints: [h.endpoint], nodeId: 'flood', linger: 0 });
  const quiet = new LogPush({ endpoints: [h.endpoint], nodeId: 'quiet', linger: 0 });
  let quietDone = false;
  let floodSent = 0;
  try {
    const big = countsBatch(
      Array.from({ length: 1000 }, (_, i) => i),
      'flood',
    );
    // The flood keeps its PUSH queue full until the quiet node's batches are all written.
    const flooding = (async () => {
      while (!quietDone) {
        await flood.sendBatchBlocking(big);
        floodSent++;
      }
    })();
    await until(() => floodSent >= 20);
    for (let i = 0; i < 20; i++) await quiet.sendBatchBlocking(countBatch(i, 'quiet'));
    // Written while the flood still fills its queue (it stops only after this): not starved.
    await until(() => quietLines === 20);
    quietDone = true;
    await flooding;
    assert.equal(quietLines, 20);
  } finally {
    quietDone = true;
    flood.close();
    quiet.close();
    await h.sink.close();
    await removeDir(dir);
  }
});

test('zmtp intake: while the write budget stops reading, a new node still completes its handshake (as with libzmq), then waits', async () => {
  const { Writable } = await import('node:stream');
  const held: Array<() => void> = [];
  let open = false;
  let lines = 0;
  const stdout = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      lines += chunk.toString().split('\n').length - 1;
      if (open) cb();
      else held.push(cb);
    },
  });
  const dir = await tempDir();
  const h = await startSink(
    dir,
    { intake: 'zmtp', outputs: ['stdout'], maxQueuedBytes: 64 * 1024 },
    { stdout },
  );
  const first = new LogPush({ endpoints: [h.endpoint], nodeId: 'first', linger: 0 });
  const late = new Push({ linger: 0 });
  // The monitor attaches at its first access: before connecting, so the handshake is seen.
  const events = late.events;
  try {
    const batch = countsBatch(
      Array.from({ length: 2000 }, (_, i) => i),
      'seq',
    );
    let sent = 0;
    // As Zeek sends (DONTWAIT), until the sink has stopped reading.
    while (h.sink.stats.intakePauses === 0) {
      if (await first.sendBatch(batch)) sent++;
      await new Promise((r) => setImmediate(r));
    }
    late.connect(h.endpoint);
    for await (const e of events) if (e.type === 'handshake') break;
    const lateSent = late.send(encodeLogFrames(new TextEncoder().encode('late'), countBatch(7, 'late')));
    open = true;
    held.splice(0).forEach((cb) => cb());
    await lateSent;
    await until(() => h.sink.stats.batches === sent + 1);
    assert.deepEqual(h.sink.stats.handshakeFailures, {});
    assert.ok(lines >= sent * 2000 + 1);
  } finally {
    open = true;
    held.splice(0).forEach((cb) => cb());
    first.close();
    late.close();
    await h.sink.close();
    await removeDir(dir);
  }
});
