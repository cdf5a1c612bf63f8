import type { ZeekCluster } from '../../api/v1alpha1/zeekcluster.js';
import { ANNOTATION_CONFIG_HASH, labels, type Component } from './meta.js';

type Res =
  | { requests?: Record<string, string | number>; limits?: Record<string, string | number> }
  | undefined;

/** Pod security defaults for the Node.js services: non-root, read-only root, no capabilities. */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** `resources` without empty members (the API server drops them, which would look like drift). */
export function resources(r: Res): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r?.requests && Object.keys(r.requests).length > 0) out['requests'] = r.requests;
  if (r?.limits && Object.keys(r.limits).length > 0) out['limits'] = r.limits;
  return out;
}

/** HTTP readiness/liveness probes on a service's health port. */
export function httpProbes(port: number): Record<string, unknown> {
  return {
    readinessProbe: { httpGet: { path: '/readyz', port }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 10, failureThreshold: 6 },
  };
}

/** Name/value env list from a record, in key order (stable output → stable hashes). */
export function env(vars: Record<string, string | number>): { name: string; value: string }[] {
  return Object.entries(vars).map(([name, value]) => ({ name, value: String(value) }));
}

/** Pod template metadata; `configHash` is set on Zeek pods only. */
export function podMeta(zc: ZeekCluster, component: Component, configHash?: string): Record<string, unknown> {
  return {
    labels: labels(zc, component),
    ...(configHash ? { annotations: { [ANNOTATION_CONFIG_HASH]: configHash } } : {}),
  };
}
