/**
 * Conversion between the vectors' JSON form of log batches and values
 * (packages/fixtures/data/zeek-8.0/VECTORS.md, "JSON form of log batches and values") and the
 * package's log value model.
 */
import {
  LOG_TYPE_NAMES,
  LOG_TYPE_TAGS,
  formatLogAddr,
  parseLogAddr,
  type LogBatch,
  type LogElement,
  type LogField,
  type LogTypeName,
  type LogPortProtocol,
} from '../../src/index.js';

export interface VectorLogValue {
  type: string;
  subtype: string | number;
  present: boolean;
  value?: unknown;
  hex?: string;
  protocol?: string;
}
export interface VectorField {
  name: string;
  type: string;
  subtype: string | number;
  optional: boolean;
}
export interface VectorBatch {
  stream: string;
  writer: string;
  filter: string;
  path: string;
  fields: VectorField[];
  records: VectorLogValue[][];
}

const tagOf = (t: string | number): number => (typeof t === 'number' ? t : LOG_TYPE_TAGS[t as LogTypeName]);
const nameOf = (t: number): string | number => LOG_TYPE_NAMES[t] ?? t;

/**
 * The JSON form cannot carry a NaN's sign; Zeek on x86-64 produces the processor's default NaN
 * (bits fff8000000000000, e.g. from 0.0/0.0), which is what the captures contain.
 */
const X86_DEFAULT_NAN = new DataView(Uint8Array.from([0xff, 0xf8, 0, 0, 0, 0, 0, 0]).buffer).getFloat64(0);

function num(v: unknown): number {
  if (v === 'NaN') return X86_DEFAULT_NAN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v as number;
}

/** Vector JSON value → LogElement; unset values carrying `nullTag` and subtype 0 become `null`. */
export function logFromVector(v: VectorLogValue, nullTag: number, elemTag: number): LogElement {
  const tag = tagOf(v.type);
  const sub = tagOf(v.subtype);
  if (!v.present) return tag === nullTag && sub === 0 ? null : { type: 'unset', tag, subtype: sub };
  const extra = sub === 0 ? {} : { subtype: sub };
  const bytes = (): Uint8Array =>
    v.hex !== undefined
      ? Uint8Array.from(Buffer.from(v.hex, 'hex'))
      : new TextEncoder().encode(v.value as string);
  switch (v.type) {
    case 'bool':
      return { type: 'bool', value: v.value as boolean, ...extra };
    case 'int':
    case 'count':
      return { type: v.type, value: BigInt(v.value as number | string), ...extra };
    case 'double':
    case 'time':
    case 'interval':
      return { type: v.type, value: num(v.value), ...extra };
    case 'string':
    case 'enum':
    case 'func':
    case 'file':
      return { type: v.type, value: bytes(), ...extra };
    case 'port':
      return { type: 'port', value: v.value as number, protocol: v.protocol as LogPortProtocol, ...extra };
    case 'addr':
      return { type: 'addr', value: parseLogAddr(v.value as string), ...extra };
    case 'subnet': {
      const [a, l] = (v.value as string).split('/');
      const value = parseLogAddr(a as string);
      return { type: 'subnet', value, prefix: Number(l) + (value.length === 4 ? 96 : 0), ...extra };
    }
    case 'table':
    case 'vector':
      return {
        type: v.type,
        value: (v.value as VectorLogValue[]).map((e) => logFromVector(e, elemTag, -1)),
        ...extra,
      };
    default:
      throw new Error(`fixture type ${v.type}`);
  }
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
function text(b: Uint8Array): { value: string } | { hex: string } {
  try {
    return { value: utf8Fatal.decode(b) };
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return { hex: Buffer.from(b).toString('hex') };
  }
}
function jsonNum(x: number): number | string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}
function jsonInt(x: bigint): number | string {
  return x >= -(2n ** 53n - 1n) && x <= 2n ** 53n - 1n ? Number(x) : x.toString();
}

/** LogElement → vector JSON form; `null` is shown with `nullTag`. */
export function logToVector(e: LogElement, nullTag: number, elemTag: number): VectorLogValue {
  if (e === null) return { type: String(nameOf(nullTag)), subtype: 'void', present: false };
  if (e.type === 'unset') return { type: String(nameOf(e.tag)), subtype: nameOf(e.subtype), present: false };
  const head = { type: e.type, subtype: nameOf(e.subtype ?? 0), present: true };
  switch (e.type) {
    case 'bool':
      return { ...head, value: e.value };
    case 'int':
    case 'count':
      return { ...head, value: jsonInt(e.value) };
    case 'double':
    case 'time':
    case 'interval':
      return { ...head, value: jsonNum(e.value) };
    case 'string':
    case 'enum':
    case 'func':
    case 'file':
      return { ...head, ...text(e.value) };
    case 'port':
      return { ...head, value: e.value, protocol: e.protocol };
    case 'addr':
      return { ...head, value: formatLogAddr(e.value) };
    case 'subnet':
      return {
        ...head,
        value: `${formatLogAddr(e.value)}/${e.value.length === 4 ? e.prefix - 96 : e.prefix}`,
      };
    case 'table':
    case 'vector':
      return { ...head, value: e.value.map((x) => logToVector(x, elemTag, -1)) };
  }
}

export function fieldFromVector(f: VectorField): LogField {
  return {
    name: f.name,
    type: f.type as LogTypeName,
    subtype: nameOf(tagOf(f.subtype)) as LogTypeName,
    optional: f.optional,
  };
}

export function batchFromVector(b: VectorBatch): LogBatch {
  const fields = b.fields.map(fieldFromVector);
  return {
    header: { stream: b.stream, writer: b.writer, filter: b.filter, path: b.path, fields },
    records: b.records.map((r) =>
      r.map((v, i) => logFromVector(v, tagOf(b.fields[i]?.type ?? 0), tagOf(b.fields[i]?.subtype ?? 0))),
    ),
  };
}

export function batchToVector(b: LogBatch): VectorBatch {
  const { stream, writer, filter, path } = b.header;
  return {
    stream,
    writer,
    filter,
    path,
    fields: b.header.fields.map((f) => ({
      name: f.name,
      type: f.type,
      subtype: f.subtype,
      optional: f.optional,
    })),
    records: b.records.map((r) =>
      r.map((e, i) => {
        const f = b.header.fields[i] as LogField;
        return logToVector(e, LOG_TYPE_TAGS[f.type], LOG_TYPE_TAGS[f.subtype]);
      }),
    ),
  };
}
