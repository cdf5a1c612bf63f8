import { metrics, type Meter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** The process's metrics pipeline: one MeterProvider exported in Prometheus text format. */
export interface Metrics {
  readonly meterProvider: MeterProvider;
  /** Meter for the service's own instruments (scope = service name). */
  readonly meter: Meter;
  /** Current metrics in Prometheus exposition format (for `GET /metrics`). */
  scrape(): Promise<string>;
  /** Flushes and stops the provider; idempotent. Call last during shutdown. */
  shutdown(): Promise<void>;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** Also register the provider as the global one, so libraries using `@opentelemetry/api` report too. */
  readonly global?: boolean;
}

/**
 * Builds the MeterProvider and a pull-mode Prometheus exporter (no server of its own: the service's
 * health server serves `/metrics`). Packages only use `@opentelemetry/api`; only `main.ts` (or an
 * embedding CLI) calls this.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
    }),
    readers: [exporter],
  });
  if (options.global) metrics.setGlobalMeterProvider(meterProvider);
  // No per-scope label: each service has one meter, and the label would only add cardinality noise.
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  let closed: Promise<void> | undefined;
  return {
    meterProvider,
    meter: meterProvider.getMeter(options.serviceName, options.serviceVersion),
    async scrape() {
      const { resourceMetrics, errors } = await exporter.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'Could not collect metrics');
      return serializer.serialize(resourceMetrics);
    },
    shutdown() {
      closed ??= meterProvider.shutdown();
      return closed;
    },
  };
}
