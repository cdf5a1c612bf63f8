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

/** How names that are not built-in types resolve; undefined = not a type (a parse error). */
export type NamedTypes = (name: string) => ZeekType | undefined;

const TOKEN =
  /[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*|&[a-z_]+(?:=(?:"(?:[^"\\]|\\.)*"|[^;,})"])*)?|[[\]{}(),;:]/g;

/**
 * Recursive-descent parser over Zeek type renderings. Attribute values (`&default=T`) stay inside
 * their token (only their presence matters); numbers (the attribute count Zeek writes before a
 * parameter's attributes) are not tokens and so are skipped.
 */
class TypeParser {
  readonly #tokens: string[];
  #i = 0;

  constructor(
    private readonly text: string,
    private readonly named: NamedTypes,
  ) {
    this.#tokens = text.match(TOKEN) ?? [];
  }

  fail(why: string): never {
    throw new GatewayError(GATEWAY_ERROR_CODES.SIGNATURES_INVALID, `Bad type "${this.text}": ${why}`);
  }

  peek(): string | undefined {
    return this.#tokens[this.#i];
  }

  next(): string | undefined {
    return this.#tokens[this.#i++];
  }

  expect(t: string): void {
    if (this.next() !== t) this.fail(`expected "${t}"`);
  }

  end(): void {
    if (this.#i !== this.#tokens.length) this.fail('trailing input');
  }

  list(close: string): ZeekType[] {
    const out = [this.type()];
    while (this.peek() === ',') {
      this.#i++;
      out.push(this.type());
    }
    this.expect(close);
    return out;
  }

  /** `name: T [attrs]` items up to `close`, separated by `;` (records) or `,` (parameters). */
  fields(close: string): { type: ZeekType; optional: boolean }[] {
    const fields: { type: ZeekType; optional: boolean }[] = [];
    while (this.peek() !== close) {
      if (this.peek() === undefined) this.fail(`expected "${close}"`);
      this.#i++; // field name
      this.expect(':');
      const type = this.type();
      let optional = false;
      while (this.peek()?.startsWith('&')) {
        const attr = this.next() ?? '';
        // Zeek adds an implicit &optional to &default fields (zeromq-wire.md §6.4).
        if (attr === '&optional' || attr.startsWith('&default')) optional = true;
      }
      if (this.peek() === ';' || this.peek() === ',') this.#i++;
      fields.push({ type, optional });
    }
    this.#i++;
    return fields;
  }

  enumType(): ZeekType {
    // `enum { Test::RED, Test::GREEN }`: only these fully qualified names convert.
    this.expect('{');
    const names = new Set<string>();
    while (this.peek() !== '}') {
      const name = this.next();
      if (name === undefined || name === ',') this.fail('bad enum name');
      names.add(name);
      if (this.peek() === ',') this.#i++;
    }
    this.#i++;
    return { kind: 'enum', names };
  }

  type(): ZeekType {
    const t = this.next();
    if (t === undefined) return this.fail('unexpected end');
    const atomic = ATOMIC[t];
    if (atomic !== undefined && !(t === 'enum' && this.peek() === '{'))
      return { kind: 'atomic', data: atomic };
    switch (t) {
      case 'any':
        return { kind: 'any' };
      case 'enum':
        return this.enumType();
      case 'pattern':
        return { kind: 'pattern' };
      case 'set':
        this.expect('[');
        return { kind: 'set', index: this.list(']') };
      case 'table': {
        this.expect('[');
        const index = this.list(']');
        this.expect('of');
        return { kind: 'table', index, yield: this.type() };
      }
      case 'vector':
        this.expect('of');
        return { kind: 'vector', of: this.type() };
      case 'record':
        this.expect('{');
        return { kind: 'record', fields: this.fields('}') };
      default:
        return this.named(t) ?? this.fail(`unknown type "${t}"`);
    }
  }
}

const NO_NAMES: NamedTypes = () => undefined;

/** Parses one Zeek type expression; throws `ZR_GATEWAY_SIGNATURES_INVALID`. */
export function parseZeekType(text: string, named: NamedTypes = NO_NAMES): ZeekType {
  const p = new TypeParser(text, named);
  const result = p.type();
  p.end();
  return result;
}

/**
 * Parses an event type as Zeek renders it (`global_ids()`'s `type_name`, Zeek's readable type
 * description): `event(c:count, ss:set[string], tsc:table[addr,port] of count, r:Test::Rec)`;
 * named types (`Test::Rec`) resolve through `named`. Returns the parameter types; throws
 * `ZR_GATEWAY_SIGNATURES_INVALID`.
 */
export function parseEventType(text: string, named: NamedTypes = NO_NAMES): ZeekType[] {
  const p = new TypeParser(text, named);
  p.expect('event');
  p.expect('(');
  const params = p.fields(')').map((f) => f.type);
  p.end();
  return params;
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
  /** True when `name` has a signature here. */
  declares(name: string): boolean;
  readonly size: number;
}

/** `params` undefined: declared, but its arguments are not checked (a type we cannot read). */
function checkerOf(table: ReadonlyMap<string, readonly ZeekType[] | undefined>): SignatureChecker {
  return {
    size: table.size,
    declares: (name) => table.has(name),
    accepts(ev) {
      if (!table.has(ev.name)) return false;
      const params = table.get(ev.name);
      if (params === undefined) return true;
      if (params.length !== ev.args.length) return false;
      return params.every((t, k) => converts(t, ev.args[k] as BrokerData));
    },
  };
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
    table.set(
      name,
      (params as string[]).map((p) => parseZeekType(p)),
    );
  }
  return checkerOf(table);
}

/** The event `deploy/zeek/zeek-relay/event-signatures.zeek` publishes, and where. */
export const SIGNATURES_EVENT = 'ZeekRelay::signatures';
export const SIGNATURES_TOPIC = 'zeek-relay/signatures';
/** The event a gateway publishes to ask for them (a gateway is no Zeek node: no node_up). */
export const REQUEST_SIGNATURES_EVENT = 'ZeekRelay::request_signatures';
export const REQUEST_SIGNATURES_TOPIC = 'zeek-relay/request/signatures';

const text = (d: BrokerData | undefined): string | undefined =>
  d?.type === 'string' ? Buffer.from(d.value).toString('utf8') : undefined;

/** A Broker `table[string] of string` as a Map; undefined when it is not one. */
function stringTable(d: BrokerData | undefined): Map<string, string> | undefined {
  if (d?.type !== 'table') return undefined;
  const out = new Map<string, string>();
  for (const [k, v] of d.value) {
    const key = text(k);
    const value = text(v);
    if (key === undefined || value === undefined) return undefined;
    out.set(key, value);
  }
  return out;
}

/**
 * Parses a `ZeekRelay::signatures(node, events, types)` event: event name → parameter types.
 * Named enums resolve through `types`; other named types (records, aliases: the script cannot
 * describe them) are not checked, and an event whose rendering does not parse is declared but
 * unchecked. Returns undefined when `ev` is not that event.
 */
export function parsePublishedSignatures(
  ev: ZeekEvent,
): { readonly node: string; readonly events: Map<string, ZeekType[] | undefined> } | undefined {
  const node = text(ev.args[0]);
  const rendered = stringTable(ev.args[1]);
  const types = stringTable(ev.args[2]);
  if (ev.name !== SIGNATURES_EVENT || node === undefined || rendered === undefined || types === undefined) {
    return undefined;
  }
  const resolved = new Map<string, ZeekType>();
  const named: NamedTypes = (name) => {
    let t = resolved.get(name);
    if (t === undefined) {
      const def = types.get(name);
      t = { kind: 'any' };
      if (def !== undefined) {
        try {
          t = parseZeekType(def);
        } catch (err) {
          void err; // an enum we cannot read: its arguments are not checked
        }
      }
      resolved.set(name, t);
    }
    return t;
  };
  const events = new Map<string, ZeekType[] | undefined>();
  for (const [name, rendering] of rendered) {
    try {
      events.set(name, parseEventType(rendering, named));
    } catch (err) {
      void err;
      events.set(name, undefined);
    }
  }
  return { node, events };
}

/**
 * What the gateway checks client events against: the signature file (an override, per event
 * name) and what the Zeek nodes running event-signatures.zeek published (latest per node).
 */
export class Signatures {
  readonly #nodes = new Map<string, SignatureChecker>();

  constructor(private readonly file: SignatureChecker | undefined) {}

  /** True when events are checked at all (a file, or at least one node published). */
  get active(): boolean {
    return this.file !== undefined || this.#nodes.size > 0;
  }

  /** Nodes whose signatures are known. */
  get nodes(): number {
    return this.#nodes.size;
  }

  /** Takes a node's publication; false when `ev` is not a well-formed one. */
  update(ev: ZeekEvent): boolean {
    const parsed = parsePublishedSignatures(ev);
    if (parsed === undefined) return false;
    this.#nodes.set(parsed.node, checkerOf(parsed.events));
    return true;
  }

  /** False when Zeek would answer "failed to create Zeek event" (true when nothing is known). */
  accepts(ev: ZeekEvent): boolean {
    if (this.file?.declares(ev.name)) return this.file.accepts(ev);
    if (this.#nodes.size === 0) return this.file === undefined;
    for (const checker of this.#nodes.values()) if (checker.declares(ev.name)) return checker.accepts(ev);
    return false;
  }
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
