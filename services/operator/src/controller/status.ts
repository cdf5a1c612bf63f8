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
  const of = (component: string): PodProblem[] => podProblems.filter((p) => p.component === component);
  const gen = zc.metadata.generation ?? 0;
  const st = (kind: string, suffix: string): WorkloadState | undefined =>
    workloadState(observed.get(kind, childName(zc, suffix)));
  const hub = ready('hub', st('Deployment', 'hub'), 1, of('hub'));
  const gw = zc.spec.gateway.enabled
    ? ready('gateway', st('Deployment', 'gateway'), zc.spec.gateway.replicas, of('gateway'))
    : { ...cond('', true, 'Disabled', '', 'gateway disabled'), ok: true };
  const sinks = ready('log sinks', st('StatefulSet', 'log-sink'), zc.spec.logSinks.replicas, of('log-sink'));
  const manager = ready('manager', st('Deployment', 'manager'), 1, of('manager'));
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
  const layoutRolling = desired?.rollout.progressing ?? false;
  const allOk = hub.ok && gw.ok && sinks.ok && manager.ok && proxies.ok && workers.ok;
  const progressing: Cond = layoutRolling
    ? cond(
        'Progressing',
        true,
        'RollingOut',
        '',
        `Rolling Zeek nodes to the new layout${desired?.rollout.current ? ` (stage ${desired.rollout.current})` : ''}`,
      )
    : allOk
      ? cond('Progressing', false, '', 'Idle', 'All children are up to date')
      : cond('Progressing', true, 'Scaling', '', 'Waiting for children to become ready');
  const degraded: Cond = problem
    ? cond('Degraded', true, problem.reason, '', problem.message)
    : cond('Degraded', false, '', 'AsExpected', 'No problems');
  const readyOk = allOk && !problem && !layoutRolling;
  const notReadyMsg = [hub, gw, sinks, manager, proxies, workers]
    .filter((c) => !c.ok)
    .map((c) => c.message)
    .join(', ');
  const list: Cond[] = [
    cond(
      'Ready',
      readyOk,
      'Ready',
      problem
        ? problem.reason
        : (podProblems[0]?.reason ?? (layoutRolling ? 'RollingOut' : 'ChildrenNotReady')),
      readyOk ? 'All components ready' : (problem?.message ?? (notReadyMsg || 'Rolling out')),
    ),
    { ...hub, type: 'HubReady' },
    { ...gw, type: 'GatewayReady' },
    { ...sinks, type: 'LogSinkReady' },
    {
      ...workers,
      type: 'WorkersReady',
      // Zeek nodes: a failing manager or proxy pod explains the condition as well as a worker pod.
      reason:
        workers.ok || of('worker').length > 0
          ? workers.reason
          : ((of('manager')[0] ?? of('proxy')[0])?.reason ?? workers.reason),
      message: `${workers.message}; manager: ${manager.message}; proxies: ${proxies.message}`,
    },
    progressing,
    degraded,
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
  const prev = new Map((zc.status?.conditions ?? []).map((c) => [c.type, c]));
  const conditions: Condition[] = list.map((c) => {
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
  const gwName = childName(zc, 'gateway');
  return {
    observedGeneration: gen,
    conditions,
    replicas: offline ? offline.replicas : (workerState?.desired ?? 0),
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
    endpoints: {
      hubXpub: `tcp://${serviceHost(zc, childName(zc, 'hub'))}:${zc.spec.hub.xpubPort}`,
      hubXsub: `tcp://${serviceHost(zc, childName(zc, 'hub'))}:${zc.spec.hub.xsubPort}`,
      ...(zc.spec.gateway.enabled
        ? {
            gateway: `${zc.spec.gateway.tlsSecretName ? 'wss' : 'ws'}://${serviceHost(zc, gwName)}:${zc.spec.gateway.port}/v1/messages/json`,
          }
        : {}),
      logSinks: logSinkEndpoints(zc),
    },
  };
}
