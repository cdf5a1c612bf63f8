import type { ZeekClusterStatus } from '../api/v1alpha1/zeekcluster.js';
import { hashOf } from './resources/zeek-config.js';
import { ANNOTATION_SPEC_HASH, type K8sObject } from './resources/meta.js';

/** JSON with object keys sorted, so equal values compare equal regardless of key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** Returns a copy of `obj` annotated with the hash of its desired content. */
export function withDesiredHash(obj: K8sObject): K8sObject {
  const hash = hashOf(stableJson(obj));
  return {
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [ANNOTATION_SPEC_HASH]: hash } },
  };
}

/**
 * Whether a desired child must be (re-)applied: it is missing, its desired content changed (the
 * live annotation carries another hash and we have not just applied this one — the informer may
 * lag our own write), or someone changed its replica count behind our back.
 */
export function needsApply(
  desired: K8sObject,
  live: K8sObject | undefined,
  lastApplied: string | undefined,
): boolean {
  if (!live) return true;
  const want = desired.metadata.annotations?.[ANNOTATION_SPEC_HASH];
  const have = live.metadata.annotations?.[ANNOTATION_SPEC_HASH];
  if (have !== want) return lastApplied !== want;
  const dr = (desired['spec'] as { replicas?: number } | undefined)?.replicas;
  const lr = (live['spec'] as { replicas?: number } | undefined)?.replicas;
  return dr !== undefined && dr !== lr;
}

/** A status with the fast-moving counters and condition messages blanked, for {@link isProgressOnly}. */
function shape(status: ZeekClusterStatus | undefined): string {
  const s = status ?? {};
  return stableJson({
    ...s,
    replicas: undefined,
    readyReplicas: undefined,
    workers: undefined,
    conditions: (s.conditions ?? []).map((c) => ({ ...c, message: undefined })),
  });
}

/**
 * True when `next` differs from `prev` only in progress counters (ready/desired workers) and
 * condition messages — the kind of status change a scale-up produces once per ready pod. The
 * controller batches such writes; any change of a condition's status/reason, the generation or the
 * layout is written at once, and so is the final count.
 */
export function isProgressOnly(prev: ZeekClusterStatus | undefined, next: ZeekClusterStatus): boolean {
  return shape(prev) === shape(next);
}
