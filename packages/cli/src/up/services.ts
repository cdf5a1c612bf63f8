/**
 * Starts the hub, log sink and gateway in this process through their factories
 * (`createX(config, { log, meter })`, as each service's `main.ts` does), in dependency order (hub
 * first: gateway and nodes connect to it), and closes them in reverse order (gateway clients get
 * 1001 first, the sink flushes and closes its files, the hub goes last). If one fails to start,
 * the ones already running are closed again before the error propagates.
 */
import { createGateway, defaultGatewayConfig, type Gateway } from '@zeek-relay/gateway';
import { createHub, type Hub } from '@zeek-relay/hub';
import { createSink, type Sink } from '@zeek-relay/log-sink';
import type { Readiness, Service, ServiceDeps } from '@zeek-relay/runtime';
import { CLI_ERROR_CODES, CliError } from '../errors.js';

/** Settings of the embedded services (all on one host). */
export interface ServicesOptions {
  readonly host: string;
  readonly xpubPort: number;
  readonly xsubPort: number;
  readonly gatewayPort: number;
  readonly logPort: number;
  readonly logDir: string;
  readonly logFormat: 'tsv' | 'json';
  /** Zeek version of the nodes (`--zeek-version`), given to every service that has the setting. */
  readonly zeekVersion: string;
}

/** What `up` needs from the running services; as a whole, one {@link Service} for the health server. */
export interface EmbeddedServices {
  /** Zeek nodes the hub currently sees. */
  nodes(): number;
  /** Log records the sink has written so far, if it reports them. */
  logRecords(): number | undefined;
  /** Closes every service, last started first. Idempotent. */
  close(): Promise<void>;
  /** Ready when all three are. */
  readiness(): Readiness;
  /** The hub's `/nodes` and `/subscriptions`. */
  readonly routes: Hub['routes'];
  /** Stops the hub's native proxy thread (forced exit). */
  abort(): void;
}

/** The host as it appears in a `tcp://` endpoint (IPv6 in brackets). */
function endpointHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

async function startHub(o: ServicesOptions, deps: Required<ServiceDeps>): Promise<Hub> {
  const hub = createHub(
    { bindAddress: o.host, xpubPort: o.xpubPort, xsubPort: o.xsubPort, zeekVersion: o.zeekVersion },
    deps,
  );
  await hub.start();
  return hub;
}

async function startSink(o: ServicesOptions, deps: Required<ServiceDeps>): Promise<Sink> {
  const sink = createSink(
    {
      pullEndpoint: `tcp://${endpointHost(o.host)}:${o.logPort}`,
      ipv6: o.host.includes(':'),
      outputs: [o.logFormat],
      logDir: o.logDir,
      rotationIntervalSeconds: 0,
      zeekVersion: o.zeekVersion,
    },
    deps,
  );
  await sink.start();
  return sink;
}

/** The gateway, once it is connected to the hub. */
async function startGateway(o: ServicesOptions, deps: Required<ServiceDeps>): Promise<Gateway> {
  const h = endpointHost(o.host);
  const gateway = createGateway(
    defaultGatewayConfig({
      host: o.host,
      port: o.gatewayPort,
      connectXpubEndpoint: `tcp://${h}:${o.xsubPort}`,
      connectXsubEndpoint: `tcp://${h}:${o.xpubPort}`,
      ipv6: o.host.includes(':'),
      zeekVersion: o.zeekVersion,
    }),
    deps,
  );
  await gateway.start();
  await gateway.hubReady;
  return gateway;
}

/** Starts everything or nothing. Throws ZR_CLI_SERVICE_UNAVAILABLE naming the service that failed. */
export async function startServices(
  o: ServicesOptions,
  deps: Required<ServiceDeps>,
): Promise<EmbeddedServices> {
  const started: Service[] = [];
  const closeAll = async (): Promise<void> => {
    for (const s of started.reverse()) await s.close();
  };
  const step = async <T extends Service>(name: string, f: () => Promise<T>): Promise<T> => {
    try {
      const s = await f();
      started.push(s);
      return s;
    } catch (cause) {
      await closeAll();
      throw new CliError(
        CLI_ERROR_CODES.SERVICE_UNAVAILABLE,
        `Could not start the ${name}: ${(cause as Error).message}`,
        { cause },
      );
    }
  };
  const hub = await step('hub', () => startHub(o, deps));
  const sink = await step('log sink', () => startSink(o, deps));
  const gateway = await step('gateway', () => startGateway(o, deps));

  let closing: Promise<void> | undefined;
  return {
    nodes: () => hub.nodes().length,
    logRecords: () => sink.stats.records,
    readiness: () => [hub, sink, gateway].map((s) => s.readiness()).find((r) => !r.ready) ?? { ready: true },
    routes: (app) => hub.routes(app),
    abort: () => hub.abort(),
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
