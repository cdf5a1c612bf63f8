import { Type, type Static } from '@sinclair/typebox';
import { ZeekVersionSchema } from '@zeek-relay/runtime';
import { ObjectName, Opaque, Port, Quantity, Resources, StringEnum, StringMap } from './schema-helpers.js';

/** API group, version, kind and plural of the ZeekCluster resource. */
export const GROUP = 'zeek-relay.io';
export const VERSION = 'v1alpha1';
export const KIND = 'ZeekCluster';
export const PLURAL = 'zeekclusters';
export const API_VERSION = `${GROUP}/${VERSION}`;

const Capture = Type.Object(
  {
    mode: StringEnum(['af_packet', 'pcap', 'udp'] as const, {
      default: 'af_packet',
      description:
        '`af_packet`: live capture on `interface` of the node; `pcap`: read `pcap.file` once, as a Job (offline analysis); `udp` (Zeek 9.0+): receive VXLAN/GENEVE-encapsulated mirrored traffic on a UDP port, workers are plain pods behind a UDP Service.',
    }),
    interface: Type.String({
      default: 'eth0',
      pattern: '^[a-zA-Z0-9_.:-]{1,15}$',
      description: 'Capture interface on the node (af_packet mode).',
    }),
    hostNetwork: Type.Boolean({
      default: true,
      description: 'Run workers in the node network namespace to see its traffic (af_packet mode).',
    }),
    afPacket: Type.Object(
      {
        fanoutId: Type.Integer({
          minimum: 0,
          maximum: 65535,
          default: 23,
          description: 'AF_Packet::fanout_id shared by the workers of one node.',
        }),
        fanoutMode: StringEnum(['hash', 'cpu', 'qm'] as const, {
          default: 'hash',
          description: 'AF_Packet::fanout_mode.',
        }),
        bufferSizeMiB: Type.Integer({
          minimum: 1,
          maximum: 65536,
          default: 128,
          description: 'AF_Packet::buffer_size in MiB.',
        }),
      },
      { default: {} },
    ),
    pcap: Type.Optional(
      Type.Object({
        file: Type.String({
          minLength: 1,
          pattern: '^([^.]|\\.[^.])*\\.?$',
          description:
            'The trace: a path relative to the claim (mounted at /pcap), or an absolute path in the pod (e.g. /pcap/trace.pcap). Must not contain `..`.',
        }),
        claimName: Type.Optional(
          ObjectName('PersistentVolumeClaim holding the pcap file (mounted read-only at /pcap).'),
        ),
      }),
    ),
    udp: Type.Object(
      {
        port: Type.Integer({
          minimum: 1024,
          maximum: 65535,
          default: 4789,
          description:
            'UDP port the workers receive mirrored traffic on (VXLAN 4789, GENEVE 6081); unprivileged, so workers need no capability.',
        }),
        encapsulation: StringEnum(['vxlan', 'geneve', 'geneve+vxlan'] as const, {
          default: 'vxlan',
          description:
            'Tunnel header Zeek strips from each datagram (`geneve+vxlan`: AWS Gateway Load Balancer).',
        }),
        serviceType: StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer'] as const, {
          default: 'ClusterIP',
          description: 'Type of the UDP Service in front of the workers (the mirror source sends to it).',
        }),
      },
      { default: {}, description: 'udp mode (Zeek 9.0+ built-in UDP packet source).' },
    ),
  },
  {
    default: {},
    'x-kubernetes-validations': [
      {
        rule: "self.mode != 'pcap' || has(self.pcap)",
        message: 'capture.pcap is required when capture.mode is pcap',
      },
    ],
  },
);

const Workers = Type.Object(
  {
    replicas: Type.Integer({
      minimum: 0,
      maximum: 10000,
      default: 1,
      description: 'Running workers (scale subresource).',
    }),
    maxReplicas: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 16,
      description:
        'Worker slots in the Zeek layout. Scaling within the slots only touches the worker StatefulSet; past them the layout grows and Zeek nodes roll in order.',
    }),
    slots: StringEnum(['maxReplicas', 'replicas'] as const, {
      default: 'maxReplicas',
      description:
        'Worker slots in the layout: `maxReplicas` pre-allocates max(maxReplicas, replicas) so scaling does not restart Zeek nodes; `replicas` lists exactly the running workers (every scale rolls the Zeek nodes), which `Cluster::Experimental::cluster_started` needs: since Zeek 8.0.7 it waits for every node in the layout, so with idle slots it never fires. pcap mode always uses one slot.',
    }),
    resources: Type.Optional(Resources),
    nodeSelector: Type.Optional(StringMap({ description: 'Capture nodes.' })),
    tolerations: Type.Optional(Type.Array(Opaque('core/v1 Toleration.'), { maxItems: 32 })),
    affinity: Type.Optional(Opaque('core/v1 Affinity.')),
    capture: Capture,
  },
  {
    default: {},
    'x-kubernetes-validations': [
      {
        rule: "self.capture.mode != 'pcap' || self.replicas <= 1",
        message: 'capture.mode pcap reads one trace with one worker: workers.replicas must be 0 or 1',
      },
    ],
  },
);

const LogSinks = Type.Object(
  {
    replicas: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 1,
      description: 'Log-sink pods; each is one Zeek logger node with a stable PULL endpoint.',
    }),
    formats: Type.Array(StringEnum(['tsv', 'json'] as const), {
      minItems: 1,
      maxItems: 2,
      default: ['tsv'],
      'x-kubernetes-list-type': 'set',
      description: 'Output formats.',
    }),
    rotation: Type.Object(
      {
        interval: Type.String({
          default: '1h',
          pattern: '^[0-9]+(s|m|h)$',
          description: 'Rotation interval (e.g. 15m, 1h).',
        }),
        maxSizeMiB: Type.Optional(
          Type.Integer({ minimum: 1, description: 'Rotate earlier when a file reaches this size.' }),
        ),
      },
      { default: {} },
    ),
    storage: Type.Object(
      {
        persistent: Type.Boolean({
          default: true,
          description: 'One PersistentVolumeClaim per sink pod; false = emptyDir (logs lost with the pod).',
        }),
        size: Quantity({ default: '10Gi', description: 'Size of each sink PersistentVolumeClaim.' }),
        storageClassName: Type.Optional(Type.String({ minLength: 1 })),
      },
      { default: {} },
    ),
    otlpEndpoint: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'Also export log records over OTLP/HTTP to this endpoint.',
      }),
    ),
    intake: Type.Optional(
      StringEnum(['native', 'zmtp'] as const, {
        description:
          "The sinks' PULL side (their `intake` setting; unset: the log sink's default, `native`). `native`: zeromq.js (libzmq). `zmtp`: the sink's own ZMTP on node:net, NULL or CURVE (large boxes opened by native libsodium).",
      }),
    ),
    resources: Type.Optional(Resources),
  },
  { default: {} },
);

const Hub = Type.Object(
  {
    xpubPort: Port(27760, "Hub XPUB port (the nodes' connect_xsub_endpoint)."),
    xsubPort: Port(27761, "Hub XSUB port (the nodes' connect_xpub_endpoint)."),
    sendHighWaterMark: Type.Integer({
      minimum: 0,
      default: 10000,
      description: 'Per-subscriber queue bound in events (ZMQ_SNDHWM on the `native` path).',
    }),
    receiveHighWaterMark: Type.Integer({
      minimum: 0,
      default: 1000,
      description: 'ZMQ_RCVHWM per publisher (`native`/`counted` only: `zmtp` queues nothing per publisher).',
    }),
    forwarding: Type.Optional(
      StringEnum(['native', 'counted', 'zmtp'] as const, {
        description:
          "The hub's data path (its `forwarding` setting; unset: the hub's default, `zmtp`, which a hub started by an older operator picks up at its next restart). `zmtp`: the hub's own ZMTP core, with Zeek 8.2's `zeek_cluster_zeromq_proxy_*` counters and drops per subscriber, plaintext or CURVE. `native`: libzmq's proxy, no traffic counters. `counted`: the counters on libzmq sockets, at a fraction of the rate.",
      }),
    ),
    curveSealThreads: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 64,
        description:
          "With CURVE and `forwarding: zmtp`: worker threads that seal (encrypt) for the subscribers beside the hub's event loop (the hub's `curveSealThreads`; unset: the hub's default, 0 = seal on the event loop). 1 or 2 give more throughput when many nodes subscribe and the hub's pod has cores to spare; each batch then crosses to a worker and back (higher latency).",
      }),
    ),
    slowSubscriber: Type.Optional(
      StringEnum(['drop', 'block'] as const, {
        description:
          "What a subscriber whose queue is full costs (the hub's `slowSubscriber`; unset: `drop`). `drop`: only that node loses its own events. `block`: Zeek's own behaviour (ZMQ_XPUB_NODROP), one slow node stalls the cluster and nothing is dropped at the hub.",
      }),
    ),
    curveSecretName: Type.Optional(
      ObjectName(
        'Turns on CURVE (needs Zeek 8.2+) for the hub, the log sinks, the gateway and every Zeek node. Secret in the namespace of the ZeekCluster with four required keys, each a Z85 key of 40 characters: `server-secret-key` and `server-public-key` (the one server pair of the hub and the log sinks), `client-public-key` and `client-secret-key` (the one client pair shared by all Zeek nodes and the gateway; the hub and sinks admit only this client key). Each pod gets only the keys it needs; a missing key keeps pods from starting. Site scripts must not redef `Cluster::Backend::ZeroMQ::curve_*` (Zeek gets the keys as environment variables, and mixing both is fatal).',
      ),
    ),
    resources: Type.Optional(Resources),
  },
  {
    default: {},
    'x-kubernetes-validations': [
      { rule: 'self.xpubPort != self.xsubPort', message: 'hub.xpubPort and hub.xsubPort must differ' },
    ],
  },
);

const Gateway = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    replicas: Type.Integer({ minimum: 1, maximum: 32, default: 1 }),
    serviceType: StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer'] as const, { default: 'ClusterIP' }),
    port: Port(27759, 'WebSocket API v1 port (Zeek default 27759).'),
    tlsSecretName: Type.Optional(ObjectName('kubernetes.io/tls Secret: serve wss://.')),
    tokenSecretName: Type.Optional(
      ObjectName('Secret with key `tokens.json` (the gateway token file): turns on bearer-token auth.'),
    ),
    eventSignatures: StringEnum(['published', 'off'] as const, {
      default: 'published',
      description:
        "How the gateway learns the signatures of the events it accepts from WebSocket clients. `published` (default): the manager loads zeek-relay's `event-signatures.zeek` (shipped in the generated ConfigMap), which publishes the manager's event signatures; every gateway replica then answers an event with an unknown name, a wrong arity or argument types with Zeek's `failed to create Zeek event`. `off`: the manager does not load it, and the gateway forwards events unchecked (the receiving Zeek node drops undecodable ones).",
    }),
    resources: Type.Optional(Resources),
  },
  { default: {} },
);

/** Desired state of a ZeekCluster. Defaults are applied by the API server (structural schema). */
export const ZeekClusterSpecSchema = Type.Object({
  image: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'Zeek image (8.0–9.0); default from the operator configuration.',
    }),
  ),
  zeekVersion: Type.Optional(
    Type.String({
      pattern: ZeekVersionSchema.pattern,
      description:
        "Zeek version the image runs (8.0, 8.1, 8.2, 9.0 or a full version such as 8.2.2). Unset: the version in the image tag (`zeek/zeek:8.2.2`, `v8.1`), else the operator's `zeekVersion` setting (default 8.2). Chooses the generated scripts and the log sink's number formatting.",
    }),
  ),
  images: Type.Optional(
    Type.Object(
      {
        hub: Type.Optional(Type.String({ minLength: 1 })),
        gateway: Type.Optional(Type.String({ minLength: 1 })),
        logSink: Type.Optional(Type.String({ minLength: 1 })),
      },
      { description: 'Per-cluster overrides of the zeek-relay images the operator is configured with.' },
    ),
  ),
  paused: Type.Boolean({ default: false, description: 'Stop reconciling (children are left as they are).' }),
  manager: Type.Object({ resources: Type.Optional(Resources) }, { default: {} }),
  proxies: Type.Object(
    { replicas: Type.Integer({ minimum: 0, maximum: 64, default: 1 }), resources: Type.Optional(Resources) },
    { default: {} },
  ),
  workers: Workers,
  logSinks: LogSinks,
  hub: Hub,
  gateway: Gateway,
  siteScripts: Type.Array(
    Type.Object({
      configMapName: ObjectName('ConfigMap holding the script.'),
      key: Type.String({ minLength: 1, pattern: '^[-._a-zA-Z0-9]+\\.zeek$' }),
    }),
    { default: [], maxItems: 32, description: 'Zeek scripts loaded by every Zeek node after `local`.' },
  ),
  ipFamily: StringEnum(['IPv4', 'IPv6'] as const, {
    default: 'IPv4',
    description:
      "Address family of the cluster's Services. `IPv6` sets Zeek's `Cluster::Backend::ZeroMQ::ipv6 = T` so the nodes reach the hub and the log sinks over IPv6 (ZeroMQ resolves names to IPv4 only otherwise; the default is F from Zeek 8.1.2/8.2.0 and T before, so the operator always sets it).",
  }),
  networkPolicy: Type.Object({ enabled: Type.Boolean({ default: false }) }, { default: {} }),
  podDisruptionBudgets: Type.Object({ enabled: Type.Boolean({ default: true }) }, { default: {} }),
});

/** One status condition, as metav1.Condition. */
export const ConditionSchema = Type.Object({
  type: Type.String({ maxLength: 316 }),
  status: StringEnum(['True', 'False', 'Unknown'] as const),
  reason: Type.String({ maxLength: 1024 }),
  message: Type.String({ maxLength: 32768 }),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
});

/** Observed state, written only by the operator through the status subresource. */
export const ZeekClusterStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(
    Type.Array(ConditionSchema, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
  ),
  replicas: Type.Optional(
    Type.Integer({
      description:
        'Worker pods that exist now (scale subresource; while scaling it trails spec.workers.replicas).',
    }),
  ),
  readyReplicas: Type.Optional(Type.Integer()),
  workers: Type.Optional(Type.String({ description: 'ready/desired workers, for `kubectl get`.' })),
  slots: Type.Optional(Type.Integer({ description: 'Worker slots in the current layout.' })),
  selector: Type.Optional(
    Type.String({ description: 'Label selector of the worker pods (scale subresource).' }),
  ),
  configHash: Type.Optional(Type.String()),
  zeekVersion: Type.Optional(
    Type.String({
      description: 'Zeek version the generated configuration was made for, and where it came from.',
    }),
  ),
  offline: Type.Optional(
    Type.Object(
      {
        job: Type.Optional(Type.String({ description: 'The Job reading the trace.' })),
        phase: StringEnum(['Waiting', 'Running', 'Succeeded', 'Failed'] as const),
        completionTime: Type.Optional(Type.String({ format: 'date-time' })),
      },
      { description: 'pcap mode: progress of the one-time read of the trace.' },
    ),
  ),
  endpoints: Type.Optional(
    Type.Object({
      hubXpub: Type.Optional(Type.String()),
      hubXsub: Type.Optional(Type.String()),
      gateway: Type.Optional(Type.String()),
      logSinks: Type.Optional(Type.Array(Type.String())),
    }),
  ),
});

export type ZeekClusterSpec = Static<typeof ZeekClusterSpecSchema>;
export type ZeekClusterStatus = Static<typeof ZeekClusterStatusSchema>;
export type Condition = Static<typeof ConditionSchema>;

/** A ZeekCluster as read from the API server (spec with defaults applied). */
export interface ZeekCluster {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
  };
  spec: ZeekClusterSpec;
  status?: ZeekClusterStatus;
}
