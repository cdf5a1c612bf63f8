import { Writable } from 'node:stream';
import { createLogger, startHealthServer, type HealthServer, type Metrics } from '@zeek-relay/runtime';
import type { Hub } from '../../src/index.js';

/**
 * The hub's HTTP side port as `zeek-relay-hub` serves it (runtime's health server with the hub's
 * routes and `metrics`' scrape), on an ephemeral loopback port. Close it before the hub.
 */
export function serveHub(hub: Hub, metrics: Metrics): Promise<HealthServer> {
  return startHealthServer({
    host: '127.0.0.1',
    port: 0,
    log: createLogger({ service: 'hub', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    metrics,
    readiness: () => hub.readiness(),
    routes: (app) => hub.routes(app),
  });
}

/** `name{labels} value` lines of a Prometheus text scrape of `base`/metrics. */
export async function scrape(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}
