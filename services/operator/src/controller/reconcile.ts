import type { ZeekVersion } from '@zeek-relay/runtime';
import type { ZeekCluster } from '../api/v1alpha1/zeekcluster.js';
import { buildGatewayDeployment, buildGatewayService } from './resources/gateway.js';
import { buildHubDeployment, buildHubService } from './resources/hub.js';
import type { Images } from './resources/images.js';
import { buildLogSinkService, buildLogSinkStatefulSet } from './resources/log-sink.js';
import { ANNOTATION_SPEC_HASH, childName, type K8sObject } from './resources/meta.js';
import { desiredHashOf } from './diff.js';
import { buildNetworkPolicy, buildPdb } from './resources/policies.js';
import { buildZeekConfigMap, hashOf, zeekConfigHash } from './resources/zeek-config.js';
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

/**
 * The hash of what Zeek reads only at start: the layout, and the CURVE Secret the nodes take their
 * keys from (mixed in only when set, so clusters without CURVE keep the hash they had).
 */
export function startHash(zc: ZeekCluster, zv: ZeekVersion): string {
  const layout = zeekConfigHash(zc, zv);
  const curve = zc.spec.hub.curveSecretName;
  return curve ? hashOf({ layout, curve }) : layout;
}

const ZEEK_CURVE_ENV_PREFIX = 'ZEEK_CLUSTER_BACKEND_ZEROMQ_CURVE_';

/** The CURVE Secret a live Zeek workload's pods take their keys from (undefined: CURVE off). */
export function liveCurveSecret(obj: K8sObject | undefined): string | undefined {
  const spec = obj?.['spec'] as
    | {
        template?: {
          spec?: {
            containers?: { env?: { name: string; valueFrom?: { secretKeyRef?: { name?: string } } }[] }[];
          };
        };
      }
    | undefined;
  for (const c of spec?.template?.spec?.containers ?? [])
    for (const e of c.env ?? [])
      if (e.name.startsWith(ZEEK_CURVE_ENV_PREFIX) && e.valueFrom?.secretKeyRef?.name)
        return e.valueFrom.secretKeyRef.name;
  return undefined;
}

function withCurve(zc: ZeekCluster, curveSecretName: string | undefined): ZeekCluster {
  const { curveSecretName: _drop, ...hub } = zc.spec.hub;
  return { ...zc, spec: { ...zc.spec, hub: curveSecretName ? { ...hub, curveSecretName } : hub } };
}

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
  const configHash = startHash(zc, zv);
  const hubObj = buildHubDeployment(zc, images, zv);
  const sinksObj = buildLogSinkStatefulSet(zc, images, zv);
  // The Zeek stages wait for hub and sinks to run what this pass wants them to run (e.g. CURVE).
  const current = (d: K8sObject): K8sObject | undefined => {
    const live = observed.get(d.kind, d.metadata.name);
    return live?.metadata.annotations?.[ANNOTATION_SPEC_HASH] === desiredHashOf(d) ? live : undefined;
  };
  const hub = workloadState(current(hubObj));
  const sinks = workloadState(current(sinksObj));
  const gateOpen =
    (hub?.rolledOut ?? false) && (sinks?.rolledOut ?? false) && sinks?.desired === zc.spec.logSinks.replicas;
  const rollout = planRollout(configHash, gateOpen, [
    { name: 'manager', state: workloadState(observed.get('Deployment', childName(zc, 'manager'))) },
    { name: 'proxy', state: workloadState(observed.get('StatefulSet', childName(zc, 'proxy'))) },
    { name: 'worker', state: workloadState(observed.get('StatefulSet', childName(zc, 'worker'))) },
  ]);
  const h = (stage: string): string => rollout.hashes[stage] ?? configHash;
  // A stage the planner holds on its old hash keeps its old CURVE setting too (CURVE rolls in order).
  const zcFor = (stage: string, kind: string): ZeekCluster =>
    h(stage) === configHash ? zc : withCurve(zc, liveCurveSecret(observed.get(kind, childName(zc, stage))));
  const objects: K8sObject[] = [
    buildZeekConfigMap(zc, zv),
    buildHubService(zc),
    hubObj,
    buildLogSinkService(zc),
    sinksObj,
  ];
  if (zc.spec.gateway.enabled) objects.push(buildGatewayService(zc), buildGatewayDeployment(zc, images, zv));
  objects.push(buildManagerDeployment(zcFor('manager', 'Deployment'), images, h('manager')));
  if (zc.spec.proxies.replicas > 0)
    objects.push(buildProxyStatefulSet(zcFor('proxy', 'StatefulSet'), images, h('proxy')));
  objects.push(...workerObjects(zcFor('worker', 'StatefulSet'), images, h('worker')));
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
