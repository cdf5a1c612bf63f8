/**
 * The e2e helpers' `freePort`: the ports it hands out lie outside the kernel's ephemeral range, so
 * neither an outgoing connection's source port nor another process's `bind(0)` can take one
 * between the test picking it and the CLI child binding it.
 */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import { ephemeralPortRange, freePort } from './helpers.js';

test('freePort hands out ports below the ephemeral range, free to bind', async () => {
  const [lo] = ephemeralPortRange();
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    assert.ok(port >= 1024 && port < lo, `${port} is below the ephemeral range (from ${lo})`);
    const s = createServer();
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', resolve);
    });
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
