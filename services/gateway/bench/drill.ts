/**
 * The gateway SIGKILL drill (issue #15, "Fault drills"): a gateway process with N WebSocket
 * clients of @zeek-relay/client attached is killed with SIGKILL while an emulated Zeek node keeps
 * publishing numbered events through a Zeek-style hub; a replacement gateway process is started on
 * the same port (what Kubernetes does with the pod's container). Every client must reconnect with
 * its own backoff, resubscribe, and receive events published after the restart; what each client
 * queued while disconnected must reach the node. Reports what was lost and how long recovery took.
 *
 * `runDrill` is used by test/drill.test.ts (fewer clients) and by `npm run drill:gateway -w
 * @zeek-relay/gateway` (this file as a script, 1000 clients by default, `--clients=N`), which prints
 * the report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '@zeek-relay/test-support';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ZeekClient, data } from '@zeek-relay/client';
import { decodeBrokerData, dataToEvent, encodeEvent } from '@zeek-relay/wire';
import { XPublisher, XSubscriber } from 'zeromq';
import { startTestHub, type TestHub } from '../test/helpers/hub.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const TOPIC = '/drill/tick';
const NODE_ID = 'zeromq_manager_drill-host_1_Ndrill';

/** What the drill measured. Times are milliseconds after the SIGKILL. */
export interface DrillReport {
  clients: number;
  /** The replacement process said it was listening. */
  replacementListeningMs: number;
  /** Every client had its new ack (reconnected and resubscribed): median and last. */
  reconnectedMs: { p50: number; max: number };
  /** Every client had received an event published after the restart: median and last. */
  flowingMs: { p50: number; max: number };
  /** Events the node published while each client was away, summed over the clients; per client max. */
  eventsMissed: { total: number; maxPerClient: number };
  /** Events the node published from the kill to the end of the drill. */
  published: number;
  /** Events the clients published while disconnected (queued by the SDK), and how many the node got. */
  queuedByClients: number;
  queuedDelivered: number;
  /** Connections lost again after the reconnect (by close code and reason): none expected. */
  laterDisconnects: Record<string, number>;
  /** Reconnect attempts that failed (the replacement was not up yet), over all clients. */
  failedAttempts: number;
  load: string;
}

/** A gateway process; resolves once it logged that it started (listening). */
async function startGateway(port: number, hub: TestHub, maxClients: number) {
  const child = spawn(process.execPath, [MAIN], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ZR_GATEWAY_HOST: '127.0.0.1',
      ZR_GATEWAY_PORT: String(port),
      ZR_GATEWAY_HEALTH_PORT: '-1',
      ZR_GATEWAY_CONNECT_XPUB_ENDPOINT: hub.xsubEndpoint,
      ZR_GATEWAY_CONNECT_XSUB_ENDPOINT: hub.xpubEndpoint,
      ZR_GATEWAY_MAX_CLIENTS: String(maxClients + 100),
      ZR_GATEWAY_LOG_LEVEL: 'info',
    },
  });
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before it started`)));
    lines.on('line', (l) => {
      if (l.includes('started')) resolve();
    });
  });
  child.removeAllListeners('exit');
  return child;
}

/** The emulated Zeek node: publishes numbered `ping(seq)` events, counts client events. */
class Node {
  readonly #xpub = new XPublisher({ linger: 0, noDrop: true });
  readonly #xsub = new XSubscriber({ linger: 0 });
  seq = 0;
  fromClients = 0;
  #subscribed = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #loops: Promise<void>[] = [];

  constructor(hub: TestHub) {
    this.#xpub.connect(hub.xsubEndpoint);
    this.#xsub.connect(hub.xpubEndpoint);
    this.#loops.push(this.#readSubs(), this.#readEvents());
  }

  async start(everyMs: number): Promise<void> {
    await this.#xsub.send(Buffer.from('\x01/drill/from-client', 'latin1'));
    const tick = async (): Promise<void> => {
      if (this.#subscribed) {
        const payload = encodeEvent({ name: 'ping', args: [data.count(++this.seq)] });
        const frames = [TOPIC, NODE_ID, 'broker-bin-v1', payload].map((f) => Buffer.from(f));
        await this.#xpub.send(frames).catch(() => undefined);
      }
      this.#timer = setTimeout(() => void tick(), everyMs);
    };
    void tick();
  }

  async #readSubs(): Promise<void> {
    for await (const [f] of this.#xpub)
      if (f?.[0] === 1 && TOPIC.startsWith(f.toString('latin1', 1))) this.#subscribed = true;
  }

  async #readEvents(): Promise<void> {
    for await (const frames of this.#xsub) {
      const ev = dataToEvent(decodeBrokerData(frames[3] as Buffer));
      if (ev.name === 'queued') this.fromClients++;
      notify();
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#xpub.close();
    this.#xsub.close();
    await Promise.allSettled(this.#loops);
  }
}

/** One drill client's record. */
interface Tracked {
  client: ZeekClient;
  /** Between its disconnect and its first event after reconnecting. */
  away: boolean;
  /** Highest seq received before the kill, first seq after it, times (ms after the kill). */
  lastBefore: number;
  firstAfter: number;
  reconnectedAt: number;
  flowingAt: number;
  failed: number;
}

/** Wakes whoever waits in {@link until} (called on every change the drill waits for). */
let wake: () => void = () => {};
const notify = (): void => wake();

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

interface DrillState {
  killedAt: number;
  restartSeq: number;
  /** Events the clients published while disconnected (one per disconnect). */
  queued: number;
  /** Disconnects after a client had already lost the killed gateway, by close code and reason. */
  laterDisconnects: Map<string, number>;
}

/** Follows one client: its reconnect, the sequence numbers it receives, its failed attempts. */
function track(client: ZeekClient, state: DrillState): Tracked {
  const t: Tracked = {
    client,
    away: false,
    lastBefore: 0,
    firstAfter: 0,
    reconnectedAt: 0,
    flowingAt: 0,
    failed: 0,
  };
  const since = (): number => performance.now() - state.killedAt;
  client.on('connected', () => {
    if (state.killedAt > 0 && t.reconnectedAt === 0) t.reconnectedAt = since();
    notify();
  });
  client.on('reconnectFailed', () => t.failed++);
  client.on('disconnected', (code, reason) => {
    if (t.away || t.reconnectedAt > 0) {
      // A second loss after the kill's: counted by cause.
      const why = `${code} ${reason}`.trim();
      state.laterDisconnects.set(why, (state.laterDisconnects.get(why) ?? 0) + 1);
    }
    t.away = true;
    state.queued++;
    // Published while disconnected: the SDK queues it and sends it after the next ack.
    client.publish('/drill/from-client', { name: 'queued', args: [data.count(1)] });
  });
  void (async () => {
    for await (const ev of client.events()) {
      if (ev.name !== 'ping') continue;
      const seq = Number((ev.args[0] as { value: bigint }).value);
      if (!t.away) t.lastBefore = Math.max(t.lastBefore, seq);
      else if (t.firstAfter === 0) t.firstAfter = seq;
      if (state.restartSeq > 0 && seq >= state.restartSeq && t.flowingAt === 0) t.flowingAt = since();
      notify();
    }
  })().catch(() => undefined);
  return t;
}

/** Connects `n` clients, 50 at a time. */
async function connectClients(n: number, url: string, state: DrillState): Promise<Tracked[]> {
  const tracked: Tracked[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, () =>
        ZeekClient.connect({ url, topics: [TOPIC], applicationName: 'drill' }),
      ),
    );
    for (const client of batch) tracked.push(track(client, state));
  }
  return tracked;
}

/** Resolves when `pred()` holds, re-checked on every change; rejects after `guardMs` (a hang guard). */
async function until(pred: () => boolean, guardMs: number, what: string): Promise<void> {
  const guard = setTimeout(notify, guardMs);
  const start = performance.now();
  try {
    while (!pred()) {
      if (performance.now() - start >= guardMs)
        throw new Error(`drill: ${what} did not happen within ${guardMs} ms`);
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    clearTimeout(guard);
  }
}

/** Runs the drill with `clients` clients; the node publishes one event every `everyMs`. */
export async function runDrill(clients: number, everyMs = 100, guardMs = 300_000): Promise<DrillReport> {
  const hub = await startTestHub();
  const port = await freePort();
  const node = new Node(hub);
  let gateway: ChildProcess | undefined;
  const state: DrillState = { killedAt: 0, restartSeq: 0, queued: 0, laterDisconnects: new Map() };
  const tracked: Tracked[] = [];
  try {
    gateway = await startGateway(port, hub, clients);
    tracked.push(...(await connectClients(clients, `ws://127.0.0.1:${port}`, state)));
    await node.start(everyMs);
    // Traffic flows to everyone before the kill.
    await until(() => tracked.every((t) => t.lastBefore > 0), guardMs, 'the first event at every client');
    const exited = new Promise((r) => gateway?.once('exit', r));
    state.killedAt = performance.now();
    const seqAtKill = node.seq;
    gateway.kill('SIGKILL');
    await exited;
    gateway = await startGateway(port, hub, clients);
    const replacementListeningMs = performance.now() - state.killedAt;
    state.restartSeq = node.seq + 1;
    await until(
      () => tracked.every((t) => t.flowingAt > 0),
      guardMs,
      'an event after the restart at every client',
    );
    await until(
      () => node.fromClients >= state.queued,
      guardMs,
      'the queued client events at the node',
    ).catch(() => undefined);
    const missed = tracked.map((t) => Math.max(0, t.firstAfter - t.lastBefore - 1));
    return {
      clients,
      replacementListeningMs,
      reconnectedMs: {
        p50: median(tracked.map((t) => t.reconnectedAt)),
        max: Math.max(...tracked.map((t) => t.reconnectedAt)),
      },
      flowingMs: {
        p50: median(tracked.map((t) => t.flowingAt)),
        max: Math.max(...tracked.map((t) => t.flowingAt)),
      },
      eventsMissed: { total: missed.reduce((a, b) => a + b, 0), maxPerClient: Math.max(...missed) },
      published: node.seq - seqAtKill,
      queuedByClients: state.queued,
      laterDisconnects: Object.fromEntries(state.laterDisconnects),
      queuedDelivered: node.fromClients,
      failedAttempts: tracked.reduce((a, t) => a + t.failed, 0),
      load: loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    };
  } finally {
    await Promise.all(tracked.map((t) => t.client.close()));
    gateway?.kill('SIGKILL');
    await node.close();
    await hub.close();
  }
}

/** The report as text lines. */
export function describeDrill(r: DrillReport): string[] {
  const ms = (x: number): string => `${Math.round(x)} ms`;
  return [
    `gateway SIGKILL drill, ${r.clients} clients (@zeek-relay/client, default backoff 100 ms doubling to 5 s), load ${r.load}`,
    `replacement gateway listening ${ms(r.replacementListeningMs)} after the kill`,
    `clients reconnected and resubscribed: median ${ms(r.reconnectedMs.p50)}, last ${ms(r.reconnectedMs.max)} after the kill (${r.failedAttempts} failed attempts in all)`,
    `clients receiving events published after the restart: median ${ms(r.flowingMs.p50)}, last ${ms(r.flowingMs.max)}`,
    `events missed while away (published by the node, not replayed by the API): ${r.eventsMissed.total} deliveries in all, at most ${r.eventsMissed.maxPerClient} per client (node published ${r.published} from the kill to the end)`,
    `events the clients published while disconnected: ${r.queuedDelivered} of ${r.queuedByClients} reached the node`,
    `connections lost again after reconnecting: ${
      Object.entries(r.laterDisconnects)
        .map(([k, v]) => `${v} × ${k}`)
        .join(', ') || 'none'
    }`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv.find((a) => a.startsWith('--clients='))?.slice(10) ?? 1000);
  const report = await runDrill(n);
  for (const l of describeDrill(report)) console.log(l);
  if (process.argv.includes('--json')) console.log(JSON.stringify(report));
}
