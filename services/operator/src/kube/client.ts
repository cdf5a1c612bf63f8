import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1Lease,
} from '@kubernetes/client-node';
import {
  GROUP,
  VERSION,
  PLURAL,
  API_VERSION,
  KIND,
  type ZeekClusterStatus,
} from '../api/v1alpha1/zeekcluster.js';
import { KubeApiError, KubeconfigError } from '../errors.js';
import type { OperatorMetrics } from '../metrics.js';
import type { K8sObject } from '../controller/resources/meta.js';
import {
  FIELD_MANAGER,
  type ControllerClient,
  type EventBody,
  type KindInfo,
  type Lease,
  type LeaseClient,
  type PodEvent,
} from './api.js';

const SSA = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/**
 * The operator's one Kubernetes client: `@kubernetes/client-node`'s typed APIs (server-side apply
 * through KubernetesObjectApi, status through CustomObjectsApi, Events through EventsV1Api, Leases
 * through CoordinationV1Api), all authenticated from one KubeConfig. Every request is counted in
 * the API-call metric by verb.
 */
export class KubeClient implements ControllerClient, LeaseClient {
  readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly events: EventsV1Api;
  private readonly core: CoreV1Api;
  private readonly leases: CoordinationV1Api;

  constructor(
    readonly kc: KubeConfig,
    private readonly metrics: OperatorMetrics,
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.events = kc.makeApiClient(EventsV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.leases = kc.makeApiClient(CoordinationV1Api);
  }

  /** Loads a KubeConfig from `path`, else in-cluster, else the default locations. */
  static loadConfig(path: string | undefined): KubeConfig {
    const kc = new KubeConfig();
    try {
      if (path) kc.loadFromFile(path);
      else kc.loadFromDefault();
    } catch (err) {
      const where = path ?? 'the default locations';
      throw new KubeconfigError(`Could not load a kubeconfig from ${where}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return kc;
  }

  private async call<T>(verb: string, what: string, fn: () => Promise<T>): Promise<T> {
    this.metrics.apiCall(verb);
    try {
      return await fn();
    } catch (err) {
      throw toApiError(what, err);
    }
  }

  async apply(obj: K8sObject): Promise<K8sObject> {
    const what = `Could not apply ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
    const live = await this.call('apply', what, () =>
      this.objects.patch(
        obj as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      ),
    );
    return live as unknown as K8sObject;
  }

  async delete(obj: K8sObject): Promise<void> {
    const what = `Could not delete ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
    try {
      await this.call('delete', what, () =>
        this.objects.delete(
          obj as KubernetesObject,
          undefined,
          undefined,
          undefined,
          undefined,
          'Background',
        ),
      );
    } catch (err) {
      if ((err as KubeApiError).status !== 404) throw err;
    }
  }

  async applyStatus(namespace: string, name: string, status: ZeekClusterStatus): Promise<void> {
    const body = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, status };
    await this.call('patch-status', `Could not write the status of ${namespace}/${name}`, () =>
      this.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace,
          name,
          body,
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        SSA,
      ),
    );
  }

  async createEvent(event: EventBody): Promise<void> {
    const body = { apiVersion: 'events.k8s.io/v1', kind: 'Event', ...event };
    await this.call('create-event', `Could not record Event ${event.reason}`, () =>
      this.events.createNamespacedEvent({ namespace: event.metadata.namespace, body: body as never }),
    );
  }

  async listPods(namespace: string, labelSelector: string): Promise<K8sObject[]> {
    const list = await this.call('list', `Could not list the pods of ${namespace}`, () =>
      this.core.listNamespacedPod({ namespace, labelSelector }),
    );
    return list.items.map((p) => ({ ...p, kind: 'Pod', apiVersion: 'v1' }) as unknown as K8sObject);
  }

  async podEvents(namespace: string, podNames: readonly string[]): Promise<PodEvent[]> {
    const wanted = new Set(podNames);
    const list = await this.call('list', `Could not list the Events of ${namespace}`, () =>
      this.core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.kind=Pod,type=Warning' }),
    );
    return list.items
      .filter((e) => wanted.has(e.involvedObject.name ?? ''))
      .sort((a, b) => eventTime(a) - eventTime(b))
      .map((e) => ({
        podName: e.involvedObject.name ?? '',
        reason: e.reason ?? '',
        message: e.message ?? '',
        type: e.type ?? '',
      }));
  }

  /**
   * Lists `info` in `namespace` (all when empty) for an informer; the items carry kind and
   * apiVersion, and the list's resourceVersion is where the watch starts.
   */
  async listRaw(
    info: KindInfo,
    namespace: string,
    labelSelector: string | undefined,
  ): Promise<{ metadata?: { resourceVersion?: string }; items: K8sObject[] }> {
    const res = await this.call('list', `Could not list ${info.kind}`, () =>
      this.objects.list(
        info.apiVersion,
        info.kind,
        namespace || undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      ),
    );
    // List items carry no kind/apiVersion; the rest of the operator relies on them.
    for (const i of res.items) Object.assign(i, { kind: info.kind, apiVersion: info.apiVersion });
    return res as unknown as { metadata?: { resourceVersion?: string }; items: K8sObject[] };
  }

  async getLease(namespace: string, name: string): Promise<Lease | undefined> {
    try {
      const l = await this.call('lease-get', `Could not read Lease ${namespace}/${name}`, () =>
        this.leases.readNamespacedLease({ namespace, name }),
      );
      return fromV1Lease(l);
    } catch (err) {
      if ((err as KubeApiError).status === 404) return undefined;
      throw err;
    }
  }

  async createLease(lease: Lease): Promise<boolean> {
    return this.leaseWrite(() =>
      this.leases.createNamespacedLease({ namespace: lease.metadata.namespace, body: toV1Lease(lease) }),
    );
  }

  async replaceLease(lease: Lease): Promise<boolean> {
    return this.leaseWrite(() =>
      this.leases.replaceNamespacedLease({
        namespace: lease.metadata.namespace,
        name: lease.metadata.name,
        body: toV1Lease(lease),
      }),
    );
  }

  private async leaseWrite(fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.call('lease-write', 'Could not write the Lease', fn);
      return true;
    } catch (err) {
      if ((err as KubeApiError).status === 409) return false;
      throw err;
    }
  }
}

function eventTime(e: { lastTimestamp?: Date; eventTime?: unknown }): number {
  const t: unknown = e.lastTimestamp ?? e.eventTime;
  return t instanceof Date ? t.getTime() : typeof t === 'string' ? Date.parse(t) : 0;
}

/** client-node leaves V1MicroTime as the server's string (its type says Date): accept either. */
const micro = (d: unknown): string | undefined =>
  d instanceof Date ? d.toISOString().replace('Z', '000Z') : typeof d === 'string' ? d : undefined;

function fromV1Lease(l: V1Lease): Lease {
  const s = l.spec;
  return {
    metadata: {
      name: l.metadata?.name ?? '',
      namespace: l.metadata?.namespace ?? '',
      resourceVersion: l.metadata?.resourceVersion,
    },
    spec: s && {
      holderIdentity: s.holderIdentity,
      leaseDurationSeconds: s.leaseDurationSeconds,
      acquireTime: micro(s.acquireTime),
      renewTime: micro(s.renewTime),
      leaseTransitions: s.leaseTransitions,
    },
  };
}

/** MicroTime strings pass client-node's serializer unchanged (a Date would lose the microseconds). */
function toV1Lease(l: Lease): V1Lease {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...l } as unknown as V1Lease;
}

/** Wraps client-node / socket errors into a KubeApiError carrying the HTTP status (0 = none). */
export function toApiError(message: string, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : 0;
  const body =
    typeof e.body === 'string' ? e.body : e.body !== undefined ? JSON.stringify(e.body) : undefined;
  const detail = body ? body.slice(0, 300) : typeof e.message === 'string' ? e.message : String(err);
  return new KubeApiError(`${message}: ${detail}`, status, { cause: err });
}
