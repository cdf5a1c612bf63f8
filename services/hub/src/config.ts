/**
 * Typed configuration of the hub (zeromq-wire.md §1.2, §2.2, §8, §10). The only file that reads
 * `process.env`. Environment variables use the prefix `ZR_HUB_` (`xpubPort` ↔ `ZR_HUB_XPUB_PORT`),
 * flags the kebab-case name (`--xpub-port`); flags win. Validated once, every problem listed.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  loadConfig,
  LogLevelSchema,
  resolveConfig,
  ZeekVersionSchema,
  type ServiceSources,
} from '@zeek-relay/runtime';
import { CurveServerSettings } from '@zeek-relay/zmq';

/** Environment variable prefix of the hub. */
export const HUB_ENV_PREFIX = 'ZR_HUB_';

const Port = (def: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description });
const Millis = (def: number, description: string) => Type.Integer({ minimum: 0, default: def, description });

/** Schema of every hub setting; the source of `--help`, defaults and the README table. */
export const HubConfigSchema = Type.Object(
  {
    bindAddress: Type.String({
      default: '*',
      description: 'Interface the XPUB/XSUB sockets bind to (`*` = all; with ipv6 also IPv6)',
    }),
    xpubPort: Port(
      27760,
      "Hub XPUB port = the nodes' connect_xsub_endpoint (zeekctl 8.1+: 27760; Zeek 8.0: 5555); 0 = ephemeral",
    ),
    xsubPort: Port(
      27761,
      "Hub XSUB port = the nodes' connect_xpub_endpoint (zeekctl 8.1+: 27761; Zeek 8.0: 5556); 0 = ephemeral",
    ),
    xpubEndpoint: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Full XPUB bind endpoint (tcp/ipc), overrides bindAddress+xpubPort',
      }),
    ),
    xsubEndpoint: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Full XSUB bind endpoint (tcp/ipc), overrides bindAddress+xsubPort',
      }),
    ),
    ipv6: Type.Boolean({
      default: false,
      description: 'ZMQ_IPV6 on the context and sockets (Zeek 8.1.2+ default: off)',
    }),
    ioThreads: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 2,
      description:
        'ZMQ_IO_THREADS of the libzmq paths (Zeek: proxy_io_threads = 2); `zmtp` runs in the Node.js event loop and ignores it',
    }),
    slowSubscriber: Type.Union([Type.Literal('drop'), Type.Literal('block')], {
      default: 'drop',
      description:
        "`drop`: a subscriber whose queue is full loses its own messages, the others are unaffected; `block`: Zeek's ZMQ_XPUB_NODROP behaviour, one slow node stalls the whole cluster",
    }),
    forwarding: Type.Union([Type.Literal('native'), Type.Literal('counted'), Type.Literal('zmtp')], {
      default: 'zmtp',
      description:
        "`zmtp` (default): the hub speaks ZMTP itself (no libzmq in the data path) and exports Zeek 8.2's zeek_cluster_zeromq_proxy_* and the hub's forwarded_* counters and drops per subscriber, NULL or CURVE; `native`: libzmq's proxy loop, no per-message JavaScript, no traffic counters; `counted`: a JavaScript loop on the libzmq sockets with the same counters, at a fraction of the native throughput (README, Traffic counters)",
    }),
    zeekMetricsNode: Type.String({
      minLength: 1,
      default: 'manager',
      description:
        '`node` label of the zeek_cluster_zeromq_proxy_* series (Zeek labels them with the node that runs its proxy thread, normally the manager)',
    }),
    sendHighWaterMark: Type.Integer({
      minimum: 0,
      default: 10000,
      description:
        'Per-subscriber queue bound in whole events (multipart messages): ZMQ_SNDHWM of the XPUB, or the zmtp queue (counted until handed to the kernel); 0 = unlimited',
    }),
    receiveHighWaterMark: Type.Integer({
      minimum: 0,
      default: 1000,
      description:
        'Hub XSUB ZMQ_RCVHWM per publisher, in whole events; 0 = unlimited. `zmtp` queues nothing per publisher (each read is forwarded before the next), so it has nothing to bound',
    }),
    sendBufferSize: Type.Integer({
      minimum: -1,
      default: -1,
      description:
        'ZMQ_SNDBUF (SO_SNDBUF) in bytes (-1 = OS default); `zmtp` cannot set it (node:net has no setter) and warns',
    }),
    receiveBufferSize: Type.Integer({
      minimum: -1,
      default: -1,
      description:
        'ZMQ_RCVBUF (SO_RCVBUF) in bytes (-1 = OS default); `zmtp` cannot set it (node:net has no setter) and warns',
    }),
    lingerMs: Millis(
      500,
      'At shutdown, how long queued messages may still be sent (ZMQ_LINGER; `zmtp`: then its connections are destroyed)',
    ),
    heartbeatIntervalMs: Millis(
      1000,
      "ZMQ_HEARTBEAT_IVL: ZMTP PING interval towards every peer; 0 = off (Zeek's own hub)",
    ),
    heartbeatTimeoutMs: Millis(
      5000,
      'ZMQ_HEARTBEAT_TIMEOUT: a silent peer is dropped (and its subscriptions removed) after this',
    ),
    handshakeTimeoutMs: Millis(
      30000,
      'ZMQ_HANDSHAKE_IVL: maximum time for a ZMTP/CURVE handshake; 0 = unlimited',
    ),
    nodeTopicPrefix: Type.String({
      default: 'zeek.cluster.node',
      description: "Zeek's node_topic_prefix (registry)",
    }),
    nodeidTopicPrefix: Type.String({
      default: 'zeek.cluster.nodeid',
      description: "Zeek's nodeid_topic_prefix (registry)",
    }),
    ...CurveServerSettings,
    curveSealThreads: Type.Integer({
      minimum: 0,
      maximum: 64,
      default: 0,
      description:
        '`zmtp` with CURVE: worker threads that seal for the subscribers (each subscriber bound to one), beside the event loop that reads, routes and writes; 0 (default) = seal on the event loop',
    }),
    // Reserved for version-dependent behaviour: the operator sets ZR_HUB_ZEEK_VERSION and
    // `zeek-relay up --zeek-version` passes it, but the hub's wire behaviour is the same for every
    // supported line today, so nothing reads it yet.
    zeekVersion: ZeekVersionSchema,
    httpHost: Type.String({
      default: '0.0.0.0',
      description: 'Address of the HTTP side port (/healthz /readyz /metrics /nodes)',
    }),
    httpPort: Port(9911, 'HTTP side port; 0 = ephemeral'),
    logLevel: LogLevelSchema,
    shutdownGraceMs: Millis(
      10000,
      'Longest graceful shutdown before the process exits anyway (< terminationGracePeriodSeconds)',
    ),
  },
  { additionalProperties: false },
);

/** The hub's validated, frozen configuration. */
export type HubConfig = Static<typeof HubConfigSchema>;

/** Input accepted by `createHub`: every setting optional, defaults as in {@link HubConfigSchema}. */
export type HubConfigInput = Partial<HubConfig>;

/**
 * Reads the configuration from environment variables and flags (only `main.ts` passes the real
 * process's). Throws one `ConfigError` (`ZR_CONFIG_INVALID`) listing every bad setting.
 */
export function loadHubConfig(sources: ServiceSources): HubConfig {
  return loadConfig(HubConfigSchema, { ...sources, envPrefix: HUB_ENV_PREFIX });
}

/** Applies the schema defaults to a partial config (for embedding without env/flags). */
export function resolveHubConfig(input: HubConfigInput = {}): HubConfig {
  return resolveConfig(HubConfigSchema, input, HUB_ENV_PREFIX);
}
