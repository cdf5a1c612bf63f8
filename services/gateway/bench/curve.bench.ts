/**
 * `npm run bench:curve -w @zeek-relay/gateway [-- --json] [-- --quick]` — what CURVE costs the
 * gateway per Zeek event, in CPU (`process.cpuUsage()`), in one process with nothing else in it:
 *
 * 1. boxing: `CurveClient.seal` of the 4-frame `ping` event (bench/workload.ts's frame sizes),
 *    and the gateway's write path, its write stage (src/zmtp/seal-stage.ts: each event laid out,
 *    a write of WRITE events boxed at once and copied out), each against the anchor, libsodium's
 *    Salsa20 + Poly1305 alone for the same four boxes (the crypto floor: 7 Salsa20 blocks and 4
 *    Poly1305 per event);
 * 2. the read path: a stream of such events boxed by a libsodium-played server
 *    (test/helpers/curve-peer.ts), in 64 KiB reads through `CurveReader`, against the plaintext
 *    read path (`FrameReader`) on the same events unboxed, and against its crypto floor,
 *    libsodium's Salsa20 + Poly1305 verification alone for the same four boxes.
 *
 * Medians of 5 repetitions; ratios are subject / anchor (lower is better). The figures explain
 * bench:gateway's `--curve` ones (README, Benchmark).
 */
import { FrameReader, writeFrameHeader } from '@zeek-relay/zmtp';
import { CurveReader, MESSAGE_OVERHEAD, Sodium } from '@zeek-relay/zmtp/curve';
import { SealStage } from '../src/zmtp/seal-stage.js';
import { connected } from '../test/helpers/curve-peer.js';
import { FORMAT, SENDER, TOPIC, pingPayload } from './workload.js';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const EVENTS = quick ? 20_000 : 100_000;
const REPS = 5;
const FRAMES = [TOPIC, SENDER, FORMAT, pingPayload('curve-bench')];
const READ = 64 * 1024;
/** Events per write of the stage: about what one 64 KiB read from a client holds in bench:gateway. */
const WRITE = 190;

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const fmt = (n: number): string => n.toFixed(2);

/** µs of CPU per event of `run`, median of REPS fresh runs, each on what `prepare` made (not timed). */
function measure<T>(prepare: () => T, run: (t: T) => void): number {
  const us: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const input = prepare();
    const t = cpuUs();
    run(input);
    us.push((cpuUs() - t) / EVENTS);
  }
  return median(us);
}

/** The wire of `bodies`, each a plain frame (MORE on all but every 4th when `more`), in reads. */
function reads(bodies: Buffer[], more: boolean): Buffer[] {
  const parts = bodies.flatMap((b, i) => {
    const h = Buffer.alloc(9);
    return [h.subarray(0, writeFrameHeader(h, 0, more && i % 4 !== 3 ? 1 : 0, b.length)), b];
  });
  const wire = Buffer.concat(parts);
  const out: Buffer[] = [];
  for (let i = 0; i < wire.length; i += READ) out.push(Buffer.from(wire.subarray(i, i + READ)));
  return out;
}

function boxing(na: Sodium): { subject: number; stage: number; anchor: number } {
  const out = Buffer.allocUnsafe(READ);
  const subject = measure(
    () => connected(na).client,
    (client) => {
      let off = 0;
      for (let i = 0; i < EVENTS; i++) {
        if (off > READ - 512) off = 0;
        off = client.seal(out, off, FRAMES, false);
      }
      client.dispose();
    },
  );
  const stage = measure(
    () => {
      const client = connected(na).client;
      return { client, stage: new SealStage(na, client) };
    },
    ({ client, stage }) => {
      for (let i = 1; i <= EVENTS; i++) {
        stage.stage(FRAMES, false);
        if (i % WRITE === 0) stage.take();
      }
      stage.take();
      stage.dispose();
      client.dispose();
    },
  );
  // [tag 16][nonce 8][subkey 32][zeros 32 + the frame]: the calls seal() makes, nothing else.
  const p = na.alloc(88 + 1024);
  const anchor = measure(
    () => p,
    (at) => {
      for (let i = 0; i < EVENTS; i++)
        for (const f of FRAMES) na.sealWithSubkey(at, at + 56, f.length + 1, at + 16, at + 24);
    },
  );
  na.free(p);
  return { subject, stage, anchor };
}

/** The calls opening the four boxes makes (Sodium.openWithSubkey), nothing else, as for sealing. */
function openFloor(na: Sodium): number {
  // [tag 16][nonce 8][subkey 32][zeros 32 + the box][room for the opened]: random bytes, so no
  // tag matches; Poly1305 and the constant-time comparison of the tags do the same work anyway.
  const p = na.alloc(88 + 2048);
  const us = measure(
    () => p,
    (at) => {
      for (let i = 0; i < EVENTS; i++)
        for (const f of FRAMES) na.openWithSubkey(at + 1024, at + 56, f.length + 1, at, at + 16, at + 24);
    },
  );
  na.free(p);
  return us;
}

function reading(na: Sodium): { subject: number; anchor: number; floor: number } {
  const sink = { message: () => undefined, command: () => undefined, dropped: () => undefined };
  const subject = measure(
    () => {
      const { client, message } = connected(na);
      const bodies: Buffer[] = [];
      for (let i = 0; i < EVENTS; i++) FRAMES.forEach((f, j) => bodies.push(message(j < 3 ? 1 : 0, f)));
      return { client, chunks: reads(bodies, false), reader: new CurveReader(na, client, 1 << 20) };
    },
    ({ client, chunks, reader }) => {
      for (const c of chunks) reader.push(c, sink);
      reader.dispose();
      client.dispose();
    },
  );
  const plain = Array.from({ length: EVENTS }, () => FRAMES).flat();
  const anchor = measure(
    () => reads(plain, true),
    (chunks) => {
      const reader = new FrameReader(1 << 20);
      for (const c of chunks) reader.push(c, sink);
    },
  );
  return { subject, anchor, floor: openFloor(na) };
}

const na = await Sodium.load();
const seal = boxing(na);
const read = reading(na);
const lines = [
  `boxing (CurveClient.seal, 4 frames): ${fmt(seal.subject)} µs CPU per event; libsodium's Salsa20 + Poly1305 alone ${fmt(seal.anchor)} µs → ${fmt(seal.subject / seal.anchor)}×`,
  `boxing on the gateway's write path (its write stage, writes of ${WRITE} events): ${fmt(seal.stage)} µs CPU per event; libsodium's Salsa20 + Poly1305 alone ${fmt(seal.anchor)} µs → ${fmt(seal.stage / seal.anchor)}×`,
  `read path (CurveReader, ${READ / 1024} KiB reads): ${fmt(read.subject)} µs CPU per event; plaintext FrameReader ${fmt(read.anchor)} µs → ${fmt(read.subject / read.anchor)}×; libsodium's Salsa20 + Poly1305 verification alone ${fmt(read.floor)} µs → ${fmt(read.subject / read.floor)}×; MESSAGE overhead ${MESSAGE_OVERHEAD} bytes per frame`,
];
for (const l of lines) console.log(l);
if (json) {
  const result = (name: string, s: number, a: number, anchor: string) => ({
    name,
    subject: `${fmt(s)} µs CPU per event`,
    anchor: `${anchor} ${fmt(a)} µs`,
    unit: 'µs/event',
    ratio: s / a,
    goal: null,
    higherIsBetter: false,
  });
  console.log(
    JSON.stringify({
      results: [
        result('gateway.curve.seal_us', seal.subject, seal.anchor, "libsodium's Salsa20 + Poly1305 alone"),
        result('gateway.curve.stage_us', seal.stage, seal.anchor, "libsodium's Salsa20 + Poly1305 alone"),
        result('gateway.curve.read_us', read.subject, read.anchor, 'plaintext FrameReader'),
        result(
          'gateway.curve.read_crypto_us',
          read.subject,
          read.floor,
          "libsodium's Salsa20 + Poly1305 verification alone",
        ),
      ],
    }),
  );
}
