import type { ZeekCluster } from '../../api/v1alpha1/zeekcluster.js';
import {
  childMeta,
  childName,
  LABEL_INSTANCE,
  selectorLabels,
  type Component,
  type K8sObject,
} from './meta.js';

/** PodDisruptionBudget allowing one voluntary disruption at a time for `component`. */
export function buildPdb(
  zc: ZeekCluster,
  component: Component & ('hub' | 'gateway' | 'log-sink' | 'worker'),
): K8sObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(zc, childName(zc, component), component),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(zc, component) } },
  };
}

/**
 * Optional NetworkPolicy: pods of this cluster accept traffic only from each other, except the
 * gateway's WebSocket port, which stays reachable from anywhere.
 */
export function buildNetworkPolicy(zc: ZeekCluster): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMeta(zc, childName(zc, 'internal'), 'network-policy'),
    spec: {
      podSelector: { matchLabels: { [LABEL_INSTANCE]: zc.metadata.name } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: { [LABEL_INSTANCE]: zc.metadata.name } } }] },
        { ports: [{ protocol: 'TCP', port: zc.spec.gateway.port }] },
      ],
    },
  };
}
