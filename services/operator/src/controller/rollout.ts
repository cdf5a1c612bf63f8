import { ANNOTATION_CONFIG_HASH, type K8sObject } from './resources/meta.js';

/** What the controller needs to know about a live Deployment or StatefulSet. */
export interface WorkloadState {
  readonly desired: number;
  /** Pods that exist now (the controller's `status.replicas`), while scaling not yet `desired`. */
  readonly current: number;
  readonly ready: number;
  /** All pods run the current template and are ready, and the controller saw the latest spec. */
  readonly rolledOut: boolean;
  /** Config hash in the live pod template (undefined for non-Zeek workloads). */
  readonly configHash: string | undefined;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** Reads the rollout state of a live Deployment/StatefulSet; undefined when it does not exist. */
export function workloadState(obj: K8sObject | undefined): WorkloadState | undefined {
  if (!obj) return undefined;
  const spec = (obj['spec'] ?? {}) as {
    replicas?: number;
    template?: { metadata?: { annotations?: Record<string, string> } };
  };
  const st = (obj['status'] ?? {}) as Record<string, unknown>;
  const desired = spec.replicas ?? 1;
  const ready = num(st['readyReplicas']);
  const seen = num(st['observedGeneration']) >= num(obj.metadata['generation']);
  let rolledOut =
    seen && num(st['updatedReplicas']) === desired && ready === desired && num(st['replicas']) === desired;
  if (obj.kind === 'Deployment') rolledOut &&= num(st['availableReplicas']) === desired;
  if (obj.kind === 'StatefulSet' && desired > 0) rolledOut &&= st['currentRevision'] === st['updateRevision'];
  return {
    desired,
    current: num(st['replicas']),
    ready,
    rolledOut,
    configHash: spec.template?.metadata?.annotations?.[ANNOTATION_CONFIG_HASH],
  };
}

/** A Zeek workload in rollout order. */
export interface RolloutStage {
  readonly name: string;
  readonly state: WorkloadState | undefined;
}

/** The planner's answer: which config hash each stage's pod template gets now. */
export interface RolloutPlan {
  readonly hashes: Readonly<Record<string, string>>;
  /** Some stage still runs an older layout or is still rolling. */
  readonly progressing: boolean;
  /** The stage currently rolling (for the Progressing message). */
  readonly current: string | undefined;
}

/**
 * Orders a layout change across the Zeek nodes. Stages roll strictly one after another: a stage
 * gets the new hash only once `gateOpen` (hub and sinks ready) and every earlier stage runs the new
 * hash and is fully rolled out; later stages keep the hash they run. New workloads start with the
 * new hash at once. Pure and level-based: the same observation always gives the same plan.
 */
export function planRollout(
  desiredHash: string,
  gateOpen: boolean,
  stages: readonly RolloutStage[],
): RolloutPlan {
  const hashes: Record<string, string> = {};
  let open = gateOpen;
  let progressing = false;
  let current: string | undefined;
  for (const { name, state } of stages) {
    if (state === undefined || state.configHash === undefined) {
      hashes[name] = desiredHash;
      continue;
    }
    const done = state.configHash === desiredHash && state.rolledOut;
    if (open || state.configHash === desiredHash) hashes[name] = desiredHash;
    else hashes[name] = state.configHash;
    if (state.configHash !== desiredHash) {
      progressing = true;
      current ??= open ? name : undefined;
    } else if (!state.rolledOut) {
      current ??= name;
    }
    if (!done) open = false;
  }
  return { hashes, progressing, current };
}
