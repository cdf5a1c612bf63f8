/**
 * Smoke test of the test control plane: etcd + kube-apiserver + controller-manager + scheduler +
 * kwok start on loopback, a Deployment gets Running pods on a kwok node, the API server survives a
 * restart, and stop() leaves no process behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../helpers/k8s/control-plane.js';
import { waitFor } from '../helpers/k8s/processes.js';

let cp: ControlPlane;

before(
  async () => {
    cp = await startControlPlane({ nodes: 1 });
  },
  { timeout: 60 * 60_000 },
);

after(async () => {
  await cp?.stop();
});

interface PodList {
  items: { metadata: { name: string }; spec: { nodeName?: string }; status: { phase?: string } }[];
}

test('API server serves version 1.34 and the fake node is Ready', async () => {
  const version = await cp.http.json<{ major: string; minor: string; gitVersion: string }>('GET', '/version');
  assert.equal(version.major, '1');
  assert.equal(version.minor, '34');
  assert.match(version.gitVersion, /^v1\.34\.\d+$/);
  const out = await cp.kubectl([
    'get',
    'nodes',
    '-o',
    'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
  ]);
  assert.equal(out, 'True');
});

test('a Deployment gets Running pods scheduled on the kwok node', { timeout: 180_000 }, async () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'smoke', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'smoke' } },
      template: {
        metadata: { labels: { app: 'smoke' } },
        spec: { containers: [{ name: 'c', image: 'example.invalid/none:1' }] },
      },
    },
  };
  await cp.kubectl(['apply', '-f', '-'], JSON.stringify(deployment));
  let pods: PodList = { items: [] };
  await waitFor('2 Running smoke pods', async () => {
    pods = await cp.http.json<PodList>('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dsmoke');
    return pods.items.length === 2 && pods.items.every((p) => p.status.phase === 'Running');
  });
  assert.deepEqual(
    pods.items.map((p) => p.spec.nodeName),
    ['kwok-node-0', 'kwok-node-0'],
  );
});

test('the API server restarts on the same port with its data', { timeout: 300_000 }, async () => {
  await cp.restartApiServer();
  const dep = await cp.http.json<{ spec: { replicas: number } }>(
    'GET',
    '/apis/apps/v1/namespaces/default/deployments/smoke',
  );
  assert.equal(dep.spec.replicas, 2);
});

test('stop() ends every process it started', { timeout: 120_000 }, async () => {
  const pids = (await import('node:child_process'))
    .execFileSync('pgrep', ['-f', cp.dir], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map(Number);
  assert.ok(pids.length >= 5, `expected etcd, apiserver, kcm, scheduler, kwok; got ${pids.length}`);
  await cp.stop();
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw err;
    }
  });
  assert.deepEqual(alive, []);
});

test(
  'the apiserver tier (etcd + kube-apiserver only) serves CRDs and stops cleanly',
  { timeout: 300_000 },
  async () => {
    const small = await startControlPlane({ tier: 'apiserver' });
    try {
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.test' },
        spec: {
          group: 'example.test',
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
          ],
        },
      };
      await small.kubectl(['apply', '-f', '-'], JSON.stringify(crd));
      await waitFor(
        'Widget CRD served',
        async () => (await small.http.call('GET', '/apis/example.test/v1/widgets')).status === 200,
      );
      const nodes = await small.http.json<{ items: unknown[] }>('GET', '/api/v1/nodes');
      assert.equal(nodes.items.length, 0);
    } finally {
      await small.stop();
    }
  },
);
