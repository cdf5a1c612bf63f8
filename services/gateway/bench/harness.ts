/**
 * Child process of gateway.bench.ts: everything that is not the subject — the hub (a
 * `zeek-relay-hub` process of its own, with its default forwarding), a publishing "Zeek node", a
 * counting subscriber node, and the WebSocket clients. Keeps the gateway (or the bare ws anchor)
 * alone in the parent process, so the parent's CPU time is the subject's. Commands arrive over
 * IPC; each answers with one message.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { XPublisher, XSubscriber } from 'zeromq';
import { FORMAT, SENDER, TOPIC, pingJson, pingPayload } from './workload.js';

type Cmd =
  | { cmd: 'connect'; url: string; n: number; subs: string[] }
  | { cmd: 'fanout'; m: number; viaHub: boolean }
  | { cmd: 'latency'; rate: number; seconds: number; viaHub: boolean }
  | { cmd: 'inbound'; k: number; viaHub: boolean }
  | { cmd: 'disconnect' }
  | { cmd: 'exit' };

const send = (m: Record<string, unknown>): void => void process.send?.(m);

/**
 * `ZR_BENCH_CURVE` (set by `gateway.bench.ts --curve`): JSON `{ server: {publicKey, secretKey},
 * client: {publicKey, secretKey} }`. The hub is a CURVE server with the client key on its
 * allow-list; every node and the gateway are CURVE clients with that key.
 */
interface KeyPair {
  publicKey: string;
  secretKey: string;
}
const curveKeys = process.env['ZR_BENCH_CURVE']
  ? (JSON.parse(process.env['ZR_BENCH_CURVE']) as { server: KeyPair; client: KeyPair })
  : undefined;
const curveClient = curveKeys
  ? {
      curveServerKey: curveKeys.server.publicKey,
      curvePublicKey: curveKeys.client.publicKey,
      curveSecretKey: curveKeys.client.secretKey,
    }
  : {};
/** The hub's process entry (services/hub, built by `npm run bench:gateway`'s build step). */
const HUB_MAIN = fileURLToPath(new URL('../../../hub/dist/src/main.js', import.meta.url));

const nowMs = (): number => performance.timeOrigin + performance.now();

const payload = pingPayload;

if (process.argv[2] === 'publisher') await publisherRole(process.argv[3] as string);

/**
 * `harness.js publisher <hub xsub>`: the publishing Zeek node in its own process, so that in the
 * fan-out runs the clients' process does nothing but receive (as in the anchor runs).
 */
async function publisherRole(endpoint: string): Promise<never> {
  const xpub = new XPublisher({ linger: 0, noDrop: true, sendHighWaterMark: 10000, ...curveClient });
  xpub.verbosity = 'allSubs';
  xpub.connect(endpoint);
  // Subscriptions seen per prefix: a run waits for its own (see native-pub.c).
  const seen = new Map<string, number>();
  void (async () => {
    for await (const [f] of xpub) {
      if (f?.[0] !== 1) continue;
      const prefix = f.toString('latin1', 1);
      seen.set(prefix, (seen.get(prefix) ?? 0) + 1);
    }
  })();
  process.on('message', (m: { m: number; prefix: string; want: number }) => {
    void (async () => {
      while ((seen.get(m.prefix) ?? 0) < m.want) await new Promise((r) => setTimeout(r, 1));
      const p = payload('fan-out');
      for (let i = 0; i < m.m; i++) {
        for (;;) {
          try {
            await xpub.send([TOPIC, SENDER, FORMAT, p]);
            break;
          } catch (err) {
            if ((err as { code?: unknown }).code !== 'EAGAIN') throw err;
            await new Promise((r) => setImmediate(r));
          }
        }
      }
      send({ published: m.m });
    })();
  });
  send({ ready: true });
  return new Promise<never>(() => undefined);
}

const hub = await startHub();
process.on('exit', () => hub.kill());

const pub = new XPublisher({ linger: 0, noDrop: true, sendHighWaterMark: 10000, ...curveClient });
pub.connect(hub.xsub);
const nativeEnv = curveKeys
  ? {
      ...process.env,
      ZR_CURVE_SERVER_KEY: curveKeys.server.publicKey,
      ZR_CURVE_PUBLIC_KEY: curveKeys.client.publicKey,
      ZR_CURVE_SECRET_KEY: curveKeys.client.secretKey,
    }
  : process.env;

const native = buildNative();
const publisher = await startPublisher(hub.xsub);
const counting = await startCounter(hub.xpub);
// Both native nodes run: their executable is no longer needed (and leaves nothing in /tmp).
if (native !== undefined) rmSync(native, { force: true });

/**
 * The hub as it runs in a cluster: a `zeek-relay-hub` process (no code of it is imported: services
 * never import services) on ephemeral loopback ports, with its default `forwarding`, and
 * `slowSubscriber=block` (libzmq's XPUB_NODROP: a full subscriber pipe stops the publishers
 * instead of dropping, so that every run can count what arrived and assert zero loss). With CURVE
 * the client key is on its allow-list. Its `Hub started` log line says which forwarding it runs.
 */
async function startHub(): Promise<{
  xsub: string;
  xpub: string;
  forwarding: string;
  pid: number | undefined;
  kill(): void;
  close(): Promise<void>;
}> {
  if (!existsSync(HUB_MAIN))
    throw new Error(`${HUB_MAIN} is missing: build the hub (npx tsc -b services/hub)`);
  const child = spawn(process.execPath, [HUB_MAIN], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ZR_HUB_BIND_ADDRESS: '127.0.0.1',
      ZR_HUB_XPUB_PORT: '0',
      ZR_HUB_XSUB_PORT: '0',
      ZR_HUB_HTTP_HOST: '127.0.0.1',
      ZR_HUB_HTTP_PORT: '0',
      ZR_HUB_SLOW_SUBSCRIBER: 'block',
      ZR_HUB_LOG_LEVEL: 'info',
      ...(curveKeys
        ? {
            ZR_HUB_CURVE_SERVER_SECRET_KEY: curveKeys.server.secretKey,
            ZR_HUB_CURVE_CLIENT_PUBLIC_KEYS: curveKeys.client.publicKey,
          }
        : {}),
    },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the hub exited with ${code} before it started`)));
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (!l.startsWith('{')) return;
      const rec = JSON.parse(l) as Record<string, unknown>;
      if (rec['msg'] === 'Hub started') resolve(rec);
    });
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return {
    xsub: String(started['xsub']),
    xpub: String(started['xpub']),
    forwarding: String(started['forwarding']),
    pid: child.pid,
    kill,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Builds bench/native-pub.c; undefined (and one line on stderr saying why) when it cannot. */
function buildNative(): string | undefined {
  // One per run: two benchmarks started together (e.g. on two branches) must not build into the
  // same file while the other starts it (a half-written executable killed a run's publisher).
  const exe = join(tmpdir(), `zeek-relay-bench-native-pub-${process.pid}`);
  try {
    execFileSync(
      'cc',
      ['-O2', '-o', exe, fileURLToPath(new URL('../../bench/native-pub.c', import.meta.url)), '-lzmq'],
      { stdio: 'pipe' },
    );
    return exe;
  } catch (err) {
    process.stderr.write(`${nativeMissing(err)}\n`);
    return undefined;
  }
}

/** The publishing node: native (C, libzmq) when it can be built here, else a JavaScript process. */
async function startPublisher(endpoint: string): Promise<{
  kind: string;
  pid: number | undefined;
  /** Publishes `m` events once the `want`-th subscription to `prefix` reached the node. */
  publish(m: number, prefix: string, want: number): void;
  close(): void;
}> {
  if (native !== undefined) {
    const child = spawn(
      native,
      [endpoint, TOPIC.toString(), SENDER.toString(), payload('fan-out').toString('hex')],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: nativeEnv,
      },
    );
    await new Promise((r) => child.stdout.once('data', r));
    return {
      kind: 'native',
      pid: child.pid,
      publish: (m, prefix, want) => child.stdin.write(`${m} ${prefix} ${want}\n`),
      close: () => child.kill(),
    };
  }
  const child = fork(fileURLToPath(import.meta.url), ['publisher', endpoint], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((r) => child.once('message', r));
  return {
    kind: 'javascript',
    pid: child.pid,
    publish: (m, prefix, want) => child.send({ m, prefix, want }),
    close: () => child.kill(),
  };
}

/**
 * The counting node of the WebSocket → cluster runs (4-frame messages under `/bench/in`, running
 * total): native when built (a zeromq.js subscriber in this process costs ≈ 4.5 µs per event and
 * was the bottleneck of that part's wall-clock rate), else zeromq.js here.
 */
async function startCounter(
  endpoint: string,
): Promise<{ pid: number | undefined; count(): number; close(): void }> {
  if (native !== undefined) {
    const child = spawn(native, ['count', endpoint, '/bench/in'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: nativeEnv,
    });
    let total = 0;
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve) => {
      lines.on('line', (l) => {
        if (l === 'ready') resolve();
        else total = Number(l);
      });
    });
    return { pid: child.pid, count: () => total, close: () => child.kill() };
  }
  const counter = new XSubscriber({ linger: 0, receiveHighWaterMark: 100000, ...curveClient });
  counter.connect(endpoint);
  await counter.send(Buffer.from('\x01/bench/in', 'latin1'));
  let total = 0;
  void (async () => {
    for await (const frames of counter) if (frames.length === 4) total++;
  })();
  // In this process: its CPU time is part of the harness's own.
  return { pid: undefined, count: () => total, close: () => counter.close() };
}

/** One line saying why the native publisher could not be built, and what runs instead. */
function nativeMissing(err: unknown): string {
  const stderr = String((err as { stderr?: unknown }).stderr ?? '');
  const cause =
    (err as { code?: unknown }).code === 'ENOENT'
      ? 'no C compiler (cc)'
      : /zmq\.h/.test(stderr)
        ? "libzmq's headers are missing (Debian: apt-get install libzmq3-dev)"
        : (stderr.split('\n').find((l) => /error/i.test(l)) ?? String(err).split('\n')[0]);
  return `bench:gateway: native publishing and counting nodes not built: ${cause}; using JavaScript (zeromq.js) ones instead, which may limit the fan-out and WebSocket → cluster wall-clock rates`;
}

/**
 * Waits until `count()` reaches `total`, or stops growing for `stallMs` (then the rest is lost):
 * the benchmark reports and asserts the loss instead of hanging on it. Before the first arrival
 * it waits `firstMs`: on a loaded machine the start (subscriptions reaching the publisher, CURVE
 * handshakes of a starved process) alone took more than 5 s, and a whole run was counted lost.
 */
async function settle(count: () => number, total: number, stallMs = 5000, firstMs = 60_000): Promise<number> {
  let last = -1;
  let since = nowMs();
  while (count() < total) {
    const n = count();
    if (n !== last) {
      last = n;
      since = nowMs();
    } else if (nowMs() - since > (n === 0 ? firstMs : stallMs)) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  return count();
}

/** CPU seconds (user + system, all threads) of process `pid` so far; NaN where /proc is not readable. */
function procCpu(pid: number | undefined, file = `/proc/${pid}/stat`): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
    const stat = readFileSync(file, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ: the unit of /proc/<pid>/stat times (100 on Linux builds that matter here). */
const CLOCK_TICKS = 100;

/**
 * CPU time of the bench's own pieces over one run: this process (the clients; libzmq's threads of
 * the in-process publisher of the latency part), the hub, the publishing node and the counting
 * node (their own processes, all threads).
 */
function cpuMeter(): () => {
  harness: number;
  clients: number;
  hub: number;
  publisher: number;
  counter: number;
} {
  const own = process.cpuUsage();
  // This process's JavaScript thread (its task id is the pid): the clients.
  const mainThread = (): number => procCpu(process.pid, `/proc/${process.pid}/task/${process.pid}/stat`);
  const main0 = mainThread();
  const hub0 = procCpu(hub.pid);
  const pub0 = procCpu(publisher.pid);
  const cnt0 = procCpu(counting.pid);
  return () => {
    const d = process.cpuUsage(own);
    return {
      harness: (d.user + d.system) / 1e6,
      clients: mainThread() - main0,
      hub: procCpu(hub.pid) - hub0,
      publisher: procCpu(publisher.pid) - pub0,
      counter: procCpu(counting.pid) - cnt0,
    };
  };
}

/**
 * A real WebSocket client's sending side made cheap: after ws's real handshake, `count` copies of
 * the text message leave as valid client frames (FIN, text, MASK with a fresh random key per
 * frame, RFC 6455 sections 5.2 and 5.3), built {@link BURST} at a time into one buffer and written to the
 * client's TCP socket with one write, waiting for `drain` when the kernel does not take a whole
 * burst. ws's own `send` costs about as much per message as the gateway does per event (a frame
 * object, a mask buffer, two socket writes) and was a third of this part's pipeline; any client
 * that has many messages at hand can write them this way.
 */
async function sendBursts(ws: WebSocket, message: Buffer, count: number): Promise<void> {
  // ws keeps its net.Socket private; nothing else is written on it meanwhile.
  const socket = (ws as unknown as { _socket: Socket })._socket;
  for (let i = 0; i < count; i += BURST) {
    const burst = maskedFrames(message, Math.min(BURST, count - i));
    if (!socket.write(burst)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    } else await new Promise((r) => setImmediate(r));
  }
}
/** Messages per write of a sending client. */
const BURST = 256;

type Mask = (source: Buffer, key: Buffer, output: Buffer, offset: number, length: number) => void;
/**
 * bufferutil's native masking (ws's optional companion, as ws masks); where npm skipped it (no
 * prebuilt binary, no compiler), the same XOR in JavaScript.
 */
const mask: Mask = (() => {
  try {
    return (createRequire(import.meta.url)('bufferutil') as { mask: Mask }).mask;
  } catch {
    return (source, key, output, offset, length) => {
      for (let i = 0; i < length; i++) output[offset + i] = (source[i] as number) ^ (key[i & 3] as number);
    };
  }
})();

/** `count` masked client text frames of `message`, back to back. */
function maskedFrames(message: Buffer, count: number): Buffer {
  const n = message.length;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = 2 + lengthBytes + 4;
  const size = head + n;
  const out = Buffer.allocUnsafe(size * count);
  const keys = randomFillSync(Buffer.allocUnsafe(4 * count));
  for (let f = 0, off = 0; f < count; f++, off += size) {
    out[off] = 0x81; // FIN, text
    if (lengthBytes === 0) out[off + 1] = 0x80 | n;
    else if (lengthBytes === 2) {
      out[off + 1] = 0x80 | 126;
      out.writeUInt16BE(n, off + 2);
    } else {
      out[off + 1] = 0x80 | 127;
      out.writeBigUInt64BE(BigInt(n), off + 2);
    }
    const key = keys.subarray(4 * f, 4 * f + 4);
    out.set(key, off + head - 4);
    mask(message, key, out, off + head, n);
  }
  return out;
}

let clients: WebSocket[] = [];
/** Fan-out runs through the gateway so far: each subscribed `/bench/out/` once at the hub. */
let hubFanouts = 0;
let onMessage: (data: Buffer) => void = () => {};

/** Publishes `frames` at the hub, retrying while the NODROP pipe is full. */
async function publish(frames: Buffer[]): Promise<void> {
  for (;;) {
    try {
      return await pub.send(frames);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EAGAIN') throw err;
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

async function handle(c: Cmd): Promise<void> {
  switch (c.cmd) {
    case 'connect': {
      clients = await Promise.all(
        Array.from(
          { length: c.n },
          () =>
            new Promise<WebSocket>((resolve, reject) => {
              const ws = new WebSocket(c.url, { perMessageDeflate: false });
              ws.once('error', reject);
              ws.once('open', () => ws.send(JSON.stringify(c.subs)));
              ws.once('message', () => {
                ws.on('message', (d) => onMessage(d as Buffer));
                resolve(ws);
              });
            }),
        ),
      );
      send({ ok: true });
      return;
    }
    case 'fanout': {
      // Every client must receive all m events; time from start to the last delivery.
      const total = clients.length * c.m;
      let got = 0;
      let lastAt = 0;
      let sample: string | undefined;
      onMessage = (d) => {
        sample ??= d.toString('utf8');
        got++;
        lastAt = nowMs();
      };
      const start = nowMs();
      const meter = cpuMeter();
      // Each run through the gateway subscribed the prefix afresh (one subscription per run).
      if (c.viaHub) publisher.publish(c.m, '/bench/out/', ++hubFanouts);
      else send({ go: true });
      const delivered = await settle(() => got, total);
      const seconds = (lastAt - start) / 1000;
      send({ ok: true, seconds, deliveries: delivered, lost: total - delivered, sample, cpu: meter() });
      return;
    }
    case 'latency': {
      const lat: number[] = [];
      const n = Math.round(c.rate * c.seconds);
      let got = 0;
      const total = n * clients.length;
      const done = new Promise<void>((resolve) => {
        onMessage = (d) => {
          const s = d.toString('latin1');
          const i = s.indexOf('t=');
          lat.push(nowMs() - Number(s.slice(i + 2, s.indexOf(';', i))));
          if (++got === total) resolve();
        };
      });
      if (c.viaHub) {
        const t0 = nowMs();
        for (let k = 0; k < n; k++) {
          const due = t0 + (k * 1000) / c.rate;
          while (nowMs() < due) await new Promise((r) => setTimeout(r, 1));
          await publish([TOPIC, SENDER, FORMAT, payload(`t=${nowMs().toFixed(3)};`)]);
        }
      } else send({ go: true });
      await done;
      // Medians of the first and the last third in arrival order: a queue that grows shows here.
      const third = Math.floor(lat.length / 3);
      const median = (a: number[]): number | undefined => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
      const [first, last] = [median(lat.slice(0, third)), median(lat.slice(-third))];
      median(lat);
      send({
        ok: true,
        p50: lat[Math.floor(lat.length * 0.5)],
        p99: lat[Math.floor(lat.length * 0.99)],
        first,
        last,
      });
      return;
    }
    case 'inbound': {
      // k events spread over the clients, as fast as their sockets take them.
      const base = counting.count();
      const frame = Buffer.from(pingJson('/bench/in', 'inbound'));
      send({ started: true });
      const per = Math.ceil(c.k / clients.length);
      const start = nowMs();
      const meter = cpuMeter();
      await Promise.all(clients.map((ws) => sendBursts(ws, frame, per)));
      const total = per * clients.length;
      // Through the gateway the run ends when the hub delivered them all to the counting node;
      // the anchor (a bare ws server) counts them itself.
      const arrived = c.viaHub ? await settle(() => counting.count() - base, total) : total;
      send({
        ok: true,
        seconds: (nowMs() - start) / 1000,
        total: arrived,
        lost: total - arrived,
        cpu: meter(),
      });
      return;
    }
    case 'disconnect':
      await Promise.all(
        clients.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              ws.once('close', () => resolve());
              ws.close(1000);
            }),
        ),
      );
      clients = [];
      send({ ok: true });
      return;
    case 'exit':
      publisher.close();
      counting.close();
      pub.close();
      await hub.close();
      send({ ok: true });
      process.exit(0);
  }
}

process.on('message', (m) => void handle(m as Cmd).catch((err: unknown) => send({ error: String(err) })));
send({
  ready: true,
  hub: { xsub: hub.xsub, xpub: hub.xpub, forwarding: hub.forwarding },
  publisher: publisher.kind,
});
export {};
