/**
 * The text options of every writer, from the configuration: number formatting and JSON string
 * escaping follow the Zeek version of the nodes (`zeekVersion`, wire's `logTextProfile`), with
 * `numberProfile` as an explicit override and 9.0's escape policy per logger and per path.
 */
import { parseZeekVersion } from '@zeek-relay/runtime';
import {
  logTextProfile,
  type JsonRendererOptions,
  type JsonStringEscape,
  type JsonStringEscapePolicy,
  type TsvRendererOptions,
} from '@zeek-relay/wire';
import type { SinkConfig } from './config.js';

/** What the renderers need (plain data: it is sent to the render workers). */
export interface TextSettings {
  readonly numberProfile: 'zeek-8.0' | 'zeek-8.2';
  readonly jsonTimestamps: 'epoch' | 'iso8601' | 'millis' | 'millis-unsigned';
  readonly jsonIncludeUnsetFields: boolean;
  /** Escaping of JSON strings for paths without their own. */
  readonly jsonStringEscape: JsonStringEscape;
  /** Per-path escape policies (9.0 filters' `$config`). */
  readonly jsonStringEscapeByPath: Readonly<Record<string, JsonStringEscapePolicy>>;
  /** Record loops generated per schema (`renderSpecialised`); false: the generic path. */
  readonly specialise: boolean;
}

/** Reads `path=policy,…` (validated by the config schema). */
function parseByPath(text: string): Record<string, JsonStringEscapePolicy> {
  const out: Record<string, JsonStringEscapePolicy> = {};
  if (text === '') return out;
  for (const item of text.split(',')) {
    const eq = item.lastIndexOf('=');
    out[item.slice(0, eq).trim()] = item.slice(eq + 1) as JsonStringEscapePolicy;
  }
  return out;
}

/** The text settings of a (validated) configuration. */
export function textSettingsOf(
  config: Pick<
    SinkConfig,
    | 'zeekVersion'
    | 'numberProfile'
    | 'jsonTimestamps'
    | 'jsonIncludeUnsetFields'
    | 'jsonStringEscapePolicy'
    | 'jsonStringEscapePolicyByPath'
    | 'renderSpecialised'
  >,
): TextSettings {
  const line = parseZeekVersion(config.zeekVersion)?.line ?? '8.2';
  const profile = logTextProfile(line);
  return {
    numberProfile: config.numberProfile === 'auto' ? profile.numbers : config.numberProfile,
    jsonTimestamps: config.jsonTimestamps,
    jsonIncludeUnsetFields: config.jsonIncludeUnsetFields,
    jsonStringEscape: profile.jsonStringEscapePolicies
      ? config.jsonStringEscapePolicy
      : profile.jsonStringEscape,
    jsonStringEscapeByPath: profile.jsonStringEscapePolicies
      ? parseByPath(config.jsonStringEscapePolicyByPath)
      : {},
    specialise: config.renderSpecialised,
  };
}

/** Options of the TSV renderer. */
export function tsvOptions(s: TextSettings): TsvRendererOptions {
  return { numberProfile: s.numberProfile, specialise: s.specialise };
}

/** Options of the JSON renderer for one path. */
export function jsonOptions(s: TextSettings, path: string): JsonRendererOptions {
  return {
    timestamps: s.jsonTimestamps,
    includeUnsetFields: s.jsonIncludeUnsetFields,
    stringEscape: s.jsonStringEscapeByPath[path] ?? s.jsonStringEscape,
    specialise: s.specialise,
  };
}
