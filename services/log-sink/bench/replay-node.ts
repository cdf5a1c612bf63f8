/**
 * `--replay-nodes` (with `--curve`): an emulated Zeek node whose CPU in the timed window is
 * little more than writing bytes, so the sink's CURVE rate can be measured without the nodes'
 * encryption taking the sink's cores (in production the nodes run on other machines). It is NOT
 * libzmq: it speaks ZMTP 3.1 as a PUSH socket with `@zeek-relay/zmtp`'s CurveClient, does the
 * CURVE handshake live with the sink (HELLO, WELCOME, INITIATE with its socket type and Identity,
 * READY), then, still before "go", seals `count` copies of the same 4-frame log message a libzmq
 * node would send (`encodeLogFrames`: one MESSAGE box per frame, nonces increasing) into memory.
 * On "go" it writes them (respecting the socket's backpressure) and ends the connection. The
 * IPC protocol is push-node.ts's: "ready", then "go", then "report" → `{ cpuUs }` and exit.
 * argv: endpoint count nodeName; ZR_BENCH_CURVE (JSON: serverKey, publicKey, secretKey; Z85).
 */
import { connect, type Socket } from 'node:net';
import {
  FrameReader,
  GREETING_LENGTH,
  buildGreeting,
  frameHeaderLength,
  parseCommand,
  parseZ85Key,
  writeFrameHeader,
} from '@zeek-relay/zmtp';
import { CurveClient, Sodium, sealedLength } from '@zeek-relay/zmtp/curve';
import { encodeLogFrames } from '@zeek-relay/wire';
import { connLikeBatch } from './conn-like-batch.js';

const [endpoint = '', countText = '0', name = 'worker'] = process.argv.slice(2);
const keysText = process.env.ZR_BENCH_CURVE;
if (keysText === undefined) throw new Error('replay-node needs ZR_BENCH_CURVE');
const z85 = JSON.parse(keysText) as { serverKey: string; publicKey: string; secretKey: string };
const key = (text: string) => {
  const k = parseZ85Key(text);
  if (k === undefined) throw new Error('replay-node: a key is not 40 Z85 characters');
  return Buffer.from(k);
};
const url = new URL(endpoint);
const na = await Sodium.load();
const curve = new CurveClient(na, {
  serverKey: key(z85.serverKey),
  publicKey: key(z85.publicKey),
  secretKey: key(z85.secretKey),
});

/** The INITIATE metadata of a PUSH socket: `Socket-Type` = `PUSH` (name octet-sized, value 4 octets). */
const PUSH_METADATA = Buffer.concat([
  Buffer.from([11]),
  Buffer.from('Socket-Type', 'latin1'),
  Buffer.from([0, 0, 0, 4]),
  Buffer.from('PUSH', 'latin1'),
]);

/** One command frame on the wire (flags COMMAND, short or long header). */
function commandFrame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderLength(body.length) + body.length);
  body.copy(out, writeFrameHeader(out, 0, 4, body.length));
  return out;
}

/** The handshake: our greeting, the server's, then HELLO → WELCOME, INITIATE → READY. */
async function handshake(socket: Socket): Promise<void> {
  socket.write(buildGreeting('CURVE', false));
  const commands: Buffer[] = [];
  let wake: (() => void) | undefined;
  const reader = new FrameReader(1 << 20);
  let greeting = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    if (greeting.length < GREETING_LENGTH) {
      greeting = Buffer.concat([greeting, chunk]);
      if (greeting.length < GREETING_LENGTH) return;
      chunk = greeting.subarray(GREETING_LENGTH);
    }
    reader.push(chunk, {
      message: () => undefined,
      command: (b) => commands.push(b),
      dropped: () => undefined,
    });
    wake?.();
  });
  const next = async (): Promise<Buffer> => {
    while (commands.length === 0) await new Promise<void>((r) => (wake = r));
    return commands.shift() as Buffer;
  };
  socket.write(commandFrame(curve.hello()));
  const welcome = parseCommand(await next());
  if (welcome?.name !== 'WELCOME') throw new Error(`replay-node: expected WELCOME, got ${welcome?.name}`);
  socket.write(commandFrame(curve.welcome(welcome.data, PUSH_METADATA)));
  const ready = parseCommand(await next());
  if (ready?.name !== 'READY') throw new Error(`replay-node: expected READY, got ${ready?.name}`);
  curve.ready(ready.data);
  // The sink sends nothing more a PUSH node must read (no heartbeats in the benchmark).
  socket.removeAllListeners('data');
  socket.resume();
}

const socket = connect(Number(url.port), url.hostname.replace(/^\[|\]$/g, ''));
await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
socket.setNoDelay(true);
await handshake(socket);
// Sealed ahead of the timed window: each copy is its own 4 MESSAGEs with fresh nonces.
const frames = encodeLogFrames(
  new TextEncoder().encode(`zeromq_${name}_bench_${process.pid}_N1`),
  connLikeBatch(1000),
);
const count = Number(countText);
const sealed: Buffer[] = [];
for (let i = 0; i < count; i++) {
  const out = Buffer.allocUnsafe(sealedLength(frames));
  sealed.push(out.subarray(0, curve.seal(out, 0, frames, false)));
}
process.send?.({ ready: true });
let cpu0 = process.cpuUsage();
process.on('message', async (m: string) => {
  if (m === 'go') {
    cpu0 = process.cpuUsage();
    for (const b of sealed)
      if (!socket.write(b)) await new Promise<void>((r) => socket.once('drain', () => r()));
    sealed.length = 0;
  } else {
    // 'report': the receiver has every batch.
    const cpu = process.cpuUsage(cpu0);
    process.send?.({ cpuUs: cpu.user + cpu.system });
    socket.end();
    curve.dispose();
    process.disconnect();
  }
});
