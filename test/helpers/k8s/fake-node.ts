/** Shape of the kwok fake nodes the harness registers. */
export interface FakeNodeOptions {
  /** Extra labels (e.g. the capture-node label a chart selects). */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Allocatable = capacity; defaults: 32 CPUs, 128Gi, 250 pods. kwok gives each node's pods IPs
   * from one /24, so more than ~250 pods per node would stay Pending: plan ~1 node per 250 pods.
   */
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: string;
}

/** A Node object kwok manages (selected by the `kwok.x-k8s.io/node: fake` annotation). */
export function fakeNode(
  name: string,
  o: FakeNodeOptions = {},
): {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; annotations: Record<string, string>; labels: Record<string, string> };
  spec: object;
  status: object;
} {
  const resources = { cpu: o.cpu ?? '32', memory: o.memory ?? '128Gi', pods: o.pods ?? '250' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
        ...o.labels,
      },
    },
    spec: {},
    status: { allocatable: resources, capacity: resources },
  };
}

/** True when `node` (an item of a NodeList) is named `name` and has condition Ready=True. */
export function nodeIsReady(node: unknown, name: string): boolean {
  const n = node as {
    metadata?: { name?: string };
    status?: { conditions?: { type: string; status: string }[] };
  };
  return (
    n.metadata?.name === name &&
    (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}
