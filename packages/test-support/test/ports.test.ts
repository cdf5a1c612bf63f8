/**
 * `freePort` hands out ports outside the kernel's ephemeral range, so neither an outgoing
 * connection's source port nor another process's `bind(0)` can take one between the test picking
 * it and its child binding it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ephemeralPortRange, freePort } from '../src/index.js';

function listen(port: number): Promise<Server> {
  const s = createServer();
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

test('freePort hands out ports below the ephemeral range, free to bind', async () => {
  const [lo] = ephemeralPortRange();
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    assert.ok(port >= 10_000 && port < lo, `${port} is below the ephemeral range (from ${lo})`);
    const s = await listen(port);
    await new Promise((r) => s.close(r));
  }
});

test('an outgoing connection takes its source port from the ephemeral range', async () => {
  // The premise of freePort's choice, checked on this machine.
  const [lo, hi] = ephemeralPortRange();
  const server = createServer((c) => c.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  const c = connect(address.port, '127.0.0.1');
  await new Promise((r) => c.once('connect', r));
  const source = c.localPort ?? 0;
  c.destroy();
  await new Promise((r) => server.close(r));
  assert.ok(source >= lo && source <= hi, `source port ${source} in ${lo}–${hi}`);
});

test('a port in use, in `avoid` or handed out before is never handed out', async () => {
  // A range that leaves ports 10000–10999 below it; all avoided but two, one of which is in use.
  const held: Server[] = [];
  for (let p = 10_000; held.length < 2 && p < 11_000; p++) {
    const s = await listen(p).catch(() => undefined);
    if (s) held.push(s);
  }
  const [free, inUse] = held.map((s) => (s.address() as { port: number }).port);
  assert.ok(free !== undefined && inUse !== undefined);
  await new Promise((r) => held[0]!.close(r));
  try {
    const avoid = Array.from({ length: 1000 }, (_, i) => 10_000 + i).filter((p) => p !== free && p !== inUse);
    assert.equal(await freePort({ avoid, range: [11_000, 60_999] }), free, 'neither avoided nor in use');
    // Handed out once, never again; the other one is in use: nothing left, an error (no endless search).
    await assert.rejects(freePort({ avoid, range: [11_000, 60_999] }), /no free port/);
  } finally {
    await new Promise((r) => held[1]!.close(r));
  }
});

test('a range starting low: ports above it; no room on either side: a clear error', async () => {
  const port = await freePort({ range: [1024, 60_999] });
  assert.ok(port > 60_999, `${port} above the range`);
  await assert.rejects(freePort({ range: [1024, 65_000] }), /leaves fewer than 1000 ports outside it/);
});

test('ephemeralPortRange: read from the kernel file; without it (not Linux) the IANA range', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zr-ports-'));
  try {
    writeFileSync(join(dir, 'range'), '20000\t29999\n');
    assert.deepEqual(ephemeralPortRange(join(dir, 'range')), [20_000, 29_999]);
    writeFileSync(join(dir, 'garbage'), 'x\n');
    assert.deepEqual(ephemeralPortRange(join(dir, 'garbage')), [49_152, 65_535]);
    assert.deepEqual(ephemeralPortRange(join(dir, 'missing')), [49_152, 65_535]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
