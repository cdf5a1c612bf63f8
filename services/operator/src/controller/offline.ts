import type { ZeekCluster, ZeekClusterStatus } from '../api/v1alpha1/zeekcluster.js';
import type { K8sObject } from './resources/meta.js';

/** What the status says about a pcap-mode analysis (the Job reading the trace once). */
export interface OfflineState {
  readonly offline: NonNullable<ZeekClusterStatus['offline']>;
  /** The worker is running (its pod ready) or has finished successfully. */
  readonly workerOk: boolean;
  readonly replicas: number;
  readonly readyReplicas: number;
  readonly message: string;
}

interface JobStatus {
  active?: number;
  ready?: number;
  succeeded?: number;
  failed?: number;
  completionTime?: string;
  conditions?: { type: string; status: string; message?: string }[];
}

/**
 * The state of the analysis from the live Job named in the desired objects: `Waiting` until the
 * Job exists, `Running` while its pod runs (it first waits for the manager and proxies, then
 * reads), `Succeeded` once Zeek reached the end of the trace and exited (logs flushed), `Failed`
 * when the pod failed (no retry: the trace is never read twice). Undefined outside pcap mode.
 */
export function offlineState(
  zc: ZeekCluster,
  desired: readonly K8sObject[] | undefined,
  getJob: (name: string) => K8sObject | undefined,
): OfflineState | undefined {
  if (zc.spec.workers.capture.mode !== 'pcap') return undefined;
  const name = desired?.find((o) => o.kind === 'Job')?.metadata.name;
  const live = name === undefined ? undefined : getJob(name);
  const st = (live?.['status'] ?? {}) as JobStatus;
  const done = (type: string): boolean =>
    (st.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  const phase = done('Complete')
    ? 'Succeeded'
    : done('Failed') || (st.failed ?? 0) > 0
      ? 'Failed'
      : (st.active ?? 0) > 0
        ? 'Running'
        : 'Waiting';
  const readyPod = phase === 'Running' && (st.ready ?? 0) > 0;
  const messages: Record<typeof phase, string> = {
    Waiting: name === undefined ? 'no worker (workers.replicas is 0)' : `Job ${name} not started`,
    Running: `Job ${name} reading the trace`,
    Succeeded: `Job ${name} read the whole trace; its logs are flushed`,
    Failed: `Job ${name} failed; the trace is not read again (the cause is in its pod's log and Events)`,
  };
  return {
    offline: {
      ...(name === undefined ? {} : { job: name }),
      phase,
      ...(phase === 'Succeeded' && st.completionTime ? { completionTime: st.completionTime } : {}),
    },
    workerOk: readyPod || phase === 'Succeeded' || name === undefined,
    replicas: name === undefined ? 0 : 1,
    readyReplicas: readyPod ? 1 : 0,
    message: messages[phase],
  };
}
