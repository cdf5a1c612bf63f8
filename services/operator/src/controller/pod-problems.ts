import type { PodEvent } from '../kube/api.js';
import { LABEL_COMPONENT, type K8sObject } from './resources/meta.js';

/** Why a pod of the cluster does not run, as a condition reason and a message naming the pod. */
export interface PodProblem {
  /** `ImagePullFailed`, `CrashLoopBackOff`, `MissingReference` or `Unschedulable`. */
  readonly reason: string;
  readonly message: string;
  readonly pod: string;
  /** The pod's `app.kubernetes.io/component` (hub, log-sink, gateway, manager, proxy, worker). */
  readonly component: string;
}

interface ContainerStatus {
  name?: string;
  image?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string } };
  lastState?: { terminated?: { exitCode?: number; reason?: string } };
}
interface PodStatus {
  phase?: string;
  conditions?: {
    type?: string;
    status?: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
  }[];
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
}

const PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
/** Kubelet messages and Event notes that name a missing Secret or ConfigMap (or a key in one). */
const MISSING_REF = /(secret|configmap)s? "[^"]+" not found|couldn't find key \S+ in (Secret|ConfigMap)/i;
/** Pod Event reasons whose note may name a missing reference. */
const MOUNT_REASONS = new Set(['FailedMount', 'FailedAttachVolume', 'Failed']);

const podName = (pod: K8sObject): string => pod.metadata.name;

function waitingProblem(pod: K8sObject, c: ContainerStatus): Omit<PodProblem, 'component'> | undefined {
  const w = c.state?.waiting;
  if (!w?.reason) return undefined;
  const name = podName(pod);
  if (PULL.has(w.reason))
    return {
      reason: 'ImagePullFailed',
      pod: name,
      message: `pod ${name}: image ${c.image ?? '?'} cannot be pulled (${w.reason}${w.message ? `: ${w.message}` : ''})`,
    };
  if (w.reason === 'CrashLoopBackOff') {
    const t = c.lastState?.terminated;
    const last = t ? `, last exit code ${t.exitCode ?? '?'}${t.reason ? ` (${t.reason})` : ''}` : '';
    return {
      reason: 'CrashLoopBackOff',
      pod: name,
      message: `pod ${name}: container ${c.name ?? '?'} keeps crashing (${c.restartCount ?? 0} restarts${last})`,
    };
  }
  if (w.reason === 'CreateContainerConfigError' || (w.message && MISSING_REF.test(w.message)))
    return {
      reason: 'MissingReference',
      pod: name,
      message: `pod ${name}: container ${c.name ?? '?'} cannot start: ${w.message ?? w.reason}`,
    };
  return undefined;
}

/**
 * Pure: what keeps one pod from running, from its status (image pull, crash loop, a Secret or
 * ConfigMap key that is missing, unschedulable) and, for a pod stuck creating its containers, the
 * Warning Events about it (`FailedMount`: a Secret or ConfigMap volume whose object is missing).
 * Undefined for a pod that runs or is still starting normally.
 */
export function diagnosePod(pod: K8sObject, events: readonly PodEvent[] = []): PodProblem | undefined {
  const status = (pod['status'] ?? {}) as PodStatus;
  const component = pod.metadata.labels?.[LABEL_COMPONENT] ?? '';
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const p = waitingProblem(pod, c);
    if (p) return { ...p, component };
  }
  const mount = events.find(
    (e) => e.podName === podName(pod) && MOUNT_REASONS.has(e.reason) && MISSING_REF.test(e.message),
  );
  if (mount)
    return {
      reason: 'MissingReference',
      pod: podName(pod),
      component,
      message: `pod ${podName(pod)}: ${mount.reason}: ${mount.message}`,
    };
  const sched = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (sched?.reason === 'Unschedulable')
    return {
      reason: 'Unschedulable',
      pod: podName(pod),
      component,
      message: `pod ${podName(pod)} cannot be scheduled: ${sched.message ?? ''}`.trim(),
    };
  return undefined;
}

/** When a scheduled pod that is still creating its containers was scheduled (ms), else undefined. */
export function scheduledPendingSince(pod: K8sObject): number | undefined {
  const status = (pod['status'] ?? {}) as PodStatus;
  if (status.phase !== 'Pending') return undefined;
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True');
  if (!scheduled) return undefined;
  const waiting = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  const creating =
    waiting.length === 0 ||
    waiting.some((c) => ['ContainerCreating', 'PodInitializing'].includes(c.state?.waiting?.reason ?? ''));
  // (client-node's typed list gives a Date, a watch or a test a string)
  const at: unknown = scheduled.lastTransitionTime;
  return creating ? (at instanceof Date ? at.getTime() : Date.parse(String(at ?? '')) || 0) : undefined;
}
