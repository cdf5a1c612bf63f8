/** A deterministic 1000-record conn.log-like batch (Zeek 8 conn.log columns) for the benchmarks. */
import type { LogBatch, LogElement, LogField, LogRecord, LogTypeName } from '../src/index.js';

const COLUMNS: [string, LogTypeName, LogTypeName, boolean][] = [
  ['ts', 'time', 'void', false],
  ['uid', 'string', 'void', false],
  ['id.orig_h', 'addr', 'void', false],
  ['id.orig_p', 'port', 'void', false],
  ['id.resp_h', 'addr', 'void', false],
  ['id.resp_p', 'port', 'void', false],
  ['proto', 'enum', 'void', false],
  ['service', 'string', 'void', true],
  ['duration', 'interval', 'void', true],
  ['orig_bytes', 'count', 'void', true],
  ['resp_bytes', 'count', 'void', true],
  ['conn_state', 'string', 'void', true],
  ['local_orig', 'bool', 'void', true],
  ['local_resp', 'bool', 'void', true],
  ['missed_bytes', 'count', 'void', true],
  ['history', 'string', 'void', true],
  ['orig_pkts', 'count', 'void', true],
  ['orig_ip_bytes', 'count', 'void', true],
  ['resp_pkts', 'count', 'void', true],
  ['resp_ip_bytes', 'count', 'void', true],
  ['tunnel_parents', 'table', 'string', true],
];

/** Small deterministic PRNG (mulberry32) so every run benchmarks the same bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();
const UID = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function connBatch(records = 1000): LogBatch {
  const r = rng(42);
  const int = (n: number): number => Math.floor(r() * n);
  const fields: LogField[] = COLUMNS.map(([name, type, subtype, optional]) => ({
    name,
    type,
    subtype,
    optional,
  }));
  const out: LogRecord[] = [];
  for (let k = 0; k < records; k++) {
    const v6 = int(10) === 0;
    const addr = (): Uint8Array =>
      v6
        ? Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...Array.from({ length: 12 }, () => int(256))])
        : Uint8Array.from([10, int(256), int(256), int(256)]);
    const udp = int(3) === 0;
    const established = int(4) !== 0;
    const count = (n: number): LogElement => ({ type: 'count', value: BigInt(int(n)) });
    const str = (s: string): LogElement => ({ type: 'string', value: enc.encode(s) });
    out.push([
      { type: 'time', value: 1700000000 + k * 0.001234 + int(1000000) / 1e6 },
      str(`C${Array.from({ length: 17 }, () => UID[int(UID.length)]).join('')}`),
      { type: 'addr', value: addr() },
      { type: 'port', value: 1024 + int(64000), protocol: udp ? 'udp' : 'tcp' },
      { type: 'addr', value: addr() },
      { type: 'port', value: udp ? 53 : ([80, 443, 22, 8080][int(4)] ?? 80), protocol: udp ? 'udp' : 'tcp' },
      { type: 'enum', value: enc.encode(udp ? 'udp' : 'tcp') },
      established ? str(udp ? 'dns' : (['http', 'ssl', 'ssh'][int(3)] ?? 'http')) : null,
      established ? { type: 'interval', value: int(5000000) / 1e6 } : null,
      established ? count(100000) : null,
      established ? count(1000000) : null,
      str(established ? 'SF' : 'S0'),
      { type: 'bool', value: true },
      { type: 'bool', value: int(2) === 0 },
      { type: 'count', value: 0n },
      str(established ? 'ShADadFf' : 'S'),
      count(200),
      count(200000),
      count(200),
      count(2000000),
      null,
    ]);
  }
  return {
    header: { stream: 'Conn::LOG', writer: 'Log::WRITER_ASCII', filter: 'default', path: 'conn', fields },
    records: out,
  };
}
