import { DEFAULT_ZEEK_VERSION, parseZeekVersion, type ZeekLine, type ZeekVersion } from '@zeek-relay/runtime';
import type { ZeekClusterSpec } from '../../api/v1alpha1/zeekcluster.js';

/** Where the Zeek version of a cluster came from (reported in `status.zeekVersion`). */
export type ZeekVersionSource = 'spec' | 'image' | 'operator';

/** The Zeek version a cluster's configuration is generated for. */
export interface ClusterZeekVersion {
  readonly version: ZeekVersion;
  readonly source: ZeekVersionSource;
}

/**
 * The version in an image reference's tag: `zeek/zeek:8.2.2`, `zeek:v8.1`, `zeek:8.0.10-debug`
 * (a suffix after `-` is ignored). A digest-only reference, `latest` or an unknown line give
 * undefined.
 */
export function imageTagVersion(image: string): ZeekVersion | undefined {
  const name = image.split('@')[0] ?? '';
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const m = /^v?(\d+\.\d+(?:\.\d+)?)(?:-|$)/.exec(name.slice(colon + 1));
  return m?.[1] === undefined ? undefined : parseZeekVersion(m[1]);
}

/**
 * The rule (services/operator/README.md "Zeek versions"): `spec.zeekVersion` when set; else the
 * version in the Zeek image's tag; else the operator's `zeekVersion` setting (default 8.2).
 */
export function resolveZeekVersion(
  specVersion: string | undefined,
  image: string,
  operatorDefault: string = DEFAULT_ZEEK_VERSION,
): ClusterZeekVersion {
  const fromSpec = specVersion === undefined ? undefined : parseZeekVersion(specVersion);
  if (fromSpec) return { version: fromSpec, source: 'spec' };
  const fromImage = imageTagVersion(image);
  if (fromImage) return { version: fromImage, source: 'image' };
  const fallback = parseZeekVersion(operatorDefault);
  if (!fallback) throw new Error(`operator zeekVersion ${operatorDefault} is not a supported Zeek version`);
  return { version: fallback, source: 'operator' };
}

/** True when `v` is at least `line` (release lines compare numerically). */
export function atLeast(v: ZeekVersion, line: ZeekLine): boolean {
  const [major = 0, minor = 0] = line.split('.').map(Number);
  return v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * What a spec asks for that its Zeek version cannot do, as InvalidSpecError problems (reason
 * `UnsupportedByZeekVersion`): `capture.mode: udp` needs Zeek 9.0's built-in UDP packet source.
 */
export function zeekVersionProblems(spec: ZeekClusterSpec, zeek: ClusterZeekVersion): string[] {
  const problems: string[] = [];
  if (spec.workers.capture.mode === 'udp' && !atLeast(zeek.version, '9.0'))
    problems.push(
      `spec.workers.capture.mode udp needs Zeek 9.0 or later (its built-in UDP packet source), but the cluster's Zeek is ${zeek.version.text} (from ${zeek.source}); set spec.image/spec.zeekVersion to 9.0+ or use af_packet`,
    );
  return problems;
}
