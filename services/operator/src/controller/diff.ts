import type { ZeekClusterStatus } from '../api/v1alpha1/zeekcluster.js';
import { hashOf } from './resources/zeek-config.js';
import { ANNOTATION_SPEC_HASH, type K8sObject } from './resources/meta.js';
import { FIELD_MANAGER } from '../kube/api.js';
import { ownedFieldsDrift } from './owned-fields.js';

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

/** Hashes already computed, by object identity (builders return the same object for equal inputs). */
const hashed = new WeakMap<K8sObject, string>();

/**
 * The hash of a desired object's content (what {@link withDesiredHash} records). Desired objects
 * are never modified once built, so a hash is computed once per object.
 */
export function desiredHashOf(obj: K8sObject): string {
  let hash = hashed.get(obj);
  if (hash === undefined) {
    hash = hashOf(stableJson(obj));
    hashed.set(obj, hash);
  }
  return hash;
}

/** Returns a copy of `obj` annotated with the hash of its desired content. */
export function withDesiredHash(obj: K8sObject): K8sObject {
  const hash = desiredHashOf(obj);
  return {
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [ANNOTATION_SPEC_HASH]: hash } },
  };
}

/** What the controller remembers of its last apply of a child. */
export interface LastApply {
  /** Desired-content hash that was applied. */
  readonly hash: string;
  /** The child's resourceVersion in the cache when we applied, and the one the apply returned. */
  readonly rvBefore: string | undefined;
  readonly rvAfter: string | undefined;
  /** The object the apply returned, status included (stands in for a cache that has not seen it yet). */
  readonly obj: K8sObject;
}

/**
 * Why a desired child must be (re-)applied, or undefined when the live one already carries every
 * field the operator owns with the desired value ({@link ownedFieldsDrift}). Nothing is trusted to
 * an annotation: the desired-content hash only tells a changed desired state from drift in the
 * log. Right after our own apply the cache may still show the object from before it (or exactly
 * what the apply returned): either way there is nothing to correct, so an idle cluster costs no
 * writes and a correction is never repeated for one change.
 */
export function applyReason(
  desired: K8sObject,
  live: K8sObject | undefined,
  last: LastApply | undefined,
): string | undefined {
  if (!live) return 'missing';
  const want = desired.metadata.annotations?.[ANNOTATION_SPEC_HASH];
  const rv = live.metadata['resourceVersion'] as string | undefined;
  if (last && last.hash === want && rv !== undefined && (rv === last.rvBefore || rv === last.rvAfter))
    return undefined;
  if (live.metadata.annotations?.[ANNOTATION_SPEC_HASH] !== want) return 'desired state changed';
  const drift = ownedFieldsDrift(desired, live, FIELD_MANAGER);
  return drift && `drift at ${drift.path || '/'} (${drift.why})`;
}

/**
 * What a change to a field the operator owns must alter on a live child. Deployments and
 * StatefulSets count every spec change in `metadata.generation` (status updates, which come once
 * per pod while they scale, leave it alone), so for them the generation, the labels, annotations
 * and owner references and our managed-fields entry stand for the owned fields; for other kinds
 * the resourceVersion does.
 */
function ownedStateKey(live: K8sObject): string {
  const m = live.metadata;
  const generation = m['generation'];
  if ((live.kind !== 'Deployment' && live.kind !== 'StatefulSet') || typeof generation !== 'number')
    return `rv ${String(m['resourceVersion'])}`;
  const ours = (m['managedFields'] as { manager?: string; fieldsV1?: unknown }[] | undefined)?.find(
    (e) => e.manager === FIELD_MANAGER,
  );
  return JSON.stringify([generation, m.labels, m.annotations, m.ownerReferences, ours?.fieldsV1]);
}

/**
 * Children found to carry every owned field with its desired value, so a reconcile triggered by
 * their status (a scale-up of 1000 workers brings ~1000 of them) does not compare the owned
 * fields again ({@link applyReason} stays the judge whenever anything else changed).
 */
export class VerifiedChildren {
  readonly #seen = new Map<string, string>();

  /**
   * Undefined when `live` was verified against `desired` before and nothing we own can have
   * changed since; else the key to {@link remember} once {@link applyReason} found no difference.
   */
  check(id: string, desired: K8sObject, live: K8sObject | undefined): string | undefined {
    const want = desired.metadata.annotations?.[ANNOTATION_SPEC_HASH];
    if (!live || live.metadata.annotations?.[ANNOTATION_SPEC_HASH] !== want) return '';
    const key = `${want} ${ownedStateKey(live)}`;
    return this.#seen.get(id) === key ? undefined : key;
  }

  /** Records a verified child (`key` from {@link check}; '' when it cannot be remembered). */
  remember(id: string, key: string): void {
    if (key !== '') this.#seen.set(id, key);
  }

  forget(id: string): void {
    this.#seen.delete(id);
  }
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
