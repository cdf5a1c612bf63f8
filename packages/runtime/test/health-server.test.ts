import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, createMetrics, startHealthServer } from '../src/index.js';

const sink = new Writable({ write: (_c, _e, cb) => cb() });

test('health server answers /healthz, /readyz (both states), /metrics and extra routes', async () => {
  const log = createLogger({ service: 'test', destination: sink });
  const metrics = createMetrics({ serviceName: 'test' });
  metrics.meter.createCounter('zeek_relay.test.things', { unit: '{thing}' }).add(3, { kind: 'a' });
  let ready = false;
  const server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    log,
    metrics,
    readiness: () => (ready ? { ready: true } : { ready: false, reason: 'hub not bound' }),
    routes: (app) => app.get('/nodes', async () => [{ name: 'worker-1' }]),
  });
  try {
    assert.ok(server.port > 0);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const notReady = await fetch(`${server.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.deepEqual(await notReady.json(), { status: 'not ready', reason: 'hub not bound' });
    ready = true;
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /^zeek_relay_test_things_total\{kind="a"\} 3$/m);
    assert.deepEqual(await (await fetch(`${server.url}/nodes`)).json(), [{ name: 'worker-1' }]);
  } finally {
    await server.close();
    await server.close();
    await metrics.shutdown();
  }
});
