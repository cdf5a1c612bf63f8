import { hostname } from 'node:os';
import { metrics as otel } from '@opentelemetry/api';
import type { Logger, Readiness, Service, ServiceDeps } from '@zeek-relay/runtime';
import type { OperatorConfig } from './config.js';
import { Controller } from './controller/controller.js';
import { KubeClient } from './kube/client.js';
import { InformerSet } from './kube/informers.js';
import { LeaderElector } from './kube/leader-election.js';
import { OperatorMetrics } from './metrics.js';

/** Dependencies of {@link createOperator} (built by `main.ts`, or by tests). */
export interface OperatorDeps extends ServiceDeps {
  /** Kubeconfig path (empty: in-cluster / default locations). */
  readonly kubeconfig?: string;
  /** Called when the Lease is lost; without it the operator competes for the Lease again. */
  readonly onLostLeadership?: () => void;
}

/** A running operator. */
export interface Operator extends Service {
  readonly metrics: OperatorMetrics;
  /** The running controller (undefined while not leading). */
  readonly controller: Controller | undefined;
  /** Ready once leading (or election off) and every informer listed once. */
  readiness(): Readiness;
  /** Waits for leadership (when enabled), then starts the controller. */
  start(): Promise<void>;
  /** Finishes running reconciles, stops watches, releases the Lease; idempotent. */
  close(): Promise<void>;
}

/** A fresh controller with its own informers (new caches, full relist). */
function buildController(
  config: OperatorConfig,
  client: KubeClient,
  log: Logger,
  metrics: OperatorMetrics,
  identity: string,
): Controller {
  const ctlLog = log.child({ component: 'controller' });
  const informers = new InformerSet(client, ctlLog, metrics, {
    namespace: config.watchNamespace,
    watchdogMs: config.watchdogSeconds * 1000,
  });
  return new Controller(
    { client, informers, log: ctlLog, metrics },
    {
      images: {
        zeek: config.zeekImage,
        zeekVersion: config.zeekVersion,
        hub: config.hubImage,
        gateway: config.gatewayImage,
        logSink: config.logSinkImage,
        pullPolicy: config.imagePullPolicy,
      },
      namespace: config.watchNamespace,
      workers: config.workers,
      resyncSeconds: config.resyncSeconds,
      identity,
    },
  );
}

/** A leader elector for the configured Lease. */
function buildElector(
  config: OperatorConfig,
  client: KubeClient,
  log: Logger,
  identity: string,
): LeaderElector {
  return new LeaderElector(client, log.child({ component: 'leader-election' }), {
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity,
    leaseDurationSeconds: config.leaseDurationSeconds,
    renewDeadlineSeconds: config.renewDeadlineSeconds,
    retryPeriodSeconds: config.retryPeriodSeconds,
  });
}

/**
 * Wires client, metrics, leader election and controller from the configuration. With leader
 * election on, a controller runs only while the Lease is held; when it is lost (renewal failed past
 * the deadline, e.g. while the API server is down) the controller stops and the operator competes
 * for the Lease again, then starts a fresh controller (new caches, full relist).
 */
export function createOperator(config: OperatorConfig, deps: OperatorDeps): Operator {
  const log = deps.log.child({ component: 'operator' });
  let controller: Controller | undefined;
  const metrics = new OperatorMetrics(
    deps.meter ?? otel.getMeter('zeek-relay-operator'),
    () => controller?.queueDepth ?? 0,
  );
  const client = new KubeClient(KubeClient.loadConfig(config.kubeconfig || deps.kubeconfig), metrics);
  const identity = config.identity || `${hostname()}_${process.pid}`;
  const newController = (): Controller => buildController(config, client, log, metrics, identity);
  const electorFor = (): LeaderElector => buildElector(config, client, log, identity);
  let elector: LeaderElector | undefined;
  let started = false;
  let closing: Promise<void> | undefined;

  const lead = async (): Promise<void> => {
    if (config.leaderElection) {
      const mine = electorFor();
      elector = mine;
      const won = await mine.acquire(() => {
        metrics.leader.add(-1);
        started = false;
        const lost = controller;
        controller = undefined;
        void (async () => {
          await lost?.close();
          await mine.release();
          if (deps.onLostLeadership) deps.onLostLeadership();
          else if (!closing) await lead();
        })().catch((err: unknown) => log.error({ err }, 'Could not restart after losing the Lease'));
      });
      if (!won || closing) return;
      metrics.leader.add(1);
    }
    const ctl = newController();
    controller = ctl;
    await ctl.start();
    started = true;
    log.info('Started controller');
  };

  return {
    metrics,
    get controller() {
      return controller;
    },
    readiness: () =>
      started && (controller?.synced ?? false)
        ? { ready: true }
        : { ready: false, reason: 'not leading or caches not synced' },
    start: lead,
    close() {
      closing ??= (async () => {
        await controller?.close();
        await elector?.release();
      })();
      return closing;
    },
  };
}
