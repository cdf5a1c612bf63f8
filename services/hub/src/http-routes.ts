/**
 * Hub-specific HTTP routes on the runtime's health server: `GET /nodes` lists the Zeek nodes the
 * registry knows, `GET /subscriptions` the hub's distinct prefixes (both JSON).
 */
import type { NodeInfo } from './registry.js';

/** The subset of a fastify instance the routes need. */
export interface RouteTarget {
  get(path: string, handler: () => Promise<unknown>): unknown;
}

/** Registers the routes; reads the registry on every request (cheap: in-memory). */
export function registerHubRoutes(
  app: RouteTarget,
  source: { nodes(): NodeInfo[]; subscriptions(): string[] },
): void {
  app.get('/nodes', async () => ({ nodes: source.nodes() }));
  app.get('/subscriptions', async () => ({ subscriptions: source.subscriptions() }));
}
