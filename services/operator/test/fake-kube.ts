import type { ZeekClusterStatus } from '../src/api/v1alpha1/zeekcluster.js';
import {
  FIELD_MANAGER,
  type ControllerClient,
  type EventBody,
  type InformerSource,
  type KindInfo,
  type ObjectStore,
  type PodEvent,
  type WatchedKind,
  type WatchHandler,
} from '../src/kube/api.js';
import type { FieldsV1 } from '../src/controller/owned-fields.js';
import type { K8sObject } from '../src/controller/resources/meta.js';
import { workload, type Workload } from './helpers.js';

/** Merge keys of the list fields the builders emit (what the real API schema declares). */
function mergeKey(field: string, elem: Record<string, unknown>): Record<string, unknown> | undefined {
  if (field === 'ownerReferences') return { uid: elem['uid'] };
  if (field === 'ports' && 'containerPort' in elem)
    return { containerPort: elem['containerPort'], protocol: elem['protocol'] ?? 'TCP' };
  if (field === 'ports' && 'port' in elem) return { port: elem['port'], protocol: elem['protocol'] ?? 'TCP' };
  if (field === 'volumeMounts') return { mountPath: elem['mountPath'] };
  if (['containers', 'initContainers', 'env', 'volumes'].includes(field)) return { name: elem['name'] };
  return undefined;
}

/** The FieldsV1 set a server-side apply of `value` yields (granular maps, keyed lists, atomic rest). */
export function fieldsOf(value: unknown, field = ''): FieldsV1 {
  if (Array.isArray(value)) {
    const out: FieldsV1 = {};
    for (const e of value) {
      const key =
        e !== null && typeof e === 'object' ? mergeKey(field, e as Record<string, unknown>) : undefined;
      if (!key) return {}; // atomic list
      out[`k:${JSON.stringify(key)}`] = { '.': {}, ...fieldsOf(e, '[]') };
    }
    return out;
  }
  if (value === null || typeof value !== 'object') return {};
  const out: FieldsV1 = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || (['name', 'namespace'].includes(k) && field === 'metadata')) continue;
    if (field === '' && ['apiVersion', 'kind', 'status'].includes(k)) continue;
    out[`f:${k}`] = fieldsOf(v, k);
  }
  return out;
}

type Obj = K8sObject & { status?: unknown };
interface Watch {
  info: KindInfo;
  handler: WatchHandler;
  selector?: string;
}

/**
 * An in-memory API server for the controller's unit tests: server-side apply records the
 * operator's managed fields, every write bumps the resourceVersion and is delivered to the
 * informers on a later tick (like a watch), and every write the operator makes is logged.
 */
export class FakeKube implements ControllerClient, InformerSource {
  readonly objects = new Map<string, Obj>();
  /** Every write the operator made, e.g. `apply StatefulSet/demo-worker`. */
  readonly writes: string[] = [];
  readonly events: EventBody[] = [];
  /** Every ZeekCluster status the operator wrote, in order. */
  readonly statuses: ZeekClusterStatus[] = [];
  readonly podWarnings: PodEvent[] = [];
  /** Make the next apply of this `Kind/name` fail once. */
  failNextApply?: string;
  /** Hold watch deliveries (a lagging cache) until {@link release}. */
  holdWatch = false;
  /** Update the caches but do not call the event handlers (an event the controller never saw). */
  quiet = false;
  private held: (() => void)[] = [];
  private readonly watches: Watch[] = [];
  private rv = 0;
  private started = false;

  private id(kind: string, ns: string | undefined, name: string): string {
    return `${kind}/${ns ?? ''}/${name}`;
  }

  private deliver(obj: Obj, verb: 'add' | 'update' | 'delete'): void {
    const copy = structuredClone(obj);
    const send = (): void => {
      for (const w of this.watches)
        if (w.info.kind === obj.kind && this.matches(w, copy)) w.handler(copy, verb);
    };
    if (!this.started) return;
    if (this.holdWatch) this.held.push(send);
    else queueMicrotask(send);
  }

  /** Delivers held watch events. */
  release(): void {
    this.holdWatch = false;
    for (const s of this.held.splice(0)) s();
  }

  private matches(w: Watch, obj: Obj): boolean {
    if (!w.selector) return true;
    const [k, v] = w.selector.split('=');
    return obj.metadata.labels?.[k ?? ''] === v;
  }

  /** Stores `obj` as another actor would (kubectl, the kube controllers) and notifies watches. */
  put(obj: Obj): Obj {
    const id = this.id(obj.kind, obj.metadata.namespace, obj.metadata.name);
    const prev = this.objects.get(id);
    const stored = structuredClone(obj);
    stored.metadata['resourceVersion'] = String(++this.rv);
    stored.metadata['uid'] ??= prev?.metadata['uid'] ?? `uid-${this.rv}`;
    this.objects.set(id, stored);
    this.deliver(stored, prev ? 'update' : 'add');
    return stored;
  }

  get(kind: string, name: string, ns = 'ns'): Obj | undefined {
    const o = this.objects.get(this.id(kind, ns, name));
    return o && structuredClone(o);
  }

  /** Changes a live object as `manager` would with an update: the fields it sets leave our set. */
  edit(kind: string, name: string, change: (o: Workload) => void, takeFrom?: (f: FieldsV1) => void): void {
    const o = this.get(kind, name);
    if (!o) throw new Error(`no ${kind}/${name}`);
    const spec = JSON.stringify(o['spec']);
    change(workload(o));
    const mine = workload(o).metadata.managedFields?.find((e) => e.manager === FIELD_MANAGER);
    if (mine && takeFrom) takeFrom(mine.fieldsV1);
    // Like the API server: metadata.generation counts spec changes.
    if (JSON.stringify(o['spec']) !== spec)
      o.metadata['generation'] = Number(o.metadata['generation'] ?? 0) + 1;
    this.put(o);
  }

  // ControllerClient

  async apply(obj: K8sObject): Promise<K8sObject> {
    const label = `${obj.kind}/${obj.metadata.name}`;
    if (this.failNextApply === label) {
      this.failNextApply = undefined;
      throw Object.assign(new Error(`apply ${label}: 500 etcd unavailable`), { code: 'ZR_OPERATOR_API' });
    }
    this.writes.push(`apply ${label}`);
    const prev = this.get(obj.kind, obj.metadata.name, obj.metadata.namespace);
    const managedFields = [
      {
        manager: FIELD_MANAGER,
        operation: 'Apply',
        apiVersion: obj.apiVersion,
        fieldsType: 'FieldsV1',
        fieldsV1: fieldsOf(obj),
      },
    ];
    const next: Obj = {
      ...structuredClone(obj),
      metadata: { ...structuredClone(obj.metadata), managedFields },
    };
    if (prev?.status) next.status = prev.status;
    // Like the API server: metadata.generation counts spec changes.
    const gen = Number(prev?.metadata['generation'] ?? 0);
    const specChanged = JSON.stringify(prev?.['spec']) !== JSON.stringify(next['spec']);
    next.metadata['generation'] = specChanged ? gen + 1 : gen;
    const same =
      prev &&
      JSON.stringify({ ...prev, metadata: { ...prev.metadata, resourceVersion: '', uid: '' } }) ===
        JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: '', uid: '' } });
    return same ? prev : this.put(next); // a no-op apply changes nothing, like the real server
  }

  async delete(obj: K8sObject): Promise<void> {
    this.writes.push(`delete ${obj.kind}/${obj.metadata.name}`);
    const id = this.id(obj.kind, obj.metadata.namespace, obj.metadata.name);
    const prev = this.objects.get(id);
    if (!prev) return;
    this.objects.delete(id);
    this.deliver(prev, 'delete');
  }

  async applyStatus(namespace: string, name: string, status: ZeekClusterStatus): Promise<void> {
    this.writes.push(`status ZeekCluster/${name}`);
    this.statuses.push(structuredClone(status));
    const zc = this.get('ZeekCluster', name, namespace);
    if (zc) this.put({ ...zc, status });
  }

  async createEvent(event: EventBody): Promise<void> {
    this.writes.push(`event ${event.reason}`);
    this.events.push(event);
  }

  async listPods(namespace: string, labelSelector: string): Promise<K8sObject[]> {
    const [k, v] = labelSelector.split('=');
    return [...this.objects.values()].filter(
      (o) => o.kind === 'Pod' && o.metadata.namespace === namespace && o.metadata.labels?.[k ?? ''] === v,
    );
  }

  async podEvents(_namespace: string, podNames: readonly string[]): Promise<PodEvent[]> {
    return this.podWarnings.filter((e) => podNames.includes(e.podName));
  }

  // InformerSource

  add(info: KindInfo, onEvent: WatchHandler, labelSelector?: string): WatchedKind {
    const w: Watch = { info, handler: onEvent, selector: labelSelector };
    this.watches.push(w);
    const cache: ObjectStore = {
      get: (name, ns) =>
        this.cacheOf(w).find((o) => o.metadata.name === name && (!ns || o.metadata.namespace === ns)),
      list: (ns) => this.cacheOf(w).filter((o) => !ns || o.metadata.namespace === ns),
    };
    const view = new Map<string, Obj>();
    this.caches.set(w, view);
    const wrapped: WatchHandler = (obj, verb) => {
      const id = this.id(obj.kind, obj.metadata.namespace, obj.metadata.name);
      if (verb === 'delete') view.delete(id);
      else view.set(id, obj as Obj);
      if (!this.quiet) onEvent(obj, verb);
    };
    w.handler = wrapped;
    return { info, cache, synced: true };
  }

  private readonly caches = new Map<Watch, Map<string, Obj>>();
  private cacheOf(w: Watch): Obj[] {
    return [...(this.caches.get(w)?.values() ?? [])];
  }

  async start(): Promise<void> {
    this.started = true;
    for (const o of this.objects.values()) this.deliver(o, 'add');
    await new Promise((r) => setImmediate(r));
  }

  async stop(): Promise<void> {
    this.started = false;
  }

  get synced(): boolean {
    return true;
  }

  /** What the kube controllers would do: every Deployment/StatefulSet fully rolled out and ready. */
  /** Pods the kube controllers report as not ready, by workload name (for {@link rollOutAll}). */
  readonly unready = new Map<string, number>();

  rollOutAll(): void {
    for (const o of [...this.objects.values()]) {
      if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet') continue;
      const replicas = (o['spec'] as { replicas?: number }).replicas ?? 1;
      const ready = replicas - (this.unready.get(o.metadata.name) ?? 0);
      const gen = Number(o.metadata['generation'] ?? 1);
      const status = {
        observedGeneration: gen,
        replicas,
        readyReplicas: ready,
        updatedReplicas: replicas,
        availableReplicas: ready,
        currentRevision: 'r',
        updateRevision: 'r',
      };
      if (JSON.stringify(o.status) !== JSON.stringify(status))
        this.put({ ...o, metadata: { ...o.metadata, generation: gen }, status });
    }
  }
}
