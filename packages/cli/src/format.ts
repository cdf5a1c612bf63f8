/**
 * Output of received events: a Zeek-script-like human form, and JSON lines whose arguments are
 * Broker JSON v1 values (the WebSocket API's own encoding, lossless for 64-bit numbers).
 */
import { assertNever, dataToJson, formatAddress, isV4Mapped, type BrokerData } from '@zeek-relay/wire';
import type { ZeekEvent } from '@zeek-relay/client';

const utf8 = new TextDecoder('utf-8', { fatal: false });

function quote(bytes: Uint8Array): string {
  return JSON.stringify(utf8.decode(bytes));
}

function nsToIso(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const frac = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 19)}.${frac.toString().padStart(9, '0').replace(/0+$/, '') || '0'}Z`;
}

function nsToInterval(ns: bigint): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  const s = abs / 1_000_000_000n;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${s}${frac ? `.${frac}` : ''}s`;
}

/** Human-readable form of one Broker value, close to how Zeek's `print` shows it. */
export function formatData(d: BrokerData): string {
  switch (d.type) {
    case 'none':
      return '<none>';
    case 'boolean':
      return d.value ? 'T' : 'F';
    case 'count':
    case 'integer':
      return d.value.toString();
    case 'real':
      return Number.isInteger(d.value) ? d.value.toFixed(1) : String(d.value);
    case 'string':
      return quote(d.value);
    case 'enum_value':
      return utf8.decode(d.value);
    case 'address':
      return formatAddress(d.value);
    case 'subnet':
      return `${formatAddress(d.address)}/${isV4Mapped(d.address) ? d.length - 96 : d.length}`;
    case 'port':
      return `${d.value}/${d.protocol}`;
    case 'timestamp':
      return nsToIso(d.value);
    case 'timespan':
      return nsToInterval(d.value);
    case 'set':
      return `{${d.value.map(formatData).join(', ')}}`;
    case 'table':
      return `{${d.value.map(([k, v]) => `${formatData(k)} -> ${formatData(v)}`).join(', ')}}`;
    case 'vector':
      return `[${d.value.map(formatData).join(', ')}]`;
    default:
      return assertNever(d);
  }
}

/** `<topic>  Name(arg, arg, …)` with optional metadata. */
export function formatEventLine(ev: ZeekEvent): string {
  const meta = ev.metadata?.length
    ? `  metadata ${ev.metadata.map((m) => `${m.id}=${formatData(m.value)}`).join(' ')}`
    : '';
  return `${ev.topic}  ${ev.name}(${ev.args.map(formatData).join(', ')})${meta}`;
}

/** One JSON line: `{"topic","event","args":[Broker JSON v1 values],"metadata"?:[[id, value]…]}`. */
export function formatEventJson(ev: ZeekEvent): string {
  const args = ev.args.map((a) => dataToJson(a)).join(',');
  const meta =
    ev.metadata === undefined
      ? ''
      : `,"metadata":[${ev.metadata.map((m) => `[${m.id.toString()},${dataToJson(m.value)}]`).join(',')}]`;
  return `{"topic":${JSON.stringify(ev.topic)},"event":${JSON.stringify(ev.name)},"args":[${args}]${meta}}`;
}
