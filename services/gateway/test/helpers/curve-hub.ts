import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@zeek-relay/test-support';
import { decodeCurveKey, startZapHandler } from '@zeek-relay/zmq';
import { Context, Proxy, XPublisher, XSubscriber, curveKeyPair } from 'zeromq';
import { startTestHub, type TestHub } from './hub.js';

/** A CURVE key pair in Z85 text, as `curveKeyPair()` returns it. */
export interface KeyPair {
  readonly publicKey: string;
  readonly secretKey: string;
}

/** A CURVE hub for the tests: endpoints as `TestHub`, plus the server's public key. */
export interface CurveTestHub extends TestHub {
  /** The hub's Z85 public key (the clients' ZMQ_CURVE_SERVERKEY). */
  readonly serverKey: string;
  /** ZAP answers so far (hubs with an allow-list, see {@link startCurveHub}). */
  readonly zap?: { accepted: number; rejected: number };
  /** Every prefix subscribed at the hub so far, unsubscribed since or not (hubs with an allow-list). */
  subscriptions?(): string[];
}

/** Fresh CURVE keys for one test: a server pair and `n` client pairs. */
export function freshKeys(n: number): { server: KeyPair; clients: KeyPair[] } {
  return { server: curveKeyPair(), clients: Array.from({ length: n }, () => curveKeyPair()) };
}

let hubs = 0;

/**
 * Starts a hub as Zeek 8.2+'s manager runs it with CURVE: an XSUB↔XPUB proxy (VERBOSER, NODROP)
 * with CURVE server sockets (its server secret key) and a ZAP handler — the shared one of
 * `@zeek-relay/zmq`, which the zeek-relay hub and log sink use — admitting only `allowed`, on
 * ephemeral loopback ports unless `ports` are given (a restarted hub). Counts ZAP answers and
 * records the subscriptions that reach it (an observer on an inproc endpoint of its XSUB).
 */
export async function startCurveHub(
  server: KeyPair,
  allowed: readonly string[],
  ports: { xpub: number; xsub: number } = { xpub: 0, xsub: 0 },
): Promise<CurveTestHub> {
  const context = new Context({ blocky: false });
  const zap = { accepted: 0, rejected: 0 };
  const zapHandler = await startZapHandler(
    context,
    allowed.map((k) => decodeCurveKey(k, 'allowed key')),
    (ok) => void (zap[ok ? 'accepted' : 'rejected'] += 1),
    () => undefined,
  );
  // A fresh options object per socket: zeromq.js takes `context` out of the one it is given.
  const opts = () => ({ context, linger: 0, curveServer: true, curveSecretKey: server.secretKey });
  const front = new XSubscriber(opts());
  const back = new XPublisher({ ...opts(), noDrop: true, verbosity: 'allSubsUnsubs' });
  await back.bind(`tcp://127.0.0.1:${ports.xpub}`);
  await front.bind(`tcp://127.0.0.1:${ports.xsub}`);
  const xsubEndpoint = front.lastEndpoint as string;
  const observerEndpoint = `inproc://gateway-test-curve-hub-${++hubs}`;
  await front.bind(observerEndpoint);
  const observer = new XPublisher({ context, linger: 0, verbosity: 'allSubsUnsubs' });
  observer.connect(observerEndpoint);
  const seen = new Set<string>();
  const observing = (async () => {
    for await (const [msg] of observer) {
      // A history: the gateway's probe topics are unsubscribed again right after their echo.
      if (msg !== undefined && msg.length > 0 && msg[0] === 1) seen.add(msg.subarray(1).toString());
    }
  })().catch(() => undefined);
  const proxy = new Proxy(front, back);
  const running = proxy.run().catch(() => undefined);
  return {
    serverKey: server.publicKey,
    xpubEndpoint: back.lastEndpoint as string,
    xsubEndpoint,
    zap,
    subscriptions: () => [...seen].sort(),
    async close() {
      proxy.terminate();
      await running;
      observer.close();
      await observing;
      zapHandler.close();
      await zapHandler.done;
    },
  };
}

/**
 * A plain libzmq XSUB↔XPUB proxy with CURVE server sockets and NO ZAP handler: libzmq then admits
 * every client key (as a hub without an allow-list does). The zeek-relay hub refuses to run CURVE
 * without an allow-list, so the ephemeral-key case is tested against this.
 */
export async function startOpenCurveProxy(server: KeyPair): Promise<CurveTestHub> {
  const proxy = await startTestHub('127.0.0.1', undefined, false, {
    curveServer: true,
    curveSecretKey: server.secretKey,
  });
  return { ...proxy, serverKey: server.publicKey };
}

/** ZAP answers of a hub started with {@link startCurveHub} (0 for hubs without an allow-list). */
export function zapRequests(hub: CurveTestHub, result: 'accepted' | 'rejected'): Promise<number> {
  return Promise.resolve(hub.zap?.[result] ?? 0);
}

/** Polls an async condition until it holds; rejects after `timeoutMs` naming `what`. */
export function waitForAsync(cond: () => Promise<boolean>, what: string, timeoutMs?: number): Promise<void> {
  return until(what, cond, { limitMs: timeoutMs, stepMs: 20 });
}

/** Key files in a temporary directory, written as a mounted Secret key is (newline-terminated). */
export function keyFiles(): {
  file(text: string): string;
  directory(): string;
  path(name: string): string;
  dispose(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'zr-gateway-curve-'));
  let n = 0;
  return {
    file(text) {
      const path = join(dir, `key-${++n}`);
      writeFileSync(path, `${text}\n`);
      return path;
    },
    /** A directory where a key file is expected: exists, but cannot be read as a file. */
    directory() {
      const path = join(dir, `subdir-${++n}`);
      mkdirSync(path);
      return path;
    },
    path: (name) => join(dir, name),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
