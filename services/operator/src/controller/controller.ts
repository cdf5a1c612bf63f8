import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '@zeek-relay/runtime';
import {
  API_VERSION,
  GROUP,
  KIND,
  PLURAL,
  VERSION,
  type ZeekCluster,
  type ZeekClusterStatus,
} from '../api/v1alpha1/zeekcluster.js';
import { validateSpec } from '../api/v1alpha1/validate.js';
import { FIELD_MANAGER, type KubeClient } from '../kube/client.js';
import { EventRecorder, type EventTarget } from '../kube/events.js';
import { InformerSet, type WatchedKind } from '../kube/informers.js';
import type { OperatorMetrics } from '../metrics.js';
import { assertZeekSupports, buildDesired, type Observed } from './reconcile.js';
import { isProgressOnly, needsApply, stableJson, withDesiredHash } from './diff.js';
import type { Images } from './resources/images.js';
import { curveZeekImageWarning } from './resources/curve.js';
import { ANNOTATION_SPEC_HASH, LABEL_MANAGED_BY, MANAGED_BY, type K8sObject } from './resources/meta.js';
import { computeStatus, type Problem } from './status.js';
import { WorkQueue } from './work-queue.js';
import { CHILD_KINDS, CR_KIND, hasCondition } from './kinds.js';

/** Minimum spacing of progress-only status writes of one cluster (see {@link isProgressOnly}). */
const STATUS_BATCH_MS = 1000;

/** Settings of {@link Controller}. */
export interface ControllerOptions {
  readonly images: Images;
  readonly namespace: string;
  readonly workers: number;
  readonly resyncSeconds: number;
  readonly watchdogSeconds: number;
  readonly identity: string;
}

/**
 * The only place that talks to the API server for reconciling: informers fill caches, events of
 * owned children map to their ZeekCluster's `ns/name` key, a de-duplicating queue feeds
 * `workers` concurrent reconciles (never two for one key). Each reconcile is level-based:
 * desired children come from the pure builders; a child is applied (server-side apply) only if it
 * differs from the live object, unwanted children are deleted, and the status is written only
 * when it changed — so an idle cluster costs no writes.
 */
export class Controller {
  private readonly queue = new WorkQueue({ maxDelayMs: 30_000 });
  private readonly informers: InformerSet;
  private readonly crs: WatchedKind;
  private readonly children = new Map<string, WatchedKind>();
  private readonly events: EventRecorder;
  /** Last object applied per child and last status written per cluster (cache lag guards). */
  private readonly applied = new Map<string, { hash: string; obj: K8sObject }>();
  private readonly statusWritten = new Map<string, string>();
  private readonly statusAt = new Map<string, number>();
  private loops: Promise<void>[] = [];
  private resync?: NodeJS.Timeout;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    private readonly metrics: OperatorMetrics,
    private readonly o: ControllerOptions,
  ) {
    this.informers = new InformerSet(client, log, metrics, {
      namespace: o.namespace,
      watchdogMs: o.watchdogSeconds * 1000,
    });
    this.events = new EventRecorder(client, o.identity);
    this.crs = this.informers.add(
      CR_KIND,
      (obj, verb) => {
        if (verb === 'delete') this.forget(obj);
        this.enqueue(obj.metadata?.namespace, obj.metadata?.name);
      },
      undefined,
    );
    for (const info of CHILD_KINDS) {
      this.children.set(
        info.kind,
        this.informers.add(info, (obj) => this.enqueueOwner(obj), `${LABEL_MANAGED_BY}=${MANAGED_BY}`),
      );
    }
  }

  /** Keys waiting in the queue (for the queue-depth metric). */
  get queueDepth(): number {
    return this.queue.length;
  }

  /** True once every informer has listed once (readiness). */
  get synced(): boolean {
    return this.informers.synced;
  }

  private enqueue(ns: string | undefined, name: string | undefined): void {
    if (ns && name) this.queue.add(`${ns}/${name}`);
  }

  private enqueueOwner(obj: KubernetesObject): void {
    const ref = obj.metadata?.ownerReferences?.find(
      (r) => r.kind === KIND && r.apiVersion.startsWith(`${GROUP}/`),
    );
    if (ref) this.enqueue(obj.metadata?.namespace, ref.name);
  }

  private forget(obj: KubernetesObject): void {
    const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
    this.statusWritten.delete(key);
    this.statusAt.delete(key);
    if (obj.metadata?.uid) this.events.forget(obj.metadata.uid);
  }

  /** Starts informers, then the reconcile loops and the periodic resync. */
  async start(): Promise<void> {
    await this.informers.start();
    for (let i = 0; i < this.o.workers; i++) this.loops.push(this.runLoop());
    this.resync = setInterval(() => {
      for (const zc of this.crs.cache.list()) this.enqueue(zc.metadata?.namespace, zc.metadata?.name);
    }, this.o.resyncSeconds * 1000);
    this.resync.unref();
  }

  /** Stops intake, lets running reconciles finish, then stops the watches; idempotent. */
  async close(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    this.queue.shutDown();
    await Promise.all(this.loops);
    await this.informers.stop();
  }

  private async runLoop(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const t0 = performance.now();
      try {
        const result = await this.reconcile(key);
        this.metrics.reconciled((performance.now() - t0) / 1000, result);
        this.queue.forget(key);
      } catch (err) {
        this.metrics.reconciled((performance.now() - t0) / 1000, 'error');
        this.log.warn({ err, key }, 'Reconcile failed; retrying');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /**
   * The live children of namespace `ns`. Where the informer has not yet seen our latest apply, the
   * applied object (without status, so "not rolled out") stands in for the stale cached one: the
   * rollout planner must never see an older template and revert a stage it already advanced.
   */
  private observedFor(ns: string): Observed {
    return {
      get: (kind, name) => {
        const live = this.children.get(kind)?.cache.get(name, ns) as K8sObject | undefined;
        const mine = this.applied.get(`${kind}/${ns}/${name}`);
        if (live && mine && live.metadata.annotations?.[ANNOTATION_SPEC_HASH] !== mine.hash) return mine.obj;
        return live;
      },
    };
  }

  /** One level-based pass for `ns/name`. */
  async reconcile(key: string): Promise<'success' | 'invalid' | 'skipped'> {
    // An unsynced child cache looks like "nothing exists" and would re-apply every child.
    if (!this.informers.synced) {
      this.queue.addAfter(key, 1000);
      return 'skipped';
    }
    const [ns = '', name = ''] = key.split('/');
    const raw = this.crs.cache.get(name, ns) as unknown as ZeekCluster | undefined;
    if (!raw) return 'skipped';
    const target: EventTarget = {
      apiVersion: API_VERSION,
      kind: KIND,
      name,
      namespace: ns,
      uid: raw.metadata.uid,
    };
    if (raw.spec?.paused) return 'skipped';
    const observed = this.observedFor(ns);
    let zc: ZeekCluster;
    try {
      zc = { ...raw, spec: validateSpec(raw.spec) };
      assertZeekSupports(zc, this.o.images);
    } catch (err) {
      const e = err as { code?: string; reason?: string; message?: string };
      if (e.code !== 'ZR_OPERATOR_INVALID_SPEC') throw err;
      const problem: Problem = { reason: e.reason ?? 'InvalidSpec', message: e.message ?? String(err) };
      // Level-based: the Event goes out when the condition changes, not again after a restart.
      if (!hasCondition(raw, 'Degraded', problem))
        this.logEventError(await this.events.record(target, 'Warning', problem.reason, problem.message));
      await this.writeStatus(key, raw, computeStatus(raw, observed, undefined, problem, new Date()));
      return 'invalid';
    }
    const desired = buildDesired(zc, this.o.images, observed);
    const tooOld = curveZeekImageWarning(zc.spec.hub.curveSecretName, zc.spec.image ?? this.o.images.zeek);
    if (tooOld !== undefined)
      this.logEventError(await this.events.record(target, 'Warning', 'CurveNeedsZeek82', tooOld));
    const wanted = new Set<string>();
    try {
      for (const obj of desired.objects) {
        const d = withDesiredHash(obj);
        const id = `${d.kind}/${ns}/${d.metadata.name}`;
        wanted.add(`${d.kind}/${d.metadata.name}`);
        const live = observed.get(d.kind, d.metadata.name);
        if (!needsApply(d, live, this.applied.get(id)?.hash)) continue;
        await this.client.apply(d);
        this.applied.set(id, { hash: d.metadata.annotations?.[ANNOTATION_SPEC_HASH] ?? '', obj: d });
        if (!live) {
          this.log.info({ kind: d.kind, name: d.metadata.name, namespace: ns }, `Created ${d.kind}`);
          this.logEventError(
            await this.events.record(target, 'Normal', 'Created', `Created ${d.kind} ${d.metadata.name}`),
          );
        }
      }
      await this.prune(zc, wanted);
    } catch (err) {
      const problem: Problem = {
        reason: 'ReconcileFailed',
        message: err instanceof Error ? err.message : String(err),
      };
      await this.writeStatus(key, zc, computeStatus(zc, observed, desired, problem, new Date())).catch(
        () => undefined,
      );
      this.logEventError(await this.events.record(target, 'Warning', problem.reason, problem.message));
      throw err;
    }
    if (
      desired.rollout.progressing &&
      desired.rollout.current &&
      raw.status?.configHash !== desired.configHash
    ) {
      this.logEventError(
        await this.events.record(
          target,
          'Normal',
          'RollingOut',
          `Rolling ${desired.rollout.current} to layout ${desired.configHash}`,
        ),
      );
    }
    const status = computeStatus(zc, observed, desired, undefined, new Date());
    const final = status.readyReplicas === zc.spec.workers.replicas && !desired.rollout.progressing;
    const wait = STATUS_BATCH_MS - (Date.now() - (this.statusAt.get(key) ?? 0));
    if (!final && wait > 0 && isProgressOnly(zc.status, status)) {
      // Mid-scale: one status write per pod would compete with the scale-up itself; batch them.
      this.queue.addAfter(key, wait);
      return 'success';
    }
    await this.writeStatus(key, zc, status);
    return 'success';
  }

  /** Deletes children of `zc` (by owner uid) that the desired state no longer contains. */
  private async prune(zc: ZeekCluster, wanted: Set<string>): Promise<void> {
    for (const [kind, watched] of this.children) {
      for (const obj of watched.cache.list(zc.metadata.namespace)) {
        const owned = obj.metadata?.ownerReferences?.some((r) => r.uid === zc.metadata.uid);
        if (!owned || wanted.has(`${kind}/${obj.metadata?.name}`)) continue;
        await this.client.delete({
          apiVersion: watched.info.apiVersion,
          kind,
          metadata: { name: obj.metadata?.name ?? '', namespace: zc.metadata.namespace },
        });
        this.applied.delete(`${kind}/${zc.metadata.namespace}/${obj.metadata?.name}`);
        this.log.info({ kind, name: obj.metadata?.name }, `Deleted ${kind}`);
      }
    }
  }

  /** Server-side applies the status subresource, unless it equals the live (or last written) one. */
  private async writeStatus(key: string, zc: ZeekCluster, status: ZeekClusterStatus): Promise<void> {
    const json = stableJson(status);
    if (json === stableJson(zc.status ?? {}) || json === this.statusWritten.get(key)) return;
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${zc.metadata.namespace}/${PLURAL}/${zc.metadata.name}/status?fieldManager=${FIELD_MANAGER}&force=true`;
    await this.client.json(
      'patch-status',
      'PATCH',
      path,
      {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name: zc.metadata.name, namespace: zc.metadata.namespace },
        status,
      },
      'application/apply-patch+yaml',
    );
    this.statusWritten.set(key, json);
    this.statusAt.set(key, Date.now());
  }

  private logEventError(err: unknown): void {
    if (err) this.log.warn({ err }, 'Could not record Event');
  }
}
