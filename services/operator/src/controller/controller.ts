import type { Logger } from '@zeek-relay/runtime';
import {
  API_VERSION,
  GROUP,
  KIND,
  type ZeekCluster,
  type ZeekClusterStatus,
} from '../api/v1alpha1/zeekcluster.js';
import { validateSpec } from '../api/v1alpha1/validate.js';
import type { ControllerClient, InformerSource, WatchedKind } from '../kube/api.js';
import { EventRecorder, type EventTarget } from '../kube/events.js';
import type { OperatorMetrics } from '../metrics.js';
import { assertZeekSupports, buildDesired, type DesiredState, type Observed } from './reconcile.js';
import {
  applyReason,
  isProgressOnly,
  stableJson,
  VerifiedChildren,
  withDesiredHash,
  type LastApply,
} from './diff.js';
import type { Images } from './resources/images.js';
import { curveZeekImageWarning } from './resources/curve.js';
import { ANNOTATION_SPEC_HASH, LABEL_MANAGED_BY, MANAGED_BY, type K8sObject } from './resources/meta.js';
import { computeStatus, type Problem } from './status.js';
import { WorkQueue } from './work-queue.js';
import { CHILD_KINDS, CR_KIND, hasCondition } from './kinds.js';
import { COMPONENT_ORDER, StallWatch } from './stalls.js';

/** Minimum spacing of progress-only status writes of one cluster (see {@link isProgressOnly}). */
const STATUS_BATCH_MS = 1000;
/** A component whose ready count has not moved for this long has its pods read (see StallWatch). */
const STALL_MS = 15_000;

/** Settings of {@link Controller}. */
export interface ControllerOptions {
  readonly images: Images;
  readonly namespace: string;
  readonly workers: number;
  readonly resyncSeconds: number;
  readonly identity: string;
  /** Minimum spacing of progress-only status writes of one cluster (default 1000 ms). */
  readonly statusBatchMs?: number;
  /** How long a not-ready component may make no progress before its pods are read (15 s). */
  readonly stallMs?: number;
}

/** What the controller talks to: the API (writes) and informers (reads), both injectable. */
export interface ControllerDeps {
  readonly client: ControllerClient;
  readonly informers: InformerSource;
  readonly log: Logger;
  readonly metrics: OperatorMetrics;
}

/**
 * The only place that talks to the API server for reconciling: informers fill caches, events of
 * owned children map to their ZeekCluster's `ns/name` key, a de-duplicating queue feeds
 * `workers` concurrent reconciles (never two for one key). Each reconcile is level-based:
 * desired children come from the pure builders; a child is applied (server-side apply) only if
 * the fields the operator owns differ from the desired ones ({@link applyReason}: drift is
 * corrected, an idle cluster costs no writes), unwanted children are deleted, and the status is
 * written only when it changed.
 */
export class Controller {
  private readonly queue = new WorkQueue({ maxDelayMs: 30_000 });
  private readonly client: ControllerClient;
  private readonly informers: InformerSource;
  private readonly log: Logger;
  private readonly metrics: OperatorMetrics;
  private readonly crs: WatchedKind;
  private readonly children = new Map<string, WatchedKind>();
  private readonly stalls: StallWatch;
  private readonly events: EventRecorder;
  /** Last apply per child and last status written per cluster (cache lag guards). */
  private readonly applied = new Map<string, LastApply>();
  private readonly verified = new VerifiedChildren();
  private readonly statusWritten = new Map<string, string>();
  private readonly statusAt = new Map<string, number>();
  private loops: Promise<void>[] = [];
  private resync?: NodeJS.Timeout;

  constructor(
    deps: ControllerDeps,
    private readonly o: ControllerOptions,
  ) {
    ({ client: this.client, informers: this.informers, log: this.log, metrics: this.metrics } = deps);
    this.events = new EventRecorder(this.client, o.identity);
    this.stalls = new StallWatch(this.client, o.stallMs ?? STALL_MS);
    this.crs = this.informers.add(
      CR_KIND,
      (obj, verb) => {
        if (verb === 'delete') this.forget(obj);
        this.enqueue(obj.metadata.namespace, obj.metadata.name);
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

  private enqueueOwner(obj: K8sObject): void {
    const ref = obj.metadata.ownerReferences?.find(
      (r) => r.kind === KIND && r.apiVersion.startsWith(`${GROUP}/`),
    );
    if (ref) this.enqueue(obj.metadata.namespace, ref.name);
  }

  private forget(obj: K8sObject): void {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    this.statusWritten.delete(key);
    this.statusAt.delete(key);
    this.stalls.forget(key);
    const uid = obj.metadata['uid'];
    if (typeof uid === 'string') this.events.forget(uid);
  }

  /** Starts informers, then the reconcile loops and the periodic resync. */
  async start(): Promise<void> {
    await this.informers.start();
    for (let i = 0; i < this.o.workers; i++) this.loops.push(this.runLoop());
    this.resync = setInterval(() => this.resyncAll(), this.o.resyncSeconds * 1000);
    this.resync.unref();
  }

  /** Queues every ZeekCluster (what the periodic resync does). */
  resyncAll(): void {
    for (const zc of this.crs.cache.list()) this.enqueue(zc.metadata.namespace, zc.metadata.name);
  }

  /** Resolves once the queue is empty and no reconcile runs (tests). */
  idle(): Promise<void> {
    return this.queue.drained();
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

  private cached(kind: string, ns: string, name: string): K8sObject | undefined {
    return this.children.get(kind)?.cache.get(name, ns);
  }

  /**
   * The live children of namespace `ns`. Where the informer has not yet seen our latest apply, the
   * object the API server returned for it stands in for the stale cached one: the rollout planner
   * must never see an older template and revert a stage it already advanced. That object carries
   * the new template and generation (a changed spec is "not rolled out" until the kube controller
   * observes it) and the status the workload had then, so the ready counts stay the pods' real
   * ones: a bare applied object, without status, made every scale report 0 ready workers.
   */
  private observedFor(ns: string): Observed {
    return {
      get: (kind, name) => {
        const live = this.cached(kind, ns, name);
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
    if (!raw || raw.spec?.paused) return 'skipped';
    const target: EventTarget = {
      apiVersion: API_VERSION,
      kind: KIND,
      name,
      namespace: ns,
      uid: raw.metadata.uid,
    };
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
    try {
      await this.applyChildren(zc, target, desired);
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
    await this.finish(key, raw, zc, target, desired, observed);
    return 'success';
  }

  /** Applies every desired child whose owned fields differ from the live ones, then prunes. */
  private async applyChildren(zc: ZeekCluster, target: EventTarget, desired: DesiredState): Promise<void> {
    const ns = zc.metadata.namespace;
    const wanted = new Set<string>();
    for (const obj of desired.objects) {
      const d = withDesiredHash(obj);
      const id = `${d.kind}/${ns}/${d.metadata.name}`;
      wanted.add(`${d.kind}/${d.metadata.name}`);
      const live = this.cached(d.kind, ns, d.metadata.name);
      const check = this.verified.check(id, d, live);
      if (check === undefined) continue; // verified before, and nothing we own has changed since
      const why = applyReason(d, live, this.applied.get(id));
      if (why === undefined) {
        this.verified.remember(id, check);
        continue;
      }
      const after = await this.client.apply(d);
      this.applied.set(id, {
        hash: d.metadata.annotations?.[ANNOTATION_SPEC_HASH] ?? '',
        rvBefore: live?.metadata['resourceVersion'] as string | undefined,
        rvAfter: after.metadata['resourceVersion'] as string | undefined,
        obj: after,
      });
      const what = { kind: d.kind, name: d.metadata.name, namespace: ns, why };
      if (!live) {
        this.log.info(what, `Created ${d.kind}`);
        this.logEventError(
          await this.events.record(target, 'Normal', 'Created', `Created ${d.kind} ${d.metadata.name}`),
        );
      } else if (why.startsWith('drift')) {
        this.log.info(what, `Corrected ${d.kind}`);
        this.metrics.driftCorrected(d.kind);
        this.logEventError(
          await this.events.record(
            target,
            'Normal',
            'DriftCorrected',
            `Restored ${d.kind} ${d.metadata.name}: ${why}`,
          ),
        );
      } else this.log.debug(what, `Updated ${d.kind}`);
    }
    await this.prune(zc, wanted);
  }

  /** Rollout Event and status write (progress-only changes batched to ≤ 1/s per cluster). */
  private async finish(
    key: string,
    raw: ZeekCluster,
    zc: ZeekCluster,
    target: EventTarget,
    desired: DesiredState,
    observed: Observed,
  ): Promise<void> {
    if (
      desired.rollout.progressing &&
      desired.rollout.current &&
      raw.status?.configHash !== desired.configHash
    ) {
      const note = `Rolling ${desired.rollout.current} to layout ${desired.configHash}`;
      this.logEventError(await this.events.record(target, 'Normal', 'RollingOut', note));
    }
    const { problems, recheckMs } = await this.stalls.problems(key, zc, observed);
    if (recheckMs !== undefined) this.queue.addAfter(key, recheckMs);
    for (const c of COMPONENT_ORDER) {
      const p = problems.find((x) => x.component === c);
      if (p) this.logEventError(await this.events.record(target, 'Warning', p.reason, p.message));
    }
    const status = computeStatus(zc, observed, desired, undefined, new Date(), problems);
    const final = status.readyReplicas === zc.spec.workers.replicas && !desired.rollout.progressing;
    const wait = (this.o.statusBatchMs ?? STATUS_BATCH_MS) - (Date.now() - (this.statusAt.get(key) ?? 0));
    if (!final && wait > 0 && isProgressOnly(zc.status, status)) {
      // Mid-scale: one status write per pod would compete with the scale-up itself; batch them.
      this.queue.addAfter(key, wait);
      return;
    }
    await this.writeStatus(key, zc, status);
  }

  /** Deletes children of `zc` (by owner uid) that the desired state no longer contains. */
  private async prune(zc: ZeekCluster, wanted: Set<string>): Promise<void> {
    for (const [kind, watched] of this.children) {
      for (const obj of watched.cache.list(zc.metadata.namespace)) {
        const owned = obj.metadata.ownerReferences?.some((r) => r.uid === zc.metadata.uid);
        if (!owned || wanted.has(`${kind}/${obj.metadata.name}`)) continue;
        await this.client.delete({
          apiVersion: watched.info.apiVersion,
          kind,
          metadata: { name: obj.metadata.name, namespace: zc.metadata.namespace },
        });
        this.applied.delete(`${kind}/${zc.metadata.namespace}/${obj.metadata.name}`);
        this.verified.forget(`${kind}/${zc.metadata.namespace}/${obj.metadata.name}`);
        this.log.info({ kind, name: obj.metadata.name }, `Deleted ${kind}`);
      }
    }
  }

  /** Server-side applies the status subresource, unless it equals the live (or last written) one. */
  private async writeStatus(key: string, zc: ZeekCluster, status: ZeekClusterStatus): Promise<void> {
    const json = stableJson(status);
    if (json === stableJson(zc.status ?? {}) || json === this.statusWritten.get(key)) return;
    await this.client.applyStatus(zc.metadata.namespace, zc.metadata.name, status);
    this.statusWritten.set(key, json);
    this.statusAt.set(key, Date.now());
  }

  private logEventError(err: unknown): void {
    if (err) this.log.warn({ err }, 'Could not record Event');
  }
}
