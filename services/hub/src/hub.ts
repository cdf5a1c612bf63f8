/**
 * `createHub`: the standalone Zeek ZeroMQ XPUB/XSUB hub (zeromq-wire.md §1.2, §12).
 *
 * Data path: libzmq's native `zmq_proxy_steerable` (zeromq.js `Proxy`, in a libuv worker
 * thread) between the XSUB and the XPUB: no per-message JavaScript. Around it, only
 * per-connection or per-subscription work runs in JavaScript: socket monitors, the subscription
 * observer feeding the node registry, the ZAP handler, and the HTTP side port (running.ts).
 */
import type { Meter } from '@opentelemetry/api';
import { createLogger, createMetrics, type Logger, type Metrics, type Readiness } from '@zeek-relay/runtime';
import { RateLimitedLog, resolveCurve } from '@zeek-relay/zmq';
import { resolveHubConfig, type HubConfig, type HubConfigInput } from './config.js';
import { HUB_ERROR_CODES, HubError, hubCurveError } from './errors.js';
import { HubMetrics } from './metrics.js';
import { nodeEvents } from './node-events.js';
import { NodeRegistry, type NodeInfo } from './registry.js';
import { createRunning, openRunning, releaseRunning, startHubHttp, type Running } from './running.js';

/** What the hub needs from its embedder; everything optional. */
export interface HubDeps {
  /** Parent logger; the hub logs through `child({ component: 'hub' })`. Default: silent. */
  readonly log?: Logger;
  /**
   * Metrics pipeline: its meter gets the hub instruments and `/metrics` serves its scrape.
   * Default: a private one, shut down by `close()`.
   */
  readonly metrics?: Metrics;
  /** Alternative to `metrics` when the embedder serves metrics itself (then `/metrics` is absent). */
  readonly meter?: Meter;
  /** Start the HTTP side port (default true). */
  readonly http?: boolean;
}

/** Actual bound addresses (ports resolved when configured as 0). */
export interface HubAddresses {
  /** e.g. `tcp://0.0.0.0:27760`: the nodes' `connect_xsub_endpoint`. */
  readonly xpub: string;
  /** e.g. `tcp://0.0.0.0:27761`: the nodes' `connect_xpub_endpoint`. */
  readonly xsub: string;
  /** Base URL of the HTTP side port, when enabled. */
  readonly http?: string;
}

/** A hub instance. Create with {@link createHub}. */
export interface Hub extends AsyncDisposable {
  /** The configuration in effect (defaults applied). */
  readonly config: HubConfig;
  /**
   * Binds XPUB then XSUB (Zeek's order), starts the native proxy, the observer and the HTTP port.
   * Throws `HubError` (`ZR_HUB_BIND_FAILED`, `ZR_HUB_CURVE_*`, `ZR_HUB_INVALID_STATE`); on failure
   * everything already opened is closed again.
   */
  start(): Promise<HubAddresses>;
  /**
   * Graceful, idempotent shutdown: readiness fails, the proxy stops and both sockets close with
   * the configured linger, then observer, ZAP handler, HTTP port and (if owned) metrics.
   */
  close(): Promise<void>;
  /** Bound addresses once started. */
  readonly addresses: HubAddresses | undefined;
  /** Connected Zeek nodes (from nodeid subscriptions). */
  nodes(): NodeInfo[];
  /** Distinct subscribed prefixes at the hub, sorted. */
  subscriptions(): string[];
  /** Ready while the proxy runs and the hub is not closing. */
  readiness(): Readiness;
  /** The live registry behind `nodes()`/`subscriptions()`; read it, don't feed it. */
  readonly registry: NodeRegistry;
}

type HubState = 'new' | 'starting' | 'running' | 'closing' | 'closed';

/** The metrics pipeline in use: the embedder's, or a private one the hub shuts down itself. */
function hubMeter(deps: HubDeps): { meter: Meter; pipeline?: Metrics; own?: Metrics } {
  if (deps.metrics === undefined && deps.meter === undefined) {
    const own = createMetrics({ serviceName: 'zeek-relay-hub' });
    return { meter: own.meter, pipeline: own, own };
  }
  const pipeline = deps.metrics;
  return { meter: deps.meter ?? (pipeline as Metrics).meter, ...(pipeline ? { pipeline } : {}) };
}

/**
 * Creates a hub from a (partial) config. Nothing is opened until `start()`. Invalid settings
 * throw `ConfigError` (`ZR_CONFIG_INVALID`) here, listing every problem.
 */
export function createHub(input: HubConfigInput | HubConfig = {}, deps: HubDeps = {}): Hub {
  const config = resolveHubConfig(input);
  const log: Logger = (deps.log ?? createLogger({ service: 'hub', level: 'silent' })).child({
    component: 'hub',
  });
  const { meter, pipeline, own } = hubMeter(deps);
  const metrics = new HubMetrics(meter);
  const registry = new NodeRegistry(config);
  const warn = new RateLimitedLog(log);
  let state: HubState = 'new';
  let running: Running | undefined;
  let addresses: HubAddresses | undefined;
  let closing: Promise<void> | undefined;
  const onNotice = nodeEvents({
    registry,
    metrics,
    log,
    nodeidTopicPrefix: config.nodeidTopicPrefix,
    publish: () => running?.observer?.publish,
  });
  const onProxyError = (err: HubError): void => {
    if (state === 'running') log.error({ err }, 'Native proxy stopped unexpectedly');
  };
  const nodes = (): NodeInfo[] => registry.nodes();
  const subscriptions = (): string[] => registry.subscriptions();

  function readiness(): Readiness {
    if (state !== 'running') return { ready: false, reason: `hub is ${state}` };
    if (running?.proxyError !== undefined) return { ready: false, reason: 'native proxy stopped' };
    return { ready: true };
  }

  async function start(): Promise<HubAddresses> {
    if (state !== 'new')
      throw new HubError(HUB_ERROR_CODES.INVALID_STATE, `cannot start a hub that is ${state}`);
    state = 'starting';
    const curve = resolveCurve(config, hubCurveError);
    const r = (running = createRunning(config, curve));
    try {
      const bound = await openRunning(r, config, curve, { log, metrics, warn, onNotice, onProxyError });
      if (deps.http !== false)
        r.http = await startHubHttp(config, log, pipeline, { readiness, nodes, subscriptions });
      addresses = { ...bound, ...(r.http ? { http: r.http.url } : {}) };
      state = 'running';
      log.info(
        { ...addresses, slowSubscriber: config.slowSubscriber, curve: curve !== undefined },
        'Hub started',
      );
      return addresses;
    } catch (err) {
      state = 'closed';
      await releaseRunning(r);
      await own?.shutdown();
      throw err;
    }
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      const was = state;
      state = 'closing';
      if (running && (was === 'running' || was === 'starting')) await releaseRunning(running);
      state = 'closed';
      await own?.shutdown();
      if (was === 'running') log.info('Hub stopped');
    })();
    return closing;
  }

  return {
    config,
    start,
    close,
    get addresses() {
      return addresses;
    },
    nodes,
    subscriptions,
    readiness,
    registry,
    [Symbol.asyncDispose]: close,
  };
}
