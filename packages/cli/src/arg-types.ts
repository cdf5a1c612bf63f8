/**
 * The argument type names of `zeek-relay publish` (`count:42`, `addr:10.0.0.1`, …): no imports,
 * so the command can describe itself without loading the Broker JSON codec (see args.ts).
 */

/** Prefix → Broker `@data-type`, and how the value is written into `data`. */
export const TYPES: Readonly<
  Record<string, { readonly dataType: string; readonly raw: RegExp | undefined }>
> = {
  none: { dataType: 'none', raw: undefined },
  bool: { dataType: 'boolean', raw: /^(true|false)$/ },
  count: { dataType: 'count', raw: /^(0|[1-9][0-9]*)$/ },
  int: { dataType: 'integer', raw: /^-?(0|[1-9][0-9]*)$/ },
  real: { dataType: 'real', raw: /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ },
  string: { dataType: 'string', raw: undefined },
  addr: { dataType: 'address', raw: undefined },
  subnet: { dataType: 'subnet', raw: undefined },
  port: { dataType: 'port', raw: undefined },
  time: { dataType: 'timestamp', raw: undefined },
  interval: { dataType: 'timespan', raw: undefined },
  enum: { dataType: 'enum-value', raw: undefined },
};
export const ALIASES: Readonly<Record<string, string>> = {
  boolean: 'bool',
  integer: 'int',
  double: 'real',
  address: 'addr',
  timestamp: 'time',
  timespan: 'interval',
};

/** The type names accepted before `:` (for help texts). */
export const ARG_TYPES = [...Object.keys(TYPES), 'json'] as const;
