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
