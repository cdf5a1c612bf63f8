import { Ajv } from 'ajv';
import { InvalidSpecError } from '../../errors.js';
import { ZeekClusterSpecSchema, type ZeekClusterSpec } from './zeekcluster.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
const check = ajv.compile(JSON.parse(JSON.stringify(ZeekClusterSpecSchema)) as object);

/**
 * Validates a spec as read from the API server: the schema again (objects stored before a CRD
 * upgrade, or with the CRD's validation bypassed) plus rules a structural schema cannot express.
 * Returns the spec with defaults filled in; throws {@link InvalidSpecError} listing every problem.
 */
export function validateSpec(raw: unknown): ZeekClusterSpec {
  const spec = structuredClone(raw ?? {}) as ZeekClusterSpec;
  const problems: string[] = [];
  if (!check(spec)) {
    for (const e of check.errors ?? [])
      problems.push(`spec${e.instancePath.replace(/\//g, '.')} ${e.message ?? 'is invalid'}`);
    throw new InvalidSpecError(problems);
  }
  const seen = new Set<string>();
  for (const s of spec.siteScripts) {
    const k = `${s.configMapName}/${s.key}`;
    if (seen.has(k)) problems.push(`spec.siteScripts lists ${k} twice`);
    seen.add(k);
  }
  if (spec.workers.capture.mode === 'pcap' && !spec.workers.capture.pcap)
    problems.push('spec.workers.capture.pcap is required when mode is pcap');
  if (problems.length > 0) throw new InvalidSpecError(problems);
  return spec;
}
