import { readFile } from 'node:fs/promises';
import type { BrokerData, ZeekEvent } from '@zeek-relay/wire';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';

/**
 * Optional event checking (websocket-v1.md §3.5, decision 1). Zeek builds a Zeek event from a
 * client's payload using the hosting node's declarations and answers "failed to create Zeek
 * event" when the name is unknown, the arity differs or an argument does not convert. A gateway
 * has no Zeek scripts, so the declarations come from a file:
 *
 * ```json
 * { "events": { "ping": ["string", "count"], "Site::seen": ["addr", "set[port]", "record { a: count; b: string &optional; }"] } }
 * ```
 *
 * Types use Zeek syntax: `bool count int double string addr subnet port time interval enum
 * pattern any file`, `enum { Mod::A, Mod::B }` (only those names), `set[T, ...]`,
 * `table[K, ...] of V`, `vector of T`, `record { f: T [&optional | &default=…]; ... }`.
 * Conversion is strict like Zeek's (a `count` is not an `int`); records are positional vectors
 * with at least as many elements as fields, `none` only for `&optional` fields.
 */
export type ZeekType =
  | { readonly kind: 'atomic'; readonly data: BrokerData['type'] }
  | { readonly kind: 'enum'; readonly names: ReadonlySet<string> }
  | { readonly kind: 'any' }
  | { readonly kind: 'pattern' }
  | { readonly kind: 'set'; readonly index: readonly ZeekType[] }
  | { readonly kind: 'table'; readonly index: readonly ZeekType[]; readonly yield: ZeekType }
  | { readonly kind: 'vector'; readonly of: ZeekType }
  | {
      readonly kind: 'record';
      readonly fields: readonly { readonly type: ZeekType; readonly optional: boolean }[];
    };

const ATOMIC: Record<string, BrokerData['type']> = {
  bool: 'boolean',
  count: 'count',
  int: 'integer',
  double: 'real',
  string: 'string',
  addr: 'address',
  subnet: 'subnet',
  port: 'port',
  time: 'timestamp',
  interval: 'timespan',
  enum: 'enum_value',
  file: 'string',
};

/** Parses one Zeek type expression; throws `ZR_GATEWAY_SIGNATURES_INVALID`. */
export function parseZeekType(text: string): ZeekType {
  // Attribute values (`&default=T`) are kept inside their token: only their presence matters.
  const tokens =
    text.match(/[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*|&[a-z_]+(?:=[^;,}]*)?|[[\]{},;:]/g) ?? [];
  let i = 0;
  const fail = (why: string): never => {
    throw new GatewayError(GATEWAY_ERROR_CODES.SIGNATURES_INVALID, `Bad type "${text}": ${why}`);
  };
  const peek = (): string | undefined => tokens[i];
  const expect = (t: string): void => {
    if (tokens[i++] !== t) fail(`expected "${t}"`);
  };
  const list = (close: string): ZeekType[] => {
    const out = [type()];
    while (peek() === ',') {
      i++;
      out.push(type());
    }
    expect(close);
    return out;
  };
  function type(): ZeekType {
    const t = tokens[i++];
    if (t === undefined) return fail('unexpected end');
    const atomic = ATOMIC[t];
    if (atomic !== undefined && !(t === 'enum' && peek() === '{')) return { kind: 'atomic', data: atomic };
    switch (t) {
      case 'any':
        return { kind: 'any' };
      case 'enum': {
        // `enum { Test::RED, Test::GREEN }`: only these fully qualified names convert.
        expect('{');
        const names = new Set<string>();
        while (peek() !== '}') {
          const name = tokens[i++];
          if (name === undefined || name === ',') fail('bad enum name');
          else names.add(name);
          if (peek() === ',') i++;
        }
        i++;
        return { kind: 'enum', names };
      }
      case 'pattern':
        return { kind: 'pattern' };
      case 'set':
        expect('[');
        return { kind: 'set', index: list(']') };
      case 'table': {
        expect('[');
        const index = list(']');
        if (tokens[i++] !== 'of') fail('expected "of"');
        return { kind: 'table', index, yield: type() };
      }
      case 'vector':
        if (tokens[i++] !== 'of') fail('expected "of"');
        return { kind: 'vector', of: type() };
      case 'record': {
        expect('{');
        const fields: { type: ZeekType; optional: boolean }[] = [];
        while (peek() !== '}') {
          if (peek() === undefined) fail('unterminated record');
          i++; // field name
          expect(':');
          const ft = type();
          let optional = false;
          while (peek()?.startsWith('&')) {
            const attr = tokens[i++] ?? '';
            // Zeek adds an implicit &optional to &default fields (zeromq-wire.md §6.4).
            if (attr === '&optional' || attr.startsWith('&default')) optional = true;
          }
          if (peek() === ';' || peek() === ',') i++;
          fields.push({ type: ft, optional });
        }
        i++;
        return { kind: 'record', fields };
      }
      default:
        return fail(`unknown type "${t}"`);
    }
  }
  const result = type();
  if (i !== tokens.length) fail('trailing input');
  return result;
}

function indexMatches(index: readonly ZeekType[], d: BrokerData): boolean {
  if (index.length === 1) return converts(index[0] as ZeekType, d);
  return (
    d.type === 'vector' &&
    d.value.length === index.length &&
    index.every((t, k) => converts(t, d.value[k] as BrokerData))
  );
}

/** Would Zeek convert Broker value `d` to Zeek type `t`? */
export function converts(t: ZeekType, d: BrokerData): boolean {
  switch (t.kind) {
    case 'any':
      return true;
    case 'atomic':
      return d.type === t.data;
    case 'enum':
      return d.type === 'enum_value' && t.names.has(Buffer.from(d.value).toString('utf8'));
    case 'pattern':
      return d.type === 'vector' && d.value.length === 2 && d.value.every((x) => x.type === 'string');
    case 'set':
      return d.type === 'set' && d.value.every((x) => indexMatches(t.index, x));
    case 'table':
      return (
        d.type === 'table' && d.value.every(([k, v]) => indexMatches(t.index, k) && converts(t.yield, v))
      );
    case 'vector':
      return d.type === 'vector' && d.value.every((x) => converts(t.of, x));
    case 'record':
      return (
        d.type === 'vector' &&
        d.value.length >= t.fields.length &&
        t.fields.every((f, k) => {
          const v = d.value[k] as BrokerData;
          return v.type === 'none' ? f.optional : converts(f.type, v);
        })
      );
    default: {
      const never: never = t;
      return never;
    }
  }
}

/** Checks events against declared signatures. */
export interface SignatureChecker {
  /** False when Zeek would answer "failed to create Zeek event". */
  accepts(ev: ZeekEvent): boolean;
  readonly size: number;
}

/** Builds a checker from parsed file content; throws `ZR_GATEWAY_SIGNATURES_INVALID`. */
export function createSignatureChecker(content: unknown): SignatureChecker {
  const events = (content as { events?: unknown } | null)?.events;
  if (typeof events !== 'object' || events === null || Array.isArray(events)) {
    throw new GatewayError(GATEWAY_ERROR_CODES.SIGNATURES_INVALID, 'Signature file needs an "events" object');
  }
  const table = new Map<string, ZeekType[]>();
  for (const [name, params] of Object.entries(events)) {
    if (!Array.isArray(params) || !params.every((p) => typeof p === 'string')) {
      throw new GatewayError(
        GATEWAY_ERROR_CODES.SIGNATURES_INVALID,
        `Event "${name}": parameters must be a list of type strings`,
      );
    }
    table.set(name, (params as string[]).map(parseZeekType));
  }
  return {
    size: table.size,
    accepts(ev) {
      const params = table.get(ev.name);
      if (params === undefined || params.length !== ev.args.length) return false;
      return params.every((t, k) => converts(t, ev.args[k] as BrokerData));
    },
  };
}

/** Reads and parses a signature file; throws `ZR_GATEWAY_SIGNATURES_INVALID`. */
export async function loadSignatureChecker(path: string): Promise<SignatureChecker> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new GatewayError(GATEWAY_ERROR_CODES.SIGNATURES_INVALID, `Cannot read signature file ${path}`, {
      cause: err,
    });
  }
  return createSignatureChecker(parsed);
}
