import { hostname } from 'node:os';
import type { Logger, Metrics } from '@zeek-relay/runtime';
import type { OperatorConfig } from './config.js';
import { Controller } from './controller/controller.js';
import { KubeClient } from './kube/client.js';
import { LeaderElector } from './kube/leader-election.js';
import { OperatorMetrics } from './metrics.js';

/** Dependencies of {@link createOperator} (built by `main.ts`, or by tests). */
export interface OperatorDeps {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Kubeconfig path (empty: in-cluster / default locations). */
  readonly kubeconfig?: string;
  /** Called once when the Lease is lost; `main.ts` exits so the pod restarts as a follower. */
  readonly onLostLeadership?: () => void;
}

/** A running operator. */
export interface Operator {
  readonly metrics: OperatorMetrics;
  readonly controller: Controller;
  /** Ready once leading (or election off) and every informer listed once. */
  ready(): boolean;
  /** Waits for leadership (when enabled), then starts the controller. */
  start(): Promise<void>;
  /** Finishes running reconciles, stops watches, releases the Lease; idempotent. */
  close(): Promise<void>;
}

/** Wires client, metrics, leader election and controller from the configuration. */
export function createOperator(config: OperatorConfig, deps: OperatorDeps): Operator {
  const log = deps.log.child({ component: 'operator' });
  let controller: Controller | undefined;
  const metrics = new OperatorMetrics(deps.metrics.meter, () => controller?.queueDepth ?? 0);
  const client = new KubeClient(KubeClient.loadConfig(config.kubeconfig || deps.kubeconfig), metrics);
  const identity = config.identity || `${hostname()}_${process.pid}`;
  controller = new Controller(client, log.child({ component: 'controller' }), metrics, {
    images: { zeek: config.zeekImage, hub: config.hubImage, gateway: config.gatewayImage, logSink: config.logSinkImage, pullPolicy: config.imagePullPolicy },
    namespace: config.watchNamespace,
    workers: config.workers,
    resyncSeconds: config.resyncSeconds,
    watchdogSeconds: config.watchdogSeconds,
    identity,
  });
  const elector = config.leaderElection
    ? new LeaderElector(client, log.child({ component: 'leader-election' }), {
        namespace: config.leaseNamespace,
        name: config.leaseName,
        identity,
        leaseDurationSeconds: config.leaseDurationSeconds,
        renewDeadlineSeconds: config.renewDeadlineSeconds,
        retryPeriodSeconds: config.retryPeriodSeconds,
      })
    : undefined;
  let started = false;
  let closing: Promise<void> | undefined;
  const ctl = controller;
  return {
    metrics,
    controller: ctl,
    ready: () => started && ctl.synced && (elector?.isLeader ?? true),
    async start() {
      if (elector) {
        const won = await elector.acquire(() => {
          metrics.leader.add(-1);
          deps.onLostLeadership?.();
        });
        if (!won) return;
        metrics.leader.add(1);
      }
      if (closing) return;
      await ctl.start();
      started = true;
      log.info('Started controller');
    },
    close() {
      closing ??= (async () => {
        await ctl.close();
        await elector?.release();
      })();
      return closing;
    },
  };
}
