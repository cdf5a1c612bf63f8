/**
 * `npm run bench:curve-open -w @zeek-relay/log-sink [-- --json --batches N --runs N]`: what the
 * `zmtp` intake's CURVE read path costs per log batch beyond the decryption itself, in one
 * process. A CurveServer after a real handshake with a CurveClient; the client seals `--batches`
 * (150) 1000-record conn-like payloads as MESSAGE frames; the server's CurveReader is fed them in
 * 64 KiB reads (one new Buffer each, as Node's socket reads), with the sink's frame target (a free
 * lent buffer reused, as the render pool's steady state) and without one (the slab path: opened
 * into libsodium's memory, copied to a slab; the sink then copied it again into a pooled buffer,
 * not counted here). The anchor: sodium-native's `crypto_secretbox_open_easy` alone on a box of
 * the same size into a reused buffer. CPU µs per batch, medians of `--runs` (5) interleaved runs.
 */
import {
  CurveClient,
  CurveReader,
  CurveServer,
  Sodium,
  nativeSecretbox,
  type CurveSink,
} from '@zeek-relay/zmtp/curve';
import { parseCommand } from '@zeek-relay/zmtp';
import { loadavg } from 'node:os';
import { ASSEMBLE_MIN_BYTES } from '../src/sink.js';
import { connLikeBatch } from './conn-like-batch.js';

const args = process.argv.slice(2);
const num = (flag: string, dflt: number) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const BATCHES = num('--batches', 150);
const RUNS = Math.max(1, num('--runs', 5));
const READ = 64 * 1024;
/** The lent buffers' size class for a 352 KB batch. */
const LENT = 512 * 1024;

const na = await Sodium.load();
const native = nativeSecretbox();
if (native === undefined) throw new Error('sodium-native does not load here');
const payload = Buffer.from(connLikeBatch(1000));
const [serverPublic, serverSecret] = na.keyPair();
const [clientPublic, clientSecret] = na.keyPair();
/** PULL/PUSH metadata (the CurveServer does not check it; the connection does). */
const META = Buffer.from('\x0bSocket-Type\x00\x00\x00\x04PUSH', 'latin1');

/** A server and a client after a complete handshake. */
function connected(): { server: CurveServer; client: CurveClient } {
  const server = new CurveServer(na, { publicKey: serverPublic, secretKey: serverSecret });
  const client = new CurveClient(na, {
    serverKey: serverPublic,
    publicKey: clientPublic,
    secretKey: clientSecret,
  });
  const data = (body: Buffer) => parseCommand(body)?.data ?? Buffer.alloc(0);
  const initiate = client.welcome(data(server.hello(data(client.hello()))), META);
  server.initiate(data(initiate));
  client.ready(data(server.ready(META)));
  return { server, client };
}

/** The client's MESSAGE frames of BATCHES payloads, cut into 64 KiB reads (each its own Buffer). */
function reads(client: CurveClient): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = 0; i < BATCHES; i++) {
    const out = Buffer.allocUnsafe(payload.length + 200);
    frames.push(out.subarray(0, client.seal(out, 0, [payload], false)));
  }
  const wire = Buffer.concat(frames);
  const out: Buffer[] = [];
  for (let off = 0; off < wire.length; off += READ) out.push(Buffer.from(wire.subarray(off, off + READ)));
  return out;
}

/** CPU µs per batch of CurveReader.push, with or without the frame target. */
function reader(withTarget: boolean): number {
  const { server, client } = connected();
  const input = reads(client);
  const free: Buffer[] = [];
  const target = {
    minBytes: ASSEMBLE_MIN_BYTES,
    allocate: (n: number) => (free.pop() ?? Buffer.allocUnsafeSlow(LENT)).subarray(0, n),
  };
  const r = new CurveReader(na, server, 1 << 24, native, withTarget ? target : undefined);
  let got = 0;
  let last: Buffer | undefined;
  const sink: CurveSink = {
    message: (f) => {
      got++;
      last = f[0];
      if (withTarget) free.push(Buffer.from(f[0]!.buffer, 0, LENT));
    },
    command: () => undefined,
  };
  const t0 = process.cpuUsage();
  for (const b of input) r.push(b, sink);
  const t = process.cpuUsage(t0);
  if (got !== BATCHES || !last?.equals(payload)) throw new Error('batches lost or not the payload');
  r.dispose();
  server.dispose();
  client.dispose();
  return (t.user + t.system) / BATCHES;
}

/** CPU µs per batch of the open alone: a box of the same size, opened into a reused buffer. */
function bare(): number {
  const key = Buffer.alloc(32, 1);
  const nonce = Buffer.alloc(24, 2);
  const box = na.secretboxEasy(key, nonce, Buffer.concat([Buffer.from([0]), payload]));
  const out = Buffer.allocUnsafeSlow(LENT).subarray(0, box.length - 16);
  const t0 = process.cpuUsage();
  for (let i = 0; i < BATCHES; i++)
    if (!native!.secretboxOpenEasy(out, box, nonce, key)) throw new Error('box does not open');
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / BATCHES;
}

const runs = { target: [] as number[], slab: [] as number[], bare: [] as number[] };
const before = loadavg().map((l) => l.toFixed(1));
bare(); // warm-up
reader(true);
reader(false);
for (let i = 0; i < RUNS; i++) {
  runs.bare.push(bare());
  runs.target.push(reader(true));
  runs.slab.push(reader(false));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const [t, s, b] = [median(runs.target), median(runs.slab), median(runs.bare)];
console.log(
  `CURVE read path per ${payload.length} B batch (1000 records), ${BATCHES} batches in 64 KiB reads, median of ${RUNS} interleaved runs; load ${before.join(' ')} → ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
const line = (name: string, us: number, all: number[]) =>
  console.log(
    `  ${name.padEnd(44)} ${us.toFixed(0).padStart(5)} µs/batch (${(us / 1000).toFixed(3)} µs/record)   runs: ${all.map((x) => x.toFixed(0)).join(' ')}`,
  );
line('sodium-native open alone (the anchor)', b, runs.bare);
line('CurveReader, opened into the lent buffer', t, runs.target);
line('CurveReader, slab path (no target)', s, runs.slab);
const results = (
  [
    ['CurveReader into lent buffer vs open alone', t],
    ['CurveReader slab path vs open alone', s],
  ] as const
).map(([name, us]) => ({
  name,
  subject: us,
  anchor: b,
  unit: 'CPU µs/batch',
  ratio: us / b,
  goal: null,
  higherIsBetter: false,
}));
for (const r of results) console.log(`  ${r.name.padEnd(44)} ${r.ratio.toFixed(2)}× (info)`);
if (args.includes('--json')) console.log(JSON.stringify({ results }));
