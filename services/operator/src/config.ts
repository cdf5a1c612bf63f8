/**
 * Typed configuration of the operator: the only file that reads `process.env`. Environment
 * variables use the prefix `ZR_OPERATOR_` (`zeekImage` ↔ `ZR_OPERATOR_ZEEK_IMAGE`), flags the
 * kebab-case name; flags win. Data-plane images come from here (the chart passes skaffold's tags).
 */
import { Type, type Static } from '@sinclair/typebox';
import { loadConfig, LogLevelSchema, ZeekVersionSchema, type ServiceSources } from '@zeek-relay/runtime';

export const OPERATOR_ENV_PREFIX = 'ZR_OPERATOR_';

export const OperatorConfigSchema = Type.Object({
  zeekImage: Type.String({
    default: 'zeek/zeek:8.0',
    description: 'Default Zeek image (a ZeekCluster may override it).',
  }),
  zeekVersion: Type.String({
    ...ZeekVersionSchema,
    description:
      'Zeek version of a Zeek image whose tag does not name one (a digest, `latest`); a ZeekCluster may set spec.zeekVersion.',
  }),
  hubImage: Type.String({ default: 'zeek-relay/hub:latest', description: 'Hub image.' }),
  gatewayImage: Type.String({ default: 'zeek-relay/gateway:latest', description: 'Gateway image.' }),
  logSinkImage: Type.String({ default: 'zeek-relay/log-sink:latest', description: 'Log-sink image.' }),
  imagePullPolicy: Type.Union([Type.Literal('Always'), Type.Literal('IfNotPresent'), Type.Literal('Never')], {
    default: 'IfNotPresent',
  }),
  kubeconfig: Type.String({
    default: '',
    description: 'Kubeconfig path; empty = in-cluster service account (or KUBECONFIG).',
  }),
  watchNamespace: Type.String({
    default: '',
    description: 'Only watch this namespace; empty = all namespaces.',
  }),
  leaderElection: Type.Boolean({ default: true, description: 'Run only while holding the Lease.' }),
  leaseName: Type.String({ default: 'zeek-relay-operator', description: 'Lease used for leader election.' }),
  leaseNamespace: Type.String({
    default: 'default',
    description: 'Namespace of the Lease (the chart sets the release namespace).',
  }),
  identity: Type.String({ default: '', description: 'Leader-election identity; empty = hostname + pid.' }),
  leaseDurationSeconds: Type.Integer({ minimum: 2, default: 15 }),
  renewDeadlineSeconds: Type.Integer({ minimum: 1, default: 10 }),
  retryPeriodSeconds: Type.Integer({ minimum: 1, default: 2 }),
  workers: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 4,
    description: 'Concurrent reconciles (never two for one ZeekCluster).',
  }),
  resyncSeconds: Type.Integer({
    minimum: 10,
    default: 300,
    description: 'Re-reconcile every cluster this often even without events.',
  }),
  watchdogSeconds: Type.Integer({
    minimum: 5,
    default: 30,
    description: 'How often stopped watches are checked and restarted.',
  }),
  healthHost: Type.String({ default: '0.0.0.0', description: 'Address of /healthz, /readyz, /metrics.' }),
  healthPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
  logLevel: LogLevelSchema,
  shutdownGraceMs: Type.Integer({ minimum: 0, default: 10000 }),
});

export type OperatorConfig = Static<typeof OperatorConfigSchema>;

/** Reads and validates the configuration (throws one ConfigError listing every problem). */
export function loadOperatorConfig(sources: ServiceSources): OperatorConfig {
  return loadConfig(OperatorConfigSchema, { ...sources, envPrefix: OPERATOR_ENV_PREFIX });
}

/** KUBECONFIG from the environment (read here so no other file touches process.env). */
export function kubeconfigFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env['KUBECONFIG'];
}
