import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ConfigError } from './errors.js';
import { DEFAULT_ZEEK_VERSION, ZEEK_LINES } from './zeek-version.js';

/** Where {@link loadConfig} reads settings from. Flags win over environment variables. */
export interface ConfigSources {
  /** Usually `process.env`; only `main.ts` passes it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line arguments without node and script (`process.argv.slice(2)`). */
  readonly argv?: readonly string[];
  /** Prefix of environment variables, e.g. `ZR_HUB_`: property `xpubPort` ↔ `ZR_HUB_XPUB_PORT`. */
  readonly envPrefix: string;
}

/** `xpubPort` → `XPUB_PORT`. */
export function toEnvName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `xpubPort` → `xpub-port`. */
export function toFlagName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function schemaType(schema: TSchema | undefined): string | undefined {
  const t = (schema as { type?: unknown } | undefined)?.type;
  return typeof t === 'string' ? t : undefined;
}

/** Splits a comma-separated list for array-typed settings; trims and drops empty items. */
function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseArgv(
  argv: readonly string[],
  properties: Record<string, TSchema>,
  problems: string[],
): Record<string, string | boolean> {
  const byFlag = new Map(Object.keys(properties).map((k) => [toFlagName(k), k]));
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq === -1 ? undefined : eq);
    const negated = flag.startsWith('no-') && !byFlag.has(flag) ? flag.slice(3) : undefined;
    const key = byFlag.get(negated ?? flag);
    if (key === undefined) {
      problems.push(`unknown flag --${flag}`);
      continue;
    }
    const isBool = schemaType(properties[key]) === 'boolean';
    if (negated !== undefined) {
      if (!isBool) problems.push(`--no-${negated} is only valid for on/off settings`);
      else out[key] = false;
    } else if (eq !== -1) {
      out[key] = arg.slice(eq + 1);
    } else if (isBool) {
      out[key] = true;
    } else if (i + 1 < argv.length) {
      out[key] = argv[++i] ?? '';
    } else {
      problems.push(`--${flag} needs a value`);
    }
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Builds a service's configuration from environment variables and flags, validated once against
 * a flat TypeBox object schema (defaults applied, strings coerced to numbers/booleans, comma lists
 * to arrays). Throws one {@link ConfigError} listing every problem; returns a frozen object.
 * Only a service's `main.ts` calls this; components receive their part as arguments.
 */
export function loadConfig<T extends TObject>(schema: T, sources: ConfigSources): Readonly<Static<T>> {
  const problems: string[] = [];
  const properties = schema.properties as Record<string, TSchema>;
  const input: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const key of Object.keys(properties)) {
    const name = sources.envPrefix + toEnvName(key);
    const raw = sources.env?.[name];
    if (raw !== undefined && raw !== '') {
      input[key] = raw;
      origin[key] = name;
    }
  }
  const flags = parseArgv(sources.argv ?? [], properties, problems);
  for (const [key, value] of Object.entries(flags)) {
    input[key] = value;
    origin[key] = `--${toFlagName(key)}`;
  }
  for (const [key, value] of Object.entries(input)) {
    if (schemaType(properties[key]) === 'array' && typeof value === 'string') input[key] = splitList(value);
  }
  const validate = ajv.compile(schema);
  if (!validate(input)) {
    // A choice (union of literals) fails once per alternative plus once for `anyOf`: report it
    // once, naming the allowed values.
    const choices = new Set(
      (validate.errors ?? []).filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath),
    );
    for (const e of validate.errors ?? []) {
      if (choices.has(e.instancePath) && e.keyword !== 'anyOf') continue;
      const key = e.instancePath.split('/')[1] ?? (e.params as { missingProperty?: string }).missingProperty;
      const where = key === undefined ? 'config' : (origin[key] ?? `${sources.envPrefix}${toEnvName(key)}`);
      const allowed = ((key && (properties[key] as { anyOf?: Array<{ const?: unknown }> }).anyOf) || [])
        .map((alt) => alt.const)
        .filter((c) => c !== undefined);
      const message =
        e.keyword === 'anyOf' && allowed.length > 0
          ? `must be one of ${allowed.map((c) => JSON.stringify(c)).join(', ')}`
          : (e.message ?? 'is invalid');
      problems.push(
        `${where}: ${message}${e.instancePath.split('/').length > 2 ? ` (${e.instancePath})` : ''}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(input as Static<T>);
}

/**
 * Validates a partial configuration object given in code (an embedding such as the CLI, or a test)
 * against the same schema: defaults applied, every problem listed in one {@link ConfigError}
 * naming the flag the setting would have, result frozen. Same rules as {@link loadConfig}.
 */
export function resolveConfig<T extends TObject>(
  schema: T,
  input: Readonly<Partial<Static<T>>>,
  envPrefix: string,
): Readonly<Static<T>> {
  const argv: string[] = [];
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (value === undefined) continue;
    argv.push(`--${toFlagName(key)}=${Array.isArray(value) ? value.join(',') : String(value)}`);
  }
  return loadConfig(schema, { env: {}, argv, envPrefix });
}

/** The `logLevel` setting every service has (pino levels). */
export const LogLevelSchema = Type.Union(
  [
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent'),
  ],
  { default: 'info', description: 'Log level (pino): fatal, error, warn, info, debug, trace or silent.' },
);

/** Human-readable list of settings (flag, environment variable, default, description) for `--help`. */
export function describeConfig(schema: TObject, envPrefix: string): string {
  const rows: string[] = [];
  for (const [key, prop] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const p = prop as { description?: string; default?: unknown };
    const def = p.default === undefined ? '' : ` (default: ${JSON.stringify(p.default)})`;
    rows.push(`  --${toFlagName(key)}  ${envPrefix}${toEnvName(key)}${def}\n      ${p.description ?? ''}`);
  }
  return rows.join('\n');
}

/** The config-schema fragment every service uses for its `zeekVersion` setting. */
export const ZeekVersionSchema = Type.String({
  default: DEFAULT_ZEEK_VERSION,
  pattern: '^(8\\.[0-2]|9\\.0)(\\.[0-9]+)?$',
  description: `Zeek version of the cluster's nodes, a release line (${ZEEK_LINES.join(', ')}) or a full version (8.2.2); default ${DEFAULT_ZEEK_VERSION}.`,
});
