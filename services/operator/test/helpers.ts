import type { FieldsV1 } from '../src/controller/owned-fields.js';
import { validateSpec } from '../src/api/v1alpha1/validate.js';
import type { ZeekCluster } from '../src/api/v1alpha1/zeekcluster.js';
import type { Images } from '../src/controller/resources/images.js';
import type { K8sObject } from '../src/controller/resources/meta.js';
import type { Observed } from '../src/controller/reconcile.js';

export const IMAGES: Images = {
  zeek: 'zeek/zeek:8.0.4',
  hub: 'r/hub:1',
  gateway: 'r/gateway:1',
  logSink: 'r/log-sink:1',
  pullPolicy: 'IfNotPresent',
  zeekVersion: '8.2',
};

/** A ZeekCluster named `demo` in namespace `ns` with defaults applied to `spec`. */
export function cluster(spec: unknown = {}, generation = 1): ZeekCluster {
  return {
    apiVersion: 'zeek-relay.io/v1alpha1',
    kind: 'ZeekCluster',
    metadata: { name: 'demo', namespace: 'ns', uid: 'uid-1', generation },
    spec: validateSpec(spec),
  };
}

/** An Observed view over a list of live objects. */
export function observe(objects: K8sObject[] = []): Observed {
  return { get: (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name) };
}

/** Marks a desired workload as fully rolled out (what the kube controllers would report). */
export function rolledOut(obj: K8sObject, ready?: number): K8sObject {
  const replicas = (obj['spec'] as { replicas: number }).replicas;
  const r = ready ?? replicas;
  return {
    ...obj,
    metadata: { ...obj.metadata, generation: 1 },
    status: {
      observedGeneration: 1,
      replicas,
      readyReplicas: r,
      updatedReplicas: replicas,
      availableReplicas: r,
      currentRevision: 'a',
      updateRevision: 'a',
    },
  };
}

/** The parts of a live workload the drift tests read and edit. */
export interface Workload {
  metadata: { labels: Record<string, string>; managedFields?: { manager: string; fieldsV1: FieldsV1 }[] };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      spec: {
        containers: {
          image: string;
          args: string[];
          env: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
          resources: { requests: Record<string, string> };
          ports: Record<string, unknown>[];
          terminationMessagePath?: string;
          imagePullPolicy?: string;
        }[];
        volumes: { name: string; configMap?: { name: string; defaultMode?: number } }[];
        restartPolicy?: string;
      };
    };
    podManagementPolicy?: string;
  };
  status?: unknown;
}

/** `obj` seen as a {@link Workload}. */
export const workload = (obj: unknown): Workload => obj as Workload;

/** Removes the member at `path` from a FieldsV1 set (another manager took that field). */
export function dropField(fields: FieldsV1, path: readonly string[]): void {
  let at: FieldsV1 | undefined = fields;
  for (const m of path.slice(0, -1)) at = at?.[m];
  if (at) delete at[path.at(-1) ?? ''];
}

/** The first container of a workload's pod template (the Zeek or service container). */
export function container(obj: unknown): Workload['spec']['template']['spec']['containers'][number] {
  const c = workload(obj).spec.template.spec.containers[0];
  if (!c) throw new Error('no container');
  return c;
}

/** The downward-API field path of the first env var (`POD_INDEX` on proxies and workers). */
export function firstEnvFieldRef(obj: unknown): { fieldPath: string } {
  const ref = container(obj).env[0]?.valueFrom?.fieldRef;
  if (!ref) throw new Error('no fieldRef env var');
  return ref;
}
