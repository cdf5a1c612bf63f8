import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOperator, loadOperatorConfig, type Operator } from '@zeek-relay/operator';
import { createLogger, createMetrics } from '@zeek-relay/runtime';
import { pino } from 'pino';
import type { ControlPlane } from '../helpers/k8s/control-plane.js';
import { repoRoot } from '../helpers/k8s/toolchain.js';

/** Starts the operator in this process against `cp` (leader election on, fast timings). */
export async function startOperator(cp: ControlPlane, logName = 'operator'): Promise<Operator> {
  const config = loadOperatorConfig([], {
    ZR_OPERATOR_KUBECONFIG: cp.kubeconfigPath,
    ZR_OPERATOR_LEASE_NAMESPACE: 'default',
    ZR_OPERATOR_RETRY_PERIOD_SECONDS: '1',
    ZR_OPERATOR_LEASE_DURATION_SECONDS: '4',
    ZR_OPERATOR_RENEW_DEADLINE_SECONDS: '3',
    ZR_OPERATOR_WATCHDOG_SECONDS: '5',
    ZR_OPERATOR_ZEEK_IMAGE: 'zeek/zeek:8.0.4',
  });
  const log = createLogger({ service: 'operator', level: 'info', destination: pino.destination({ dest: join(cp.dir, 'logs', `${logName}.log`), sync: true }) });
  const operator = createOperator(config, { log, metrics: createMetrics({ serviceName: 'zeek-relay-operator' }) });
  await operator.start();
  return operator;
}

/** Installs the generated CRD and waits until it is Established. */
export async function installCrd(cp: ControlPlane): Promise<void> {
  await cp.kubectl(['apply', '--server-side', '-f', join(repoRoot(), 'deploy', 'crds', 'zeekclusters.zeek-relay.io.yaml')]);
  await cp.kubectl(['wait', '--for=condition=Established', '--timeout=120s', 'crd/zeekclusters.zeek-relay.io']);
}

/** A fixture file of this directory (read from the source tree, not dist). */
export function fixture(name: string): string {
  return readFileSync(join(repoRoot(), 'test', 'k8s', 'fixtures', name), 'utf8');
}

/** Polls `fn` until it returns a value that is not undefined (default timeout 5 min). */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(300);
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
