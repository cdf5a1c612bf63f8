/**
 * A deterministic 1000-record batch with the 19 conn.log-like columns of the captured Zeek 8.0.10
 * batch (`conn-like-two-records`): the "conn-like" records of the benchmark.
 */
import { decodeLogBatch, encodeLogBatch, type LogElement, type LogRecord } from '@zeek-relay/wire';
import { readJsonFixture } from '@zeek-relay/fixtures';

const enc = new TextEncoder();
const UID = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The encoded batch (frame 3), `records` conn-like records. */
export function connLikeBatch(records = 1000): Uint8Array {
  const vectors = readJsonFixture<{ vectors: { name: string; hex: string }[] }>(
    'zeek-8.0',
    'captured',
    'log-batches.json',
  );
  const captured = vectors.vectors.find((v) => v.name === 'conn-like-two-records');
  if (!captured) throw new Error('fixture conn-like-two-records missing');
  const { header } = decodeLogBatch(Buffer.from(captured.hex, 'hex'));
  const r = rng(7);
  const int = (n: number) => Math.floor(r() * n);
  const str = (s: string): LogElement => ({ type: 'string', value: enc.encode(s) });
  const out: LogRecord[] = [];
  for (let k = 0; k < records; k++) {
    const v6 = int(10) === 0;
    const addr = () =>
      v6
        ? Uint8Array.from([0x20, 1, 0x0d, 0xb8, ...Array.from({ length: 12 }, () => int(256))])
        : Uint8Array.from([10, int(256), int(256), int(256)]);
    const udp = int(3) === 0;
    const ok = int(4) !== 0;
    out.push([
      { type: 'time', value: 1700000000 + k * 0.001234 + int(1000000) / 1e6 },
      str(`C${Array.from({ length: 17 }, () => UID[int(UID.length)]).join('')}`),
      { type: 'addr', value: addr() },
      { type: 'port', value: 1024 + int(64000), protocol: udp ? 'udp' : 'tcp' },
      { type: 'addr', value: addr() },
      { type: 'port', value: udp ? 53 : 443, protocol: udp ? 'udp' : 'tcp' },
      { type: 'enum', value: enc.encode(udp ? 'udp' : 'tcp') },
      ok ? str(udp ? 'dns' : 'ssl') : null,
      ok ? { type: 'interval', value: int(5000000) / 1e6 } : null,
      ok ? { type: 'count', value: BigInt(int(100000)) } : null,
      str(ok ? 'SF' : 'S0'),
      { type: 'bool', value: int(2) === 0 },
      { type: 'count', value: 0n },
      str(ok ? 'ShADadFf' : 'S'),
      { type: 'table', value: [] },
      ok ? { type: 'subnet', value: Uint8Array.from([10, int(256), 0, 0]), prefix: 112 } : null,
      { type: 'double', value: int(1000) / 8 },
      { type: 'int', value: BigInt(int(200) - 100) },
      { type: 'vector', value: ok ? [str('a'), str('b')] : [] },
    ]);
  }
  return encodeLogBatch({ header, records: out });
}
