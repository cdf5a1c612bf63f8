import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

/** Readiness answer: ready, or not with a reason shown on `/readyz`. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is in the result. */
  readonly port: number;
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** Called on every `/readyz`; must be cheap. */
  readonly readiness: () => Readiness;
  /** Extra routes (e.g. the hub's `/nodes`), registered before listening. */
  readonly routes?: (app: FastifyInstance) => void;
}

/** A listening health/metrics server. */
export interface HealthServer {
  readonly app: FastifyInstance;
  readonly port: number;
  readonly url: string;
  /** Stops listening; idempotent. */
  close(): Promise<void>;
}

/**
 * The HTTP side port every service has: `/healthz` (process alive), `/readyz` (503 with a reason
 * while not ready), `/metrics` (Prometheus text) and any extra routes.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  // Warnings only: probes hit these routes every few seconds, request lines would be noise.
  const app = Fastify({
    loggerInstance: options.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = options.readiness();
    if (r.ready) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: r.reason });
  });
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_req, reply) => {
      const text = await metrics.scrape();
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
    });
  }
  options.routes?.(app);
  await app.listen({ host: options.host, port: options.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    app,
    port,
    url: `http://${host}:${port}`,
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}
