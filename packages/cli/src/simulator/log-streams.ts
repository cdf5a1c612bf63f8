/**
 * Conn-, DNS- and HTTP-like log streams: the headers Zeek's default filters produce for
 * `Conn::LOG`, `DNS::LOG` and `HTTP::LOG` (column names, types and optional flags as in Zeek 8.0,
 * slightly shortened) and random but plausible records for them.
 */
import type { LogBatchHeader, LogElement, LogField, LogRecord, LogTypeName } from '@zeek-relay/wire';

/** Names of the simulated streams (also the log `path`). */
export const STREAM_NAMES = ['conn', 'dns', 'http'] as const;
/** One simulated stream. */
export type StreamName = (typeof STREAM_NAMES)[number];

const f = (name: string, type: LogTypeName, optional = false, subtype: LogTypeName = 'void'): LogField => ({
  name,
  type,
  subtype,
  optional,
});
const ID_FIELDS = [
  f('id.orig_h', 'addr'),
  f('id.orig_p', 'port'),
  f('id.resp_h', 'addr'),
  f('id.resp_p', 'port'),
];
const header = (stream: string, path: string, fields: LogField[]): LogBatchHeader => ({
  stream,
  writer: 'Log::WRITER_ASCII',
  filter: 'default',
  path,
  fields,
});

/** Batch headers of the three streams, shared by every batch of that stream. */
export const STREAM_HEADERS: Readonly<Record<StreamName, LogBatchHeader>> = {
  conn: header('Conn::LOG', 'conn', [
    f('ts', 'time'),
    f('uid', 'string'),
    ...ID_FIELDS,
    f('proto', 'enum'),
    f('service', 'string', true),
    f('duration', 'interval', true),
    f('orig_bytes', 'count', true),
    f('resp_bytes', 'count', true),
    f('conn_state', 'string', true),
    f('local_orig', 'bool', true),
    f('local_resp', 'bool', true),
    f('missed_bytes', 'count', true),
    f('history', 'string', true),
    f('orig_pkts', 'count', true),
    f('resp_pkts', 'count', true),
    f('tunnel_parents', 'table', true, 'string'),
  ]),
  dns: header('DNS::LOG', 'dns', [
    f('ts', 'time'),
    f('uid', 'string'),
    ...ID_FIELDS,
    f('proto', 'enum'),
    f('trans_id', 'count', true),
    f('rtt', 'interval', true),
    f('query', 'string', true),
    f('qtype_name', 'string', true),
    f('rcode_name', 'string', true),
    f('AA', 'bool', true),
    f('RD', 'bool', true),
    f('RA', 'bool', true),
    f('answers', 'vector', true, 'string'),
    f('TTLs', 'vector', true, 'interval'),
    f('rejected', 'bool', true),
  ]),
  http: header('HTTP::LOG', 'http', [
    f('ts', 'time'),
    f('uid', 'string'),
    ...ID_FIELDS,
    f('trans_depth', 'count'),
    f('method', 'string', true),
    f('host', 'string', true),
    f('uri', 'string', true),
    f('version', 'string', true),
    f('user_agent', 'string', true),
    f('request_body_len', 'count', true),
    f('response_body_len', 'count', true),
    f('status_code', 'count', true),
    f('status_msg', 'string', true),
    f('tags', 'table', true, 'enum'),
    f('resp_mime_types', 'vector', true, 'string'),
  ]),
};

/** Small deterministic PRNG (mulberry32), so a seeded run produces the same records. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const utf8 = new TextEncoder();
const UID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HOSTS = ['example.com', 'zeek.org', 'intranet.local', 'updates.vendor.net', 'cdn.assets.io'];
const AGENTS = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64)', 'python-requests/2.31'];

const str = (s: string): LogElement => ({ type: 'string', value: utf8.encode(s) });
const cnt = (n: number): LogElement => ({ type: 'count', value: BigInt(n) });
const bool = (b: boolean): LogElement => ({ type: 'bool', value: b });

/** Generates records for one node; `rand` decides every random choice. */
export class RecordGenerator {
  constructor(private readonly rand: () => number) {}

  #int(max: number): number {
    return Math.floor(this.rand() * max);
  }
  #pick<T>(xs: readonly T[]): T {
    return xs[this.#int(xs.length)] as T;
  }
  #uid(): string {
    let s = 'C';
    for (let i = 0; i < 17; i++) s += UID_CHARS[this.#int(UID_CHARS.length)];
    return s;
  }
  #addr(local: boolean): LogElement {
    const b = local
      ? [10, this.#int(256), this.#int(256), 1 + this.#int(254)]
      : [1 + this.#int(223), this.#int(256), this.#int(256), 1 + this.#int(254)];
    return { type: 'addr', value: Uint8Array.from(b) };
  }
  #ids(respPort: number, proto: 'tcp' | 'udp'): LogElement[] {
    return [
      this.#addr(true),
      { type: 'port', value: 1024 + this.#int(64000), protocol: proto },
      this.#addr(false),
      { type: 'port', value: respPort, protocol: proto },
    ];
  }

  /** One record of `stream` with timestamp `ts` (seconds since the epoch). */
  record(stream: StreamName, ts: number): LogRecord {
    const head = (): LogElement[] => [{ type: 'time', value: ts }, str(this.#uid())];
    switch (stream) {
      case 'conn': {
        const web = this.rand() < 0.7;
        return [
          ...head(),
          ...this.#ids(web ? 443 : 53, web ? 'tcp' : 'udp'),
          { type: 'enum', value: utf8.encode(web ? 'tcp' : 'udp') },
          web ? str('ssl') : str('dns'),
          { type: 'interval', value: Math.round(this.rand() * 5e6) / 1e6 },
          cnt(this.#int(100_000)),
          cnt(this.#int(1_000_000)),
          str(web ? 'SF' : 'S0'),
          bool(true),
          bool(false),
          cnt(0),
          web ? str('ShADadFf') : str('D'),
          cnt(1 + this.#int(200)),
          cnt(this.#int(300)),
          this.rand() < 0.9 ? { type: 'table', value: [] } : null,
        ];
      }
      case 'dns': {
        const host = this.#pick(HOSTS);
        return [
          ...head(),
          ...this.#ids(53, 'udp'),
          { type: 'enum', value: utf8.encode('udp') },
          cnt(this.#int(65536)),
          { type: 'interval', value: Math.round(this.rand() * 1e5) / 1e6 },
          str(host),
          str('A'),
          str('NOERROR'),
          bool(false),
          bool(true),
          bool(true),
          { type: 'vector', value: [str(`93.184.${this.#int(256)}.${this.#int(256)}`)] },
          { type: 'vector', value: [{ type: 'interval', value: 300 }] },
          bool(false),
        ];
      }
      case 'http': {
        const ok = this.rand() < 0.9;
        return [
          ...head(),
          ...this.#ids(80, 'tcp'),
          cnt(1),
          str(this.rand() < 0.8 ? 'GET' : 'POST'),
          str(this.#pick(HOSTS)),
          str(`/item/${this.#int(10_000)}`),
          str('1.1'),
          str(this.#pick(AGENTS)),
          cnt(0),
          cnt(this.#int(50_000)),
          cnt(ok ? 200 : 404),
          str(ok ? 'OK' : 'Not Found'),
          { type: 'table', value: [] },
          ok ? { type: 'vector', value: [str('text/html')] } : null,
        ];
      }
      default: {
        const never: never = stream;
        throw new TypeError(`unknown stream ${String(never)}`);
      }
    }
  }
}
