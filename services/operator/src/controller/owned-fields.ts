import type { K8sObject } from './resources/meta.js';

/**
 * A structured-merge-diff `FieldsV1` set as the API server stores it in `metadata.managedFields`:
 * `f:<field>` (a map field), `k:<json>` (a list element by its merge keys), `v:<json>` (a set-list
 * value), `i:<n>` (a list element by index) and `.` (the element itself).
 */
export type FieldsV1 = { [member: string]: FieldsV1 };

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: FieldsV1;
  subresource?: string;
}

/** Top-level and metadata members that identify the object rather than describe it. */
const IDENTITY_TOP = new Set(['apiVersion', 'kind', 'status']);
const IDENTITY_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation']);

/** The fields `manager` owns on `live` through server-side apply (undefined: it owns none). */
export function appliedFields(live: K8sObject, manager: string): FieldsV1 | undefined {
  const entries = (live.metadata['managedFields'] ?? []) as ManagedFieldsEntry[];
  const mine = entries.find(
    (e) =>
      e.manager === manager &&
      e.operation === 'Apply' &&
      !e.subresource &&
      e.fieldsType === 'FieldsV1' &&
      e.apiVersion === live.apiVersion,
  );
  return mine?.fieldsV1;
}

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Empty values the API server drops on the way in; desired empties never count as drift. */
function isEmpty(v: Json): boolean {
  return (
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (isObj(v) && Object.keys(v).length === 0)
  );
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$/;

/** A Kubernetes resource quantity as a number (the server canonicalises `1000m` to `1`), else undefined. */
export function quantityValue(v: Json): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = QUANTITY.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? 1);
}

/** Equality of a desired scalar with the live one, allowing the server's quantity canonicalisation. */
function scalarEqual(want: Json, have: Json): boolean {
  if (want === have) return true;
  const a = quantityValue(want);
  const b = quantityValue(have);
  return a !== undefined && b !== undefined && Math.abs(a - b) <= Math.abs(a) * 1e-9;
}

/** True when every field of `want` is present in `have` with an equal value (lists: same length, in order). */
function covers(want: Json, have: Json): boolean {
  if (isEmpty(want)) return true;
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => covers(w, have[i]));
  }
  if (isObj(want)) return isObj(have) && Object.entries(want).every(([k, v]) => covers(v, have[k]));
  return scalarEqual(want, have);
}

/** The merge-key values of a `k:{…}` member. */
function keyOf(member: string): Obj | undefined {
  try {
    const v = JSON.parse(member.slice(2)) as Json;
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The element of `list` whose fields equal `key` (a key field the desired element omits was defaulted). */
function byKey(list: readonly Json[], key: Obj, allowDefaulted: boolean): Json {
  return list.find((e) => {
    if (!isObj(e)) return false;
    let matched = 0;
    for (const [k, v] of Object.entries(key)) {
      if (e[k] === undefined && allowDefaulted) continue;
      if (!scalarEqual(e[k], v)) return false;
      matched++;
    }
    return matched > 0;
  });
}

/** Where the first difference was found (a JSON-ish path) and what it is. */
export interface Drift {
  readonly path: string;
  readonly why: 'changed' | 'not-owned' | 'not-desired';
}

/** Desired → live: every desired field is owned by us and has the desired value. */
function forward(want: Json, have: Json, owned: FieldsV1 | undefined, path: string): Drift | undefined {
  if (isEmpty(want)) return undefined;
  if (owned === undefined) return { path, why: 'not-owned' };
  if (isObj(want)) {
    if (!isObj(have)) return { path, why: 'changed' };
    // An atomic map (e.g. a label selector) is owned as a whole: compare it as a whole.
    if (Object.keys(owned).length === 0) return covers(want, have) ? undefined : { path, why: 'changed' };
    for (const [k, v] of Object.entries(want)) {
      if (path === '' && IDENTITY_TOP.has(k)) continue;
      if (path === '.metadata' && IDENTITY_META.has(k)) continue;
      const d = forward(v, have[k], owned[`f:${k}`], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  if (!Array.isArray(want)) return scalarEqual(want, have) ? undefined : { path, why: 'changed' };
  if (!Array.isArray(have)) return { path, why: 'changed' };
  const members = Object.keys(owned);
  const keyed = members.filter((m) => m.startsWith('k:'));
  const values = members.filter((m) => m.startsWith('v:'));
  if (keyed.length === 0 && values.length === 0) {
    // An atomic list (owned as a whole): the live list must be the desired one.
    return covers(want, have) && have.length === want.length ? undefined : { path, why: 'changed' };
  }
  for (const [i, w] of want.entries()) {
    const at = `${path}[${i}]`;
    if (!isObj(w)) {
      const m = `v:${JSON.stringify(w)}`;
      if (!(m in owned)) return { path: at, why: 'not-owned' };
      if (!have.some((h) => scalarEqual(w, h))) return { path: at, why: 'changed' };
      continue;
    }
    const member = keyed.find((m) => {
      const key = keyOf(m);
      return key !== undefined && byKey([w], key, true) !== undefined;
    });
    if (!member) return { path: at, why: 'not-owned' };
    const live = byKey(have, keyOf(member) ?? {}, false);
    if (live === undefined) return { path: at, why: 'changed' };
    const d = forward(w, live, owned[member], at);
    if (d) return d;
  }
  return undefined;
}

/** Owned → desired: every field we own is still desired (else an apply removes it). */
function backward(owned: FieldsV1, want: Json, path: string, keyFields: Obj | undefined): Drift | undefined {
  for (const [member, sub] of Object.entries(owned)) {
    if (member === '.') continue;
    const at = `${path}/${member}`;
    if (member.startsWith('f:')) {
      const name = member.slice(2);
      const w = isObj(want) ? want[name] : undefined;
      if (w === undefined) {
        if (keyFields && name in keyFields) continue; // a defaulted merge key
        return { path: at, why: 'not-desired' };
      }
      const d =
        Object.keys(sub).length > 0 && (isObj(w) || Array.isArray(w))
          ? backward(sub, w, at, undefined)
          : undefined;
      if (d) return d;
    } else if (member.startsWith('k:')) {
      const key = keyOf(member);
      const w = Array.isArray(want) && key ? byKey(want, key, true) : undefined;
      if (w === undefined || key === undefined) return { path: at, why: 'not-desired' };
      const d = backward(sub, w, at, key);
      if (d) return d;
    } else if (member.startsWith('v:')) {
      const v = JSON.parse(member.slice(2)) as Json;
      if (!Array.isArray(want) || !want.some((w) => scalarEqual(v, w)))
        return { path: at, why: 'not-desired' };
    } else if (member.startsWith('i:')) {
      const w = Array.isArray(want) ? want[Number(member.slice(2))] : undefined;
      if (w === undefined) return { path: at, why: 'not-desired' };
    }
  }
  return undefined;
}

/**
 * Where the live child differs from the desired one in the fields the operator owns, or
 * undefined when it does not. Owned means: the fields of `manager`'s server-side apply in
 * `managedFields`. A desired field that is missing, changed, or now owned by another manager
 * (`kubectl set image`, `kubectl edit`, `kubectl scale`) is drift; so is a field we own but no
 * longer want (an apply removes it). Fields others added and fields the server defaulted are not
 * compared, and resource quantities compare by value — so an untouched child never differs.
 */
export function ownedFieldsDrift(desired: K8sObject, live: K8sObject, manager: string): Drift | undefined {
  const owned = appliedFields(live, manager);
  if (!owned) return { path: '', why: 'not-owned' };
  return forward(desired, live, owned, '') ?? backward(owned, desired, '', undefined);
}
