import { API_VERSION, GROUP, KIND, PLURAL, VERSION, type ZeekCluster } from '../api/v1alpha1/zeekcluster.js';
import type { KindInfo } from '../kube/informers.js';
import type { Problem } from './status.js';

/** Kinds the operator watches (children are filtered by its managed-by label). */
export const CHILD_KINDS: readonly KindInfo[] = [
  { kind: 'ConfigMap', apiVersion: 'v1', base: '/api/v1', plural: 'configmaps' },
  { kind: 'Service', apiVersion: 'v1', base: '/api/v1', plural: 'services' },
  { kind: 'Deployment', apiVersion: 'apps/v1', base: '/apis/apps/v1', plural: 'deployments' },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', base: '/apis/apps/v1', plural: 'statefulsets' },
  { kind: 'Job', apiVersion: 'batch/v1', base: '/apis/batch/v1', plural: 'jobs' },
  {
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
    base: '/apis/policy/v1',
    plural: 'poddisruptionbudgets',
  },
  {
    kind: 'NetworkPolicy',
    apiVersion: 'networking.k8s.io/v1',
    base: '/apis/networking.k8s.io/v1',
    plural: 'networkpolicies',
  },
];
export const CR_KIND: KindInfo = {
  kind: KIND,
  apiVersion: API_VERSION,
  base: `/apis/${GROUP}/${VERSION}`,
  plural: PLURAL,
};

/** True when the live status already carries condition `type` = True with this reason and message. */
export function hasCondition(zc: ZeekCluster, type: string, p: Problem): boolean {
  return (zc.status?.conditions ?? []).some(
    (c) => c.type === type && c.status === 'True' && c.reason === p.reason && c.message === p.message,
  );
}
