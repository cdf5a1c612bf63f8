/** A hub started for a test: ephemeral loopback ports, its own metrics, its log lines if asked. */
import { Writable } from 'node:stream';
import { createMetrics, type Metrics } from '@zeek-relay/runtime';
import { createHub, type Hub, type HubConfigInput, type HubDeps } from '../../src/index.js';
import { until } from '@zeek-relay/test-support';
import { connectable } from './wait.js';

/** A started hub with its own metrics. */
export interface MeteredHub {
  readonly hub: Hub;
  readonly metrics: Metrics;
  /** Where publishers connect (the hub's XSUB). */
  readonly pub: string;
  /** Where subscribers connect (the hub's XPUB). */
  readonly sub: string;
  /** Closes the hub, then its metrics. */
  close(): Promise<void>;
}

/** Starts a hub on 127.0.0.1, ports 0, with `config` on top, reporting to metrics of its own. */
export async function startMeteredHub(
  config: HubConfigInput,
  deps: Omit<HubDeps, 'meter'> = {},
): Promise<MeteredHub> {
  const metrics = createMetrics({ serviceName: 'zeek-relay-hub' });
  const hub = createHub(
    { bindAddress: '127.0.0.1', xpubPort: 0, xsubPort: 0, ...config },
    { ...deps, meter: metrics.meter },
  );
  try {
    const a = await hub.start();
    return {
      hub,
      metrics,
      pub: connectable(a.xsub),
      sub: connectable(a.xpub),
      async close() {
        await hub.close();
        await metrics.shutdown();
      },
    };
  } catch (err) {
    await metrics.shutdown();
    throw err;
  }
}

/** A log destination that keeps every JSON line it is given, parsed, in `lines`. */
export function logLines(): { lines: Array<Record<string, unknown>>; destination: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, destination };
}

/** The value of the first `name{…}` series in a Prometheus text scrape (0 when absent). */
export const counter = (text: string, name: string): number =>
  Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

/**
 * Scrapes `metrics` until `want` holds (a regular expression that matches, or a predicate) and
 * returns that scrape; rejects naming `want` once the hang guard has passed.
 */
export async function scrapeUntil(
  metrics: { scrape(): Promise<string> },
  want: RegExp | ((text: string) => boolean),
): Promise<string> {
  const holds = typeof want === 'function' ? want : (t: string) => want.test(t);
  let text = '';
  await until(`a scrape where ${String(want)}`, async () => holds((text = await metrics.scrape())), {
    stepMs: 20,
  });
  return text;
}
