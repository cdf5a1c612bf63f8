import { Type, type Static } from '@sinclair/typebox';
import {
  loadConfig,
  LogLevelSchema,
  resolveConfig,
  ZeekVersionSchema,
  type ServiceSources,
} from '@zeek-relay/runtime';

/** Environment variable prefix: `port` ↔ `ZR_GATEWAY_PORT`, flag `--port`. */
export const ENV_PREFIX = 'ZR_GATEWAY_';

/**
 * Every setting of the gateway (flat, so each maps to one variable and one flag). Defaults follow
 * Zeek where Zeek has one (port 27759, ping 5 s, ZeroMQ socket options) and zeekctl 8.1+ for the
 * hub endpoints (XPUB 27760, XSUB 27761).
 */
export const GatewayConfigSchema = Type.Object({
  host: Type.String({ default: '127.0.0.1', description: 'Address the WebSocket API listens on.' }),
  port: Type.Integer({
    default: 27759,
    minimum: 0,
    maximum: 65535,
    description: 'WebSocket API port; 0 = any free port.',
  }),
  healthHost: Type.String({
    default: '0.0.0.0',
    description: 'Address of the /healthz, /readyz, /metrics port.',
  }),
  healthPort: Type.Integer({
    default: 9912,
    minimum: -1,
    maximum: 65535,
    description: 'Health/metrics port; 0 = any free port, -1 = none.',
  }),
  connectXpubEndpoint: Type.String({
    default: 'tcp://127.0.0.1:27761',
    description: "Hub XSUB endpoint the gateway's XPUB connects to (Zeek's connect_xpub_endpoint).",
  }),
  connectXsubEndpoint: Type.String({
    default: 'tcp://127.0.0.1:27760',
    description: "Hub XPUB endpoint the gateway's XSUB connects to (Zeek's connect_xsub_endpoint).",
  }),
  ipv6: Type.Boolean({ default: false, description: 'Allow IPv6 ZeroMQ endpoints (ZMQ_IPV6).' }),
  nodeName: Type.String({
    default: 'gateway',
    description: 'Node name inside the gateway id zeromq_<name>_<host>_<pid>_N<uid>.',
  }),
  /** The Zeek version of the cluster's nodes; the ack's `version` says it (as given: 8.2 or 8.2.2). */
  zeekVersion: ZeekVersionSchema,
  pingIntervalSeconds: Type.Integer({
    default: 5,
    description: 'Server PING cadence and PONG deadline in whole seconds; <= 0 disables.',
  }),
  maxClients: Type.Integer({
    default: 10000,
    minimum: 1,
    description: 'Concurrent WebSocket connections; more get HTTP 503.',
  }),
  maxMessageBytes: Type.Integer({
    default: 64 * 1024 * 1024,
    minimum: 0,
    description: 'Largest accepted client message; 0 = unlimited. Larger: close 1009.',
  }),
  sendQueueBytes: Type.Integer({
    default: 8 * 1024 * 1024,
    minimum: 1024,
    description: 'Per-client outbound buffer; a client exceeding it is closed (1008 Send queue full).',
  }),
  maxPendingMessages: Type.Integer({
    default: 10000,
    minimum: 1,
    description: 'Data messages a client may send before its ack.',
  }),
  publishQueueLimit: Type.Integer({
    default: 10000,
    minimum: 1,
    description: 'Events waiting for the hub before clients stop being read.',
  }),
  subscribeTimeoutMs: Type.Integer({
    default: 10000,
    minimum: 1,
    description: 'How long a client waits for its subscriptions to reach the hub before close 1011.',
  }),
  hubMaxMessageBytes: Type.Integer({
    default: 64 * 1024 * 1024,
    minimum: 1,
    description:
      'Largest frame accepted from the hub (ZMQ_MAXMSGSIZE); larger messages are skipped and counted.',
  }),
  lingerMs: Type.Integer({
    default: 500,
    minimum: 0,
    description: 'At shutdown, how long events still queued for the hub may take to leave (ZMQ_LINGER).',
  }),
  hubCurveServerKey: Type.String({
    default: '',
    description: "The hub's Z85 CURVE public key (40 characters); CURVE is on when this or its file is set.",
  }),
  hubCurveServerKeyFile: Type.String({
    default: '',
    description: "File holding the hub's Z85 CURVE public key (surrounding whitespace ignored).",
  }),
  hubCurvePublicKey: Type.String({
    default: '',
    description: "The gateway's Z85 CURVE public key; no client pair = one generated at start.",
  }),
  hubCurvePublicKeyFile: Type.String({
    default: '',
    description: "File holding the gateway's Z85 CURVE public key.",
  }),
  hubCurveSecretKey: Type.String({
    default: '',
    description: "The gateway's Z85 CURVE secret key (prefer the file variant).",
  }),
  hubCurveSecretKeyFile: Type.String({
    default: '',
    description: "File holding the gateway's Z85 CURVE secret key.",
  }),
  tlsCertFile: Type.String({
    default: '',
    description: 'PEM certificate; TLS is on when this and tlsKeyFile are set.',
  }),
  tlsKeyFile: Type.String({ default: '', description: 'PEM private key.' }),
  tlsCaFile: Type.String({
    default: '',
    description: 'CA bundle; when set, clients must present a certificate it signed.',
  }),
  tlsCiphers: Type.String({ default: '', description: 'OpenSSL cipher list; empty = Node default.' }),
  tokensFile: Type.String({
    default: '',
    description: 'JSON token file enabling bearer-token auth and topic ACLs; empty = no auth.',
  }),
  signaturesFile: Type.String({
    default: '',
    description:
      'JSON event-signature file, overriding per event what the manager publishes (event-signatures.zeek); empty = published signatures only.',
  }),
  lifecycleTopic: Type.String({
    default: '',
    description: 'Topic for Cluster::websocket_client_added/_lost events; empty = not published.',
  }),
  jsonDialect: Type.Union([Type.Literal('json'), Type.Literal('zeek')], {
    default: 'json',
    description:
      "JSON sent to clients: 'json' = always valid JSON, 'zeek' = Zeek's exact bytes (may be invalid JSON).",
  }),
  logLevel: LogLevelSchema,
  shutdownGraceMs: Type.Integer({
    default: 10000,
    minimum: 0,
    description: 'Time allowed for a graceful shutdown.',
  }),
});

/** Validated, frozen gateway configuration. */
export type GatewayConfig = Static<typeof GatewayConfigSchema>;

/**
 * A configuration given in code (embedding, e.g. the CLI, and tests): defaults for everything not
 * given, validated by the same schema as variables and flags. Throws one `ConfigError`
 * (`ZR_CONFIG_INVALID`) naming every bad setting by its flag.
 */
export function defaultGatewayConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return resolveConfig(GatewayConfigSchema, overrides, ENV_PREFIX);
}

/**
 * Reads the configuration from `ZR_GATEWAY_*` variables and flags (flags win). Only `main.ts`
 * passes the real process's; throws one `ConfigError` (`ZR_CONFIG_INVALID`) listing every bad
 * setting.
 */
export function loadGatewayConfig(sources: ServiceSources): GatewayConfig {
  return loadConfig(GatewayConfigSchema, { ...sources, envPrefix: ENV_PREFIX });
}
