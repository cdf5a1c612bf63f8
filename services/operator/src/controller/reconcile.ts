import type { ZeekCluster } from '../api/v1alpha1/zeekcluster.js';
import { buildGatewayDeployment, buildGatewayService } from './resources/gateway.js';
import { buildHubDeployment, buildHubService } from './resources/hub.js';
import type { Images } from './resources/images.js';
import { buildLogSinkService, buildLogSinkStatefulSet } from './resources/log-sink.js';
import { childName, type K8sObject } from './resources/meta.js';
import { buildNetworkPolicy, buildPdb } from './resources/policies.js';
import { buildZeekConfigMap, zeekConfigHash } from './resources/zeek-config.js';
import {
  buildManagerDeployment,
  buildOfflineJob,
  buildProxyStatefulSet,
  buildWorkerStatefulSet,
  buildWorkerUdpService,
} from './resources/zeek-nodes.js';
import {
  resolveZeekVersion,
  zeekVersionProblems,
  type ClusterZeekVersion,
} from './resources/zeek-version.js';
import { InvalidSpecError } from '../errors.js';
import { planRollout, workloadState, type RolloutPlan } from './rollout.js';

/** Read access to the live children (from the informer caches). */
export interface Observed {
  get(kind: string, name: string): K8sObject | undefined;
}

/** Everything reconcile wants to exist, in apply order, plus the rollout plan it used. */
export interface DesiredState {
  readonly objects: readonly K8sObject[];
  readonly configHash: string;
  readonly rollout: RolloutPlan;
  /** The Zeek version the configuration was generated for. */
  readonly zeek: ClusterZeekVersion;
}

/** Child kinds the operator owns; anything of these kinds it labelled but no longer wants is deleted. */
export const OWNED_KINDS = [
  'ConfigMap',
  'Service',
  'Deployment',
  'StatefulSet',
  'Job',
  'PodDisruptionBudget',
  'NetworkPolicy',
] as const;

/**
 * Pure: the desired children of a ZeekCluster given what is live. Order matters and is the apply
 * order: layout ConfigMap, hub, log sinks, gateway, then the Zeek nodes (manager, proxies, workers),
 * whose config hashes come from {@link planRollout} (hub + sinks ready gate the first Zeek stage).
 */
export function buildDesired(zc: ZeekCluster, configured: Images, observed: Observed): DesiredState {
  const images: Images = {
    ...configured,
    zeek: zc.spec.image ?? configured.zeek,
    hub: zc.spec.images?.hub ?? configured.hub,
    gateway: zc.spec.images?.gateway ?? configured.gateway,
    logSink: zc.spec.images?.logSink ?? configured.logSink,
  };
  const zeek = resolveZeekVersion(zc.spec.zeekVersion, images.zeek, configured.zeekVersion);
  const zv = zeek.version;
  const configHash = zeekConfigHash(zc, zv);
  const hub = workloadState(observed.get('Deployment', childName(zc, 'hub')));
  const sinks = workloadState(observed.get('StatefulSet', childName(zc, 'log-sink')));
  const gateOpen =
    (hub?.rolledOut ?? false) && (sinks?.rolledOut ?? false) && sinks?.desired === zc.spec.logSinks.replicas;
  const rollout = planRollout(configHash, gateOpen, [
    { name: 'manager', state: workloadState(observed.get('Deployment', childName(zc, 'manager'))) },
    { name: 'proxy', state: workloadState(observed.get('StatefulSet', childName(zc, 'proxy'))) },
    { name: 'worker', state: workloadState(observed.get('StatefulSet', childName(zc, 'worker'))) },
  ]);
  const h = (stage: string): string => rollout.hashes[stage] ?? configHash;
  const objects: K8sObject[] = [
    buildZeekConfigMap(zc, zv),
    buildHubService(zc),
    buildHubDeployment(zc, images, zv),
    buildLogSinkService(zc),
    buildLogSinkStatefulSet(zc, images, zv),
  ];
  if (zc.spec.gateway.enabled) objects.push(buildGatewayService(zc), buildGatewayDeployment(zc, images, zv));
  objects.push(buildManagerDeployment(zc, images, h('manager')));
  if (zc.spec.proxies.replicas > 0) objects.push(buildProxyStatefulSet(zc, images, h('proxy')));
  objects.push(...workerObjects(zc, images, h('worker')));
  if (zc.spec.podDisruptionBudgets.enabled) {
    objects.push(buildPdb(zc, 'hub'), buildPdb(zc, 'log-sink'));
    if (zc.spec.gateway.enabled) objects.push(buildPdb(zc, 'gateway'));
  }
  if (zc.spec.networkPolicy.enabled) objects.push(buildNetworkPolicy(zc));
  return { objects, configHash, rollout, zeek };
}

/**
 * Throws InvalidSpecError (reason `UnsupportedByZeekVersion`, reported as `Degraded` with a
 * Warning Event and no retry loop) when the spec needs what the cluster's Zeek version lacks.
 */
export function assertZeekSupports(zc: ZeekCluster, configured: Images): void {
  const zeek = resolveZeekVersion(
    zc.spec.zeekVersion,
    zc.spec.image ?? configured.zeek,
    configured.zeekVersion,
  );
  const problems = zeekVersionProblems(zc.spec, zeek);
  if (problems.length > 0) throw new InvalidSpecError(problems, 'UnsupportedByZeekVersion');
}

/** The workers by capture mode: a Job reading the trace once (pcap), else a StatefulSet (+ UDP Service). */
function workerObjects(zc: ZeekCluster, images: Images, configHash: string): K8sObject[] {
  const mode = zc.spec.workers.capture.mode;
  if (mode === 'pcap') return zc.spec.workers.replicas > 0 ? [buildOfflineJob(zc, images)] : [];
  const sts = buildWorkerStatefulSet(zc, images, configHash);
  return mode === 'udp' ? [buildWorkerUdpService(zc), sts] : [sts];
}
