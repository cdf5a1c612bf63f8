/**
 * Typed event arguments on the command line: `type:value` (e.g. `count:42`, `addr:10.0.0.1`,
 * `port:443/tcp`, `time:2024-01-01T00:00:00Z`, `interval:1.5s`, `json:{"@data-type":…}`), or a bare
 * value whose type is inferred. Each is turned into a Broker JSON v1 value and parsed by
 * @zeek-relay/wire's decoder, so the CLI accepts exactly what Zeek's WebSocket API accepts.
 */
import { jsonToData, type BrokerData } from '@zeek-relay/wire';
import { ALIASES, TYPES } from './arg-types.js';
import { CLI_ERROR_CODES, CliError } from './errors.js';

export { ARG_TYPES } from './arg-types.js';

function bad(arg: string, why: string, cause?: unknown): CliError {
  return new CliError(
    CLI_ERROR_CODES.INVALID_ARGUMENT,
    `Invalid event argument "${arg}": ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

function infer(value: string): string {
  if (/^(0|[1-9][0-9]*)$/.test(value)) return 'count';
  if (/^-[1-9][0-9]*$/.test(value)) return 'int';
  if (/^-?[0-9]+\.[0-9]+$/.test(value)) return 'real';
  if (value === 'T' || value === 'F' || value === 'true' || value === 'false') return 'bool';
  if (/^[0-9]+\/(tcp|udp|icmp|unknown)$/.test(value)) return 'port';
  if (/^[0-9.]+\/[0-9]+$/.test(value) || /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*\/[0-9]+$/.test(value))
    return 'subnet';
  if (/^([0-9]{1,3}\.){3}[0-9]{1,3}$/.test(value) || /^[0-9a-fA-F:]*:[0-9a-fA-F:.]+$/.test(value))
    return 'addr';
  return 'string';
}

/** The Broker JSON v1 text for one command-line argument. */
export function argToJson(arg: string): string {
  const colon = arg.indexOf(':');
  const head = colon > 0 ? arg.slice(0, colon) : '';
  const known = head === 'json' || head in TYPES || head in ALIASES;
  if (known && head === 'json') return arg.slice(colon + 1);
  const name = known ? (ALIASES[head] ?? head) : infer(arg);
  let value = known ? arg.slice(colon + 1) : arg;
  const t = TYPES[name];
  if (t === undefined) throw bad(arg, `unknown type "${head}"`);
  if (name === 'bool') value = value === 'T' ? 'true' : value === 'F' ? 'false' : value;
  if (name === 'real' && /^-?[0-9]+$/.test(value)) value = `${value}.0`; // Zeek rejects `1` as a real
  if (t.raw !== undefined && !t.raw.test(value)) throw bad(arg, `"${value}" is not a valid ${name}`);
  const data = t.raw !== undefined ? value : name === 'none' ? '{}' : JSON.stringify(value);
  return `{"@data-type":"${t.dataType}","data":${data}}`;
}

/** Parses one argument into a Broker value; throws ZR_CLI_INVALID_ARGUMENT with the reason. */
export function parseArg(arg: string): BrokerData {
  const json = argToJson(arg);
  try {
    return jsonToData(json);
  } catch (cause) {
    throw bad(arg, (cause as Error).message, cause);
  }
}
