import {
  GROUP,
  KIND,
  PLURAL,
  VERSION,
  ZeekClusterSpecSchema,
  ZeekClusterStatusSchema,
} from './zeekcluster.js';

type Node = Record<string, unknown> & {
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
};

/**
 * Fields with a default are not `required` in the CRD: the API server validates each `default`
 * value itself before nested defaults apply, so `default: {}` on an object whose members are all
 * required-with-default would be rejected. After defaulting they are always present, which is
 * what the TypeScript types (and the operator's own Ajv check) rely on.
 */
function relaxRequired(node: Node): Node {
  if (node.properties) {
    for (const child of Object.values(node.properties)) relaxRequired(child);
    // The API server also checks each default (CEL rules included) as written, before nested
    // defaults apply: spell out the nested defaults inside an object's `default: {}`.
    const def = node['default'];
    if (def !== null && typeof def === 'object' && !Array.isArray(def)) {
      const filled = { ...(def as Record<string, unknown>) };
      for (const [k, child] of Object.entries(node.properties))
        if (filled[k] === undefined && child['default'] !== undefined) filled[k] = child['default'];
      node['default'] = filled;
    }
    const props = node.properties;
    const req = (node.required ?? []).filter((k) => props[k]?.['default'] === undefined);
    if (req.length > 0) node.required = req;
    else delete node.required;
  }
  if (node.items) relaxRequired(node.items);
  return node;
}

/** JSON round trip drops TypeBox's symbol keys and leaves the plain OpenAPI v3 schema. */
function plain(schema: object): Record<string, unknown> {
  return relaxRequired(JSON.parse(JSON.stringify(schema)) as Node);
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
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: 'zeekcluster',
        shortNames: ['zc'],
        categories: ['zeek-relay'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'A Zeek cluster whose nodes talk through zeek-relay (ZeroMQ hub, log sinks, WebSocket gateway).',
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
            scale: {
              specReplicasPath: '.spec.workers.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Workers', type: 'string', jsonPath: '.status.workers' },
            {
              name: 'Progressing',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="Progressing")].status',
              priority: 1,
            },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}
