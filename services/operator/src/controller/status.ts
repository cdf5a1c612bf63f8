import type { Condition, ZeekCluster, ZeekClusterStatus } from '../api/v1alpha1/zeekcluster.js';
import { childName, serviceHost } from './resources/meta.js';
import { logSinkEndpoints, workerSlots } from './resources/zeek-config.js';
import { workerSelector } from './resources/zeek-nodes.js';
import type { DesiredState, Observed } from './reconcile.js';
import { workloadState, type WorkloadState } from './rollout.js';
import { offlineState } from './offline.js';
import type { PodProblem } from './pod-problems.js';

/** A problem that stops reconciling (invalid spec, failed apply), reported as Degraded. */
export interface Problem {
  readonly reason: string;
  readonly message: string;
}

type Cond = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

function cond(type: string, ok: boolean, reasonOk: string, reasonBad: string, message: string): Cond {
  return { type, status: ok ? 'True' : 'False', reason: ok ? reasonOk : reasonBad, message };
}

function ready(
  name: string,
  s: WorkloadState | undefined,
  want: number,
  problems: readonly PodProblem[],
): Cond & { ok: boolean } {
  const have = s?.ready ?? 0;
  const ok = s !== undefined && s.rolledOut && s.desired === want && have >= want;
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more pods)` : '';
  return {
    type: '',
    status: ok ? 'True' : 'False',
    reason: ok ? 'AllReplicasReady' : first ? first.reason : s ? 'ReplicasNotReady' : 'NotCreated',
    message: `${have}/${want} ${name} ready${!ok && first ? `; ${first.message}${more}` : ''}`,
    ok,
  };
}

type Ready = Cond & { ok: boolean };

/** The readiness of each component, from the observed children and the pods' problems. */
interface Components {
  readonly hub: Ready;
  readonly gw: Ready;
  readonly sinks: Ready;
  readonly manager: Ready;
  readonly proxies: Ready;
  readonly workers: Ready;
  readonly workerState: WorkloadState | undefined;
  readonly offline: ReturnType<typeof offlineState>;
  readonly of: (component: string) => PodProblem[];
}

function componentStates(
  zc: ZeekCluster,
  observed: Observed,
  desired: DesiredState | undefined,
  podProblems: readonly PodProblem[],
): Components {
  const of = (component: string): PodProblem[] => podProblems.filter((p) => p.component === component);
  const st = (kind: string, suffix: string): WorkloadState | undefined =>
    workloadState(observed.get(kind, childName(zc, suffix)));
  const gw = zc.spec.gateway.enabled
    ? ready('gateway', st('Deployment', 'gateway'), zc.spec.gateway.replicas, of('gateway'))
    : { ...cond('', true, 'Disabled', '', 'gateway disabled'), ok: true };
  const proxies =
    zc.spec.proxies.replicas > 0
      ? ready('proxies', st('StatefulSet', 'proxy'), zc.spec.proxies.replicas, of('proxy'))
      : { ...cond('', true, 'None', '', 'no proxies'), ok: true };
  const offline = offlineState(zc, desired?.objects, (name) => observed.get('Job', name));
  const workerState = st('StatefulSet', 'worker');
  const workers = offline
    ? {
        ...cond('', offline.workerOk, 'AllReplicasReady', 'ReplicasNotReady', offline.message),
        ok: offline.workerOk,
      }
    : ready('workers', workerState, zc.spec.workers.replicas, of('worker'));
  return {
    hub: ready('hub', st('Deployment', 'hub'), 1, of('hub')),
    gw,
    sinks: ready('log sinks', st('StatefulSet', 'log-sink'), zc.spec.logSinks.replicas, of('log-sink')),
    manager: ready('manager', st('Deployment', 'manager'), 1, of('manager')),
    proxies,
    workers,
    workerState,
    offline,
    of,
  };
}

/** Progressing: rolling the layout, scaling, or idle. */
function progressingCond(desired: DesiredState | undefined, allOk: boolean): Cond {
  if (desired?.rollout.progressing ?? false) {
    const stage = desired?.rollout.current ? ` (stage ${desired.rollout.current})` : '';
    return cond('Progressing', true, 'RollingOut', '', `Rolling Zeek nodes to the new layout${stage}`);
  }
  return allOk
    ? cond('Progressing', false, '', 'Idle', 'All children are up to date')
    : cond('Progressing', true, 'Scaling', '', 'Waiting for children to become ready');
}

/** Ready: every component ready, no problem, no layout rollout under way. */
function readyCond(
  c: Components,
  allOk: boolean,
  layoutRolling: boolean,
  problem: Problem | undefined,
  podProblems: readonly PodProblem[],
): Cond {
  const readyOk = allOk && !problem && !layoutRolling;
  const notReadyMsg = [c.hub, c.gw, c.sinks, c.manager, c.proxies, c.workers]
    .filter((x) => !x.ok)
    .map((x) => x.message)
    .join(', ');
  return cond(
    'Ready',
    readyOk,
    'Ready',
    problem
      ? problem.reason
      : (podProblems[0]?.reason ?? (layoutRolling ? 'RollingOut' : 'ChildrenNotReady')),
    readyOk ? 'All components ready' : (problem?.message ?? (notReadyMsg || 'Rolling out')),
  );
}

/** WorkersReady: a failing manager or proxy pod explains the condition as well as a worker pod. */
function workersCond(c: Components): Cond {
  const { workers, of } = c;
  return {
    ...workers,
    type: 'WorkersReady',
    reason:
      workers.ok || of('worker').length > 0
        ? workers.reason
        : ((of('manager')[0] ?? of('proxy')[0])?.reason ?? workers.reason),
    message: `${workers.message}; manager: ${c.manager.message}; proxies: ${c.proxies.message}`,
  };
}

/** The conditions, in the order the status lists them. */
function conditionList(
  c: Components,
  desired: DesiredState | undefined,
  problem: Problem | undefined,
  podProblems: readonly PodProblem[],
): Cond[] {
  const layoutRolling = desired?.rollout.progressing ?? false;
  const allOk = c.hub.ok && c.gw.ok && c.sinks.ok && c.manager.ok && c.proxies.ok && c.workers.ok;
  const { offline } = c;
  return [
    readyCond(c, allOk, layoutRolling, problem, podProblems),
    { ...c.hub, type: 'HubReady' },
    { ...c.gw, type: 'GatewayReady' },
    { ...c.sinks, type: 'LogSinkReady' },
    workersCond(c),
    progressingCond(desired, allOk),
    problem
      ? cond('Degraded', true, problem.reason, '', problem.message)
      : cond('Degraded', false, '', 'AsExpected', 'No problems'),
    ...(offline
      ? [
          cond(
            'AnalysisComplete',
            offline.offline.phase === 'Succeeded',
            'Succeeded',
            offline.offline.phase,
            offline.message,
          ),
        ]
      : []),
  ];
}

/** Conditions keep their previous `lastTransitionTime` while their status does not change. */
function stampConditions(zc: ZeekCluster, list: readonly Cond[], now: Date, gen: number): Condition[] {
  const prev = new Map((zc.status?.conditions ?? []).map((c) => [c.type, c]));
  return list.map((c) => {
    const p = prev.get(c.type);
    const lastTransitionTime =
      p && p.status === c.status ? p.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime,
      observedGeneration: gen,
    };
  });
}

/** Where Zeek nodes and clients reach the cluster's services. */
function statusEndpoints(zc: ZeekCluster): NonNullable<ZeekClusterStatus['endpoints']> {
  const gwName = childName(zc, 'gateway');
  return {
    hubXpub: `tcp://${serviceHost(zc, childName(zc, 'hub'))}:${zc.spec.hub.xpubPort}`,
    hubXsub: `tcp://${serviceHost(zc, childName(zc, 'hub'))}:${zc.spec.hub.xsubPort}`,
    ...(zc.spec.gateway.enabled
      ? {
          gateway: `${zc.spec.gateway.tlsSecretName ? 'wss' : 'ws'}://${serviceHost(zc, gwName)}:${zc.spec.gateway.port}/v1/messages/json`,
        }
      : {}),
    logSinks: logSinkEndpoints(zc),
  };
}

/**
 * Pure: the status from the observed children. Conditions keep their `lastTransitionTime` while
 * their status does not change, so an unchanged world yields a deep-equal status (and no write).
 */
export function computeStatus(
  zc: ZeekCluster,
  observed: Observed,
  desired: DesiredState | undefined,
  problem: Problem | undefined,
  now: Date,
  podProblems: readonly PodProblem[] = [],
): ZeekClusterStatus {
  const gen = zc.metadata.generation ?? 0;
  const c = componentStates(zc, observed, desired, podProblems);
  const { offline, workerState } = c;
  return {
    observedGeneration: gen,
    conditions: stampConditions(zc, conditionList(c, desired, problem, podProblems), now, gen),
    replicas: offline ? offline.replicas : (workerState?.current ?? 0),
    readyReplicas: offline ? offline.readyReplicas : (workerState?.ready ?? 0),
    workers: `${offline ? offline.readyReplicas : (workerState?.ready ?? 0)}/${zc.spec.workers.replicas}`,
    slots: workerSlots(zc),
    selector: workerSelector(zc),
    ...(desired
      ? {
          configHash: desired.configHash,
          zeekVersion: `${desired.zeek.version.text} (${desired.zeek.source})`,
        }
      : {}),
    ...(offline ? { offline: offline.offline } : {}),
    endpoints: statusEndpoints(zc),
  };
}
