import { API_VERSION, KIND, type ZeekCluster } from '../../api/v1alpha1/zeekcluster.js';

/** A Kubernetes object as the builders produce it (plain JSON, ready for server-side apply). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/** Zeek-relay components; each child carries one as `app.kubernetes.io/component`. */
export type Component =
  | 'hub'
  | 'gateway'
  | 'log-sink'
  | 'manager'
  | 'proxy'
  | 'worker'
  | 'zeek-config'
  | 'network-policy';

export const MANAGED_BY = 'zeek-relay-operator';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
/** Pod-template annotation carrying the hash of the Zeek layout the pod was started with. */
export const ANNOTATION_CONFIG_HASH = 'zeek-relay.io/config-hash';
/** Annotation on every child: hash of the desired object, so an unchanged child is never re-applied. */
export const ANNOTATION_SPEC_HASH = 'zeek-relay.io/desired-hash';

/** Deterministic child name: `<cluster>-<suffix>`. */
export function childName(zc: ZeekCluster, suffix: string): string {
  return `${zc.metadata.name}-${suffix}`;
}

/** Labels that select a component's pods (stable: never change them on a live selector). */
export function selectorLabels(zc: ZeekCluster, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'zeek-relay',
    [LABEL_INSTANCE]: zc.metadata.name,
    [LABEL_COMPONENT]: component,
  };
}

/** The full standard label set stamped on every child and pod. */
export function labels(zc: ZeekCluster, component: Component): Record<string, string> {
  return {
    ...selectorLabels(zc, component),
    'app.kubernetes.io/part-of': 'zeek-relay',
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
}

/** Owner reference to the ZeekCluster (controller, blocks deletion) so GC removes children. */
export function ownerRef(zc: ZeekCluster): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: zc.metadata.name,
    uid: zc.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Standard metadata of a namespaced child. */
export function childMeta(zc: ZeekCluster, name: string, component: Component): K8sObject['metadata'] {
  return {
    name,
    namespace: zc.metadata.namespace,
    labels: labels(zc, component),
    ownerReferences: [ownerRef(zc)],
  };
}

/** In-cluster DNS name of a Service of this cluster. */
export function serviceHost(zc: ZeekCluster, service: string): string {
  return `${service}.${zc.metadata.namespace}.svc`;
}

/** A Service `<cluster>-<suffix>` selecting `component`'s pods, one named port (target: the container port of that name). */
export function componentService(
  zc: ZeekCluster,
  suffix: string,
  component: Component,
  type: string,
  port: { name: string; port: number; protocol: 'TCP' | 'UDP' },
): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(zc, childName(zc, suffix), component),
    spec: {
      type,
      selector: selectorLabels(zc, component),
      ports: [{ name: port.name, port: port.port, targetPort: port.name, protocol: port.protocol }],
    },
  };
}
