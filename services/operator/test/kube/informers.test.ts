import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { metrics as otel } from '@opentelemetry/api';
import { createLogger } from '@zeek-relay/runtime';
import { KubeClient } from '../../src/kube/client.js';
import { InformerSet } from '../../src/kube/informers.js';
import { OperatorMetrics } from '../../src/metrics.js';
import type { K8sObject } from '../../src/controller/resources/meta.js';

const log = createLogger({ service: 'test', level: 'silent' });
const cm = (name: string, rv: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { app: 'x' } },
});

/**
 * A minimal API server over HTTP for one collection: discovery, a list, and watches whose
 * behaviour the test scripts (the first one fails, the next one streams an event).
 */
async function apiServer(watches: ((res: ServerResponse) => void)[]) {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${req.method} ${url.pathname}${url.searchParams.get('watch') ? ' watch' : ''}`);
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/v1') {
      res.end(
        JSON.stringify({
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            {
              name: 'configmaps',
              kind: 'ConfigMap',
              namespaced: true,
              singularName: '',
              verbs: ['list', 'watch'],
            },
          ],
        }),
      );
    } else if (url.searchParams.get('watch')) {
      const next = watches.shift();
      if (next) next(res);
      else res.writeHead(200).flushHeaders(); // an idle watch, held open
    } else {
      assert.equal(url.searchParams.get('labelSelector'), 'app=x');
      res.end(
        JSON.stringify({
          kind: 'ConfigMapList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '1' },
          items: [cm('a', '1')],
        }),
      );
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return {
    kc,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test(
  'a watch that fails is restarted (with backoff) and the cache keeps the list and the new event',
  { timeout: 60_000 },
  async () => {
    const events: string[] = [];
    let sawB: () => void = () => undefined;
    const gotB = new Promise<void>((r) => (sawB = r));
    const api = await apiServer([
      (res) => res.writeHead(500).end('{"kind":"Status","code":500}'),
      (res) => {
        res.writeHead(200);
        res.write(`${JSON.stringify({ type: 'ADDED', object: cm('b', '2') })}\n`);
      },
    ]);
    const metrics = new OperatorMetrics(otel.getMeter('test'), () => 0);
    const set = new InformerSet(new KubeClient(api.kc, metrics), log, metrics, {
      namespace: 'ns',
      watchdogMs: 100,
    });
    const kind = set.add(
      { kind: 'ConfigMap', apiVersion: 'v1', base: '/api/v1', plural: 'configmaps' },
      (o: K8sObject, verb) => {
        events.push(`${verb} ${o.metadata.name}`);
        if (o.metadata.name === 'b') sawB();
      },
      'app=x',
    );
    await set.start();
    assert.equal(set.synced, true);
    assert.equal(kind.cache.get('a', 'ns')?.kind, 'ConfigMap', 'list items carry their kind');
    await gotB;
    assert.deepEqual(
      events.filter((e) => e.startsWith('add')),
      ['add a', 'add b'],
    );
    assert.ok(kind.cache.get('b', 'ns'));
    assert.ok(metrics.watchRestartCount >= 1, 'restarted after the failed watch');
    assert.ok(api.seen.filter((s) => s.endsWith('watch')).length >= 2);
    await set.stop();
    await api.close();
  },
);
