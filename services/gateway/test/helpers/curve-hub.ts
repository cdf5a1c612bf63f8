import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, type Hub } from '@zeek-relay/hub';
import { createMetrics, type Metrics } from '@zeek-relay/runtime';
import { curveKeyPair } from 'zeromq';
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
  /** The real hub service, when the hub is one (see {@link startCurveHub}). */
  readonly hub?: Hub;
  /** The real hub's metrics pipeline (read by {@link zapRequests}). */
  readonly metrics?: Metrics;
}

/** Fresh CURVE keys for one test: a server pair and `n` client pairs. */
export function freshKeys(n: number): { server: KeyPair; clients: KeyPair[] } {
  return { server: curveKeyPair(), clients: Array.from({ length: n }, () => curveKeyPair()) };
}

/**
 * Starts the REAL zeek-relay hub in-process with CURVE on (its server secret key) and a ZAP
 * allow-list of `allowed` client public keys, on ephemeral loopback ports, with its own metrics
 * pipeline.
 */
export async function startCurveHub(
  server: KeyPair,
  allowed: readonly string[],
  /** Fixed ports (a restarted hub); default ephemeral. */
  ports: { xpub: number; xsub: number } = { xpub: 0, xsub: 0 },
): Promise<CurveTestHub> {
  const metrics = createMetrics({ serviceName: 'zeek-relay-hub' });
  const hub = createHub(
    {
      bindAddress: '127.0.0.1',
      xpubPort: ports.xpub,
      xsubPort: ports.xsub,
      curveServerSecretKey: server.secretKey,
      curveClientPublicKeys: [...allowed],
    },
    { meter: metrics.meter },
  );
  const a = await hub.start();
  return {
    hub,
    metrics,
    serverKey: server.publicKey,
    xpubEndpoint: a.xpub,
    xsubEndpoint: a.xsub,
    close: async () => {
      await hub.close();
      await metrics.shutdown();
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

/**
 * The value of one sample of the real hub's Prometheus text (what `/metrics` serves), e.g.
 * `zapRequests(hub, 'rejected')`; 0 when the sample is absent (nothing counted yet).
 */
export async function zapRequests(hub: CurveTestHub, result: 'accepted' | 'rejected'): Promise<number> {
  if (!hub.metrics) throw new Error('not the real hub: no metrics');
  const text = await hub.metrics.scrape();
  const re = new RegExp(`^zeek_relay_hub_zap_requests_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)$`, 'm');
  return Number(re.exec(text)?.[1] ?? 0);
}

/** Polls an async condition until it holds; rejects after `timeoutMs` naming `what`. */
export async function waitForAsync(
  cond: () => Promise<boolean>,
  what: string,
  timeoutMs = 10000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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
