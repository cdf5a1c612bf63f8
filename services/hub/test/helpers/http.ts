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
