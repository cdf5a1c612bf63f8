import type { ZeekClusterStatus } from '../api/v1alpha1/zeekcluster.js';
import type { K8sObject } from '../controller/resources/meta.js';

/** The one server-side-apply field manager of the operator. */
export const FIELD_MANAGER = 'zeek-relay-operator';

/** Where a kind lives in the API. */
export interface KindInfo {
  readonly kind: string;
  readonly apiVersion: string;
  /** e.g. `/apis/apps/v1` */
  readonly base: string;
  readonly plural: string;
}

/** Read access to one kind's informer cache. */
export interface ObjectStore {
  get(name: string, namespace?: string): K8sObject | undefined;
  list(namespace?: string): K8sObject[];
}

/** A cache of one kind fed by a list+watch. */
export interface WatchedKind {
  readonly info: KindInfo;
  readonly cache: ObjectStore;
  /** True once the first list has completed. */
  readonly synced: boolean;
}

export type WatchHandler = (obj: K8sObject, verb: 'add' | 'update' | 'delete') => void;

/** Informers for a set of kinds (the real one lists and watches the API server). */
export interface InformerSource {
  /** Registers a kind; call before {@link start}. */
  add(info: KindInfo, onEvent: WatchHandler, labelSelector?: string): WatchedKind;
  /** Starts every informer; resolves when each has listed once (or is retrying). */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly synced: boolean;
}

/** An events.k8s.io/v1 Event as the operator writes it. */
export interface EventBody {
  metadata: { name: string; namespace: string };
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  note: string;
  type: 'Normal' | 'Warning';
  regarding: { apiVersion: string; kind: string; name: string; namespace: string; uid: string };
}

/** A core/v1 Event of a pod as read back (the reason and message say why it fails). */
export interface PodEvent {
  readonly podName: string;
  readonly reason: string;
  readonly message: string;
  readonly type: string;
}

/** The writes (and few reads) of the reconciler: every one goes through an implementation of this. */
export interface ControllerClient {
  /** Server-side apply with {@link FIELD_MANAGER}, forcing ownership; returns the live object. */
  apply(obj: K8sObject): Promise<K8sObject>;
  /** Deletes a child (background propagation); a missing object counts as deleted. */
  delete(obj: K8sObject): Promise<void>;
  /** Server-side applies the status subresource of a ZeekCluster. */
  applyStatus(namespace: string, name: string, status: ZeekClusterStatus): Promise<void>;
  createEvent(event: EventBody): Promise<void>;
  /** The pods matching `labelSelector` in `namespace` (a read, for "say what is wrong"). */
  listPods(namespace: string, labelSelector: string): Promise<K8sObject[]>;
  /** Warning Events of the pods `podNames` in `namespace` (a read, for "say what is wrong"). */
  podEvents(namespace: string, podNames: readonly string[]): Promise<PodEvent[]>;
}

/** coordination.k8s.io/v1 Lease as leader election reads and writes it. */
export interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Lease access; create/replace resolve false on a conflict (someone else wrote first). */
export interface LeaseClient {
  getLease(namespace: string, name: string): Promise<Lease | undefined>;
  createLease(lease: Lease): Promise<boolean>;
  replaceLease(lease: Lease): Promise<boolean>;
}
