import { GROUP, KIND, PLURAL, VERSION, ZeekClusterSpecSchema, ZeekClusterStatusSchema } from './zeekcluster.js';

/** JSON round trip drops TypeBox's symbol keys and leaves the plain OpenAPI v3 schema. */
function plain(schema: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/**
 * The CustomResourceDefinition of ZeekCluster, built from the one TypeBox schema: structural
 * (every field typed), CEL rules from `x-kubernetes-validations`, status + scale subresources
 * (`kubectl scale zeekcluster/x --replicas=N` sets `.spec.workers.replicas`) and printer columns.
 */
export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'zeek-relay' } },
    spec: {
      group: GROUP,
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: 'zeekcluster', shortNames: ['zc'], categories: ['zeek-relay'] },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A Zeek cluster whose nodes talk through zeek-relay (ZeroMQ hub, log sinks, WebSocket gateway).',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: { ...plain(ZeekClusterSpecSchema), default: {} },
                status: plain(ZeekClusterStatusSchema),
              },
            },
          },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.workers.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
          },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Workers', type: 'string', jsonPath: '.status.workers' },
            { name: 'Progressing', type: 'string', jsonPath: '.status.conditions[?(@.type=="Progressing")].status', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}
