import { readFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { readTextFixture } from '@zeek-relay/fixtures';
import * as operatorPackage from '@zeek-relay/operator';
import type { Operator } from '@zeek-relay/operator';
import { createLogger, createMetrics } from '@zeek-relay/runtime';
import { pino } from 'pino';
import type { ControlPlane } from '../helpers/k8s/control-plane.js';
import { eventually } from '../helpers/k8s/eventually.js';
import { repoRoot } from '../helpers/k8s/toolchain.js';

export { eventually };

/** Starts the operator in this process against `cp` (leader election on, fast timings). */
export async function startOperator(
  cp: ControlPlane,
  logName = 'operator',
  env: Record<string, string> = {},
): Promise<Operator> {
  const operator = createTestOperator(cp, logName, 'test-operator', env);
  await operator.start();
  return operator;
}

/** What the harness needs of an operator package (this tree's, or another checkout's build). */
export type OperatorModule = Pick<typeof operatorPackage, 'createOperator' | 'loadOperatorConfig'>;

/**
 * An operator for `cp` that is not started yet (`identity` names it in the Lease); `mod` is the
 * operator package to run (default this tree's; benchmarks pass another build to compare).
 */
export function createTestOperator(
  cp: ControlPlane,
  logName: string,
  identity: string,
  env: Record<string, string> = {},
  mod: OperatorModule = operatorPackage,
): Operator {
  const { createOperator, loadOperatorConfig } = mod;
  const config = loadOperatorConfig({
    argv: [],
    env: {
      ZR_OPERATOR_KUBECONFIG: cp.kubeconfigPath,
      ZR_OPERATOR_LEASE_NAMESPACE: 'default',
      // Long enough to ride out an API-server restart, so the watches (not a new leader term) recover.
      ZR_OPERATOR_RETRY_PERIOD_SECONDS: '1',
      ZR_OPERATOR_LEASE_DURATION_SECONDS: '60',
      ZR_OPERATOR_RENEW_DEADLINE_SECONDS: '50',
      ZR_OPERATOR_WATCHDOG_SECONDS: '5',
      ZR_OPERATOR_ZEEK_IMAGE: 'zeek/zeek:8.0.4',
      ZR_OPERATOR_IDENTITY: identity,
      ...env,
    },
  });
  const log = createLogger({
    service: 'operator',
    level: 'info',
    destination: pino.destination({ dest: join(cp.dir, 'logs', `${logName}.log`), sync: true }),
  });
  return createOperator(config, { log, meter: createMetrics({ serviceName: 'zeek-relay-operator' }).meter });
}

/** Installs the generated CRD and waits until it is Established. */
export async function installCrd(cp: ControlPlane): Promise<void> {
  await cp.kubectl([
    'apply',
    '--server-side',
    '-f',
    join(repoRoot(), 'deploy', 'crds', 'zeekclusters.zeek-relay.io.yaml'),
  ]);
  // (`kubectl wait` races a freshly created CRD without status; poll instead.)
  await eventually(
    'CRD Established',
    async () => {
      const crd = await cp.http.json<{ status?: { conditions?: { type: string; status: string }[] } }>(
        'GET',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/zeekclusters.zeek-relay.io',
      );
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    },
    120_000,
  );
}

/** A Kubernetes manifest of packages/fixtures/data/k8s/ (@zeek-relay/fixtures), as text. */
export function fixture(name: string): string {
  return readTextFixture('k8s', name);
}

/** A pod seen being added by a watch, in etcd order. */
export interface PodAdded {
  readonly component: string;
  readonly name: string;
  readonly configHash: string | undefined;
}

/**
 * Records every pod ADDED in `namespace` from now on, in the order the API server reports them
 * (etcd revision order — exact, unlike 1-second creation timestamps). Call `stop()` to end it.
 */
export async function recordPodAdds(
  cp: ControlPlane,
  namespace: string,
): Promise<{ readonly adds: PodAdded[]; stop(): void }> {
  const adds: PodAdded[] = [];
  const req = await watchFromNow<{
    type: string;
    object: {
      metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    };
  }>(cp, `/api/v1/namespaces/${namespace}/pods`, (ev) => {
    if (ev.type !== 'ADDED') return;
    const m = ev.object.metadata;
    adds.push({
      component: m.labels?.['app.kubernetes.io/component'] ?? '',
      name: m.name,
      configHash: m.annotations?.['zeek-relay.io/config-hash'],
    });
  });
  return { adds, stop: () => req.destroy() };
}

/**
 * Watches the collection `path` from its list's resourceVersion (so what exists now is not
 * reported as ADDED) and hands every watch event to `onEvent`; destroy the request to stop.
 */
async function watchFromNow<E>(
  cp: ControlPlane,
  path: string,
  onEvent: (ev: E) => void,
): Promise<ClientRequest> {
  const list = await cp.http.json<{ metadata: { resourceVersion: string } }>('GET', path);
  const url = new URL(`${path}?watch=1&resourceVersion=${list.metadata.resourceVersion}`, cp.server);
  const req = httpsRequest(
    url,
    { ca: readFileSync(cp.caCertPath), headers: { authorization: `Bearer ${cp.token}` } },
    (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          onEvent(JSON.parse(line) as E);
        }
      });
      res.on('error', () => undefined);
    },
  );
  req.on('error', () => undefined);
  req.end();
  return req;
}

/** Every change the API server reports for the watched collections, from now on. */
export interface ChangeLog {
  readonly changes: string[];
  /** The object of each change, in the same order (e.g. to follow a status through a scale). */
  readonly objects: Record<string, unknown>[];
  stop(): void;
}

/**
 * Watches each collection path (e.g. `/apis/apps/v1/namespaces/x/statefulsets`) from its current
 * resourceVersion and records every ADDED/MODIFIED/DELETED as `TYPE kind/name` — what really
 * changed in etcd, whoever wrote it.
 */
export async function watchChanges(cp: ControlPlane, paths: readonly string[]): Promise<ChangeLog> {
  const changes: string[] = [];
  const objects: Record<string, unknown>[] = [];
  const reqs = await Promise.all(
    paths.map((path) =>
      watchFromNow<{ type: string; object: { kind?: string; metadata?: { name?: string } } }>(
        cp,
        path,
        (ev) => {
          if (ev.type === 'BOOKMARK') return;
          changes.push(`${ev.type} ${ev.object.kind}/${ev.object.metadata?.name}`);
          objects.push(ev.object);
        },
      ),
    ),
  );
  return { changes, objects, stop: () => reqs.forEach((r) => r.destroy()) };
}

/**
 * Writes the status the kube controllers would report for a fully rolled-out Deployment or
 * StatefulSet (apiserver tier: there are none), so rollouts gated on readiness can advance.
 */
export async function markRolledOut(cp: ControlPlane, path: string): Promise<void> {
  const obj = await cp.http.json<{
    metadata: { generation?: number };
    spec: { replicas?: number };
    status?: Record<string, unknown>;
  }>('GET', path);
  const n = obj.spec.replicas ?? 1;
  const status = {
    observedGeneration: obj.metadata.generation ?? 1,
    replicas: n,
    readyReplicas: n,
    updatedReplicas: n,
    availableReplicas: n,
    currentRevision: 'r',
    updateRevision: 'r',
  };
  const have = obj.status ?? {};
  if (Object.entries(status).every(([k, v]) => have[k] === v)) return;
  await cp.http.json('PUT', `${path}/status`, { ...obj, status });
}
