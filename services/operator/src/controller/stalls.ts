import type { ZeekCluster } from '../api/v1alpha1/zeekcluster.js';
import type { ControllerClient, PodEvent } from '../kube/api.js';
import { diagnosePod, scheduledPendingSince, type PodProblem } from './pod-problems.js';
import type { Observed } from './reconcile.js';
import { childName, LABEL_INSTANCE, LABEL_COMPONENT, type K8sObject } from './resources/meta.js';
import { workloadState } from './rollout.js';

/** Component order of pod problems in the status (the first one names the Ready reason). */
export const COMPONENT_ORDER = ['hub', 'log-sink', 'gateway', 'manager', 'proxy', 'worker'] as const;

/** The workloads of `zc` by component: kind and the replicas the spec wants. */
function components(zc: ZeekCluster): [string, string, number][] {
  const s = zc.spec;
  return [
    ['hub', 'Deployment', 1],
    ['log-sink', 'StatefulSet', s.logSinks.replicas],
    ...(s.gateway.enabled ? [['gateway', 'Deployment', s.gateway.replicas] as [string, string, number]] : []),
    ['manager', 'Deployment', 1],
    ...(s.proxies.replicas > 0
      ? [['proxy', 'StatefulSet', s.proxies.replicas] as [string, string, number]]
      : []),
    ['worker', 'StatefulSet', s.workers.replicas],
  ];
}

/**
 * Says why pods do not run without watching pods: a component whose ready count has not moved for
 * `stallMs` while it is not fully ready is stalled, and only then are the cluster's pods listed
 * (one call, at most every `stallMs / 2` per cluster) and diagnosed ({@link diagnosePod}); pods
 * stuck creating containers that long also have their Warning Events read. A healthy scale-up
 * keeps making progress, so it costs no reads at all.
 */
export class StallWatch {
  private readonly stalls = new Map<string, { ready: number; since: number }>();
  private readonly cache = new Map<string, { at: number; pods: K8sObject[]; events: PodEvent[] }>();

  constructor(
    private readonly client: Pick<ControllerClient, 'listPods' | 'podEvents'>,
    private readonly stallMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Pod problems of the stalled components of `zc` (hub first), and when to look again. */
  async problems(
    key: string,
    zc: ZeekCluster,
    observed: Observed,
  ): Promise<{ problems: PodProblem[]; recheckMs?: number }> {
    const now = this.now();
    const stalled = new Set<string>();
    let recheck = Infinity;
    for (const [component, kind, want] of components(zc)) {
      const id = `${key}/${component}`;
      const s = workloadState(observed.get(kind, childName(zc, component)));
      if (!s || (s.rolledOut && s.ready >= want && s.desired === want)) {
        this.stalls.delete(id);
        continue;
      }
      const seen = this.stalls.get(id);
      if (!seen || seen.ready !== s.ready) this.stalls.set(id, { ready: s.ready, since: now });
      const since = this.stalls.get(id)?.since ?? now;
      if (now - since >= this.stallMs) stalled.add(component);
      else recheck = Math.min(recheck, this.stallMs - (now - since));
    }
    const out = { ...(recheck !== Infinity ? { recheckMs: recheck } : {}) };
    if (stalled.size === 0) return { problems: [], ...out };
    const { pods, events } = await this.read(key, zc);
    const rank = (p: PodProblem): number => COMPONENT_ORDER.indexOf(p.component as never);
    const problems = pods
      .filter((p) => stalled.has(p.metadata.labels?.[LABEL_COMPONENT] ?? ''))
      .map((p) => diagnosePod(p, events))
      .filter((p): p is PodProblem => p !== undefined)
      .sort((a, b) => rank(a) - rank(b) || a.pod.localeCompare(b.pod, 'en', { numeric: true }));
    return { problems, ...out };
  }

  private async read(key: string, zc: ZeekCluster): Promise<{ pods: K8sObject[]; events: PodEvent[] }> {
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.at < this.stallMs / 2) return cached;
    const ns = zc.metadata.namespace;
    const pods = await this.client.listPods(ns, `${LABEL_INSTANCE}=${zc.metadata.name}`);
    const stuck = pods.filter((p) => {
      const since = scheduledPendingSince(p);
      return since !== undefined && this.now() - since >= this.stallMs;
    });
    const events =
      stuck.length > 0
        ? await this.client.podEvents(
            ns,
            stuck.map((p) => p.metadata.name),
          )
        : [];
    const entry = { at: this.now(), pods, events };
    this.cache.set(key, entry);
    return entry;
  }

  /** Forgets a deleted cluster. */
  forget(key: string): void {
    this.cache.delete(key);
    for (const id of this.stalls.keys()) if (id.startsWith(`${key}/`)) this.stalls.delete(id);
  }
}
