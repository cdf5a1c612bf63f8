/**
 * `createHub`: the standalone Zeek ZeroMQ XPUB/XSUB hub (zeromq-wire.md §1.2, §12).
 *
 * Data path: by default (`forwarding=zmtp`) the hub's own ZMTP core over node:net instead of
 * libzmq (zmtp/); with `forwarding=native` (and for a CURVE hub, which the core does not speak yet)
 * libzmq's `zmq_proxy_steerable` (zeromq.js `Proxy`, in a libuv worker thread) between the XSUB and
 * the XPUB, no per-message JavaScript; with `forwarding=counted` a counting JavaScript loop
 * (forwarder.ts). Around it, only per-connection or
 * per-subscription work runs in JavaScript: socket monitors, the subscription observer feeding
 * the node registry, and the ZAP handler (running.ts). The HTTP side port is the host's (`routes`).
 */
import { metrics as otel } from '@opentelemetry/api';
import {
  createLogger,
  type Logger,
  type Readiness,
  type Service,
  type ServiceDeps,
} from '@zeek-relay/runtime';
import { RateLimitedLog, resolveCurve } from '@zeek-relay/zmq';
import { resolveHubConfig, type HubConfig, type HubConfigInput } from './config.js';
import { HUB_ERROR_CODES, HubError, hubCurveError } from './errors.js';
import { registerHubRoutes, type RouteTarget } from './http-routes.js';
import { HubMetrics, observeDrops, observeTraffic } from './metrics.js';
import { nodeEvents } from './node-events.js';
import { NodeRegistry, type NodeInfo } from './registry.js';
import { createRunning, openRunning, releaseRunning, type Running } from './running.js';

/** What the hub needs from its host; everything optional (default: silent, the global meter). */
export type HubDeps = Partial<ServiceDeps>;

/** Actual bound addresses (ports resolved when configured as 0). */
export interface HubAddresses {
  /** e.g. `tcp://0.0.0.0:27760`: the nodes' `connect_xsub_endpoint`. */
  readonly xpub: string;
  /** e.g. `tcp://0.0.0.0:27761`: the nodes' `connect_xpub_endpoint`. */
  readonly xsub: string;
}

/** A hub instance. Create with {@link createHub}. */
export interface Hub extends Service, AsyncDisposable {
  /** The configuration in effect (defaults applied). */
  readonly config: HubConfig;
  /**
   * Binds XPUB then XSUB (Zeek's order), starts the data path and the observer.
   * Throws `HubError` (`ZR_HUB_BIND_FAILED`, `ZR_HUB_CURVE_*`, `ZR_HUB_INVALID_STATE`); on failure
   * everything already opened is closed again.
   */
  start(): Promise<HubAddresses>;
  /**
   * Graceful, idempotent shutdown: readiness fails, forwarding stops and both sockets close with
   * the configured linger, then observer and ZAP handler.
   */
  close(): Promise<void>;
  /** `GET /nodes` and `GET /subscriptions` for the host's health server. */
  routes(app: RouteTarget): void;
  /**
   * Last resort before a forced exit: tells the data path to stop now, so the process exit
   * (which waits for libuv's pool threads) is not blocked by it. Synchronous; safe at any time.
   */
  abort(): void;
  /** Bound addresses once started. */
  readonly addresses: HubAddresses | undefined;
  /** Connected Zeek nodes (from nodeid subscriptions). */
  nodes(): NodeInfo[];
  /** Distinct subscribed prefixes at the hub, sorted. */
  subscriptions(): string[];
  /** Ready while forwarding runs and the hub is not closing. */
  readiness(): Readiness;
  /** The live registry behind `nodes()`/`subscriptions()`; read it, don't feed it. */
  readonly registry: NodeRegistry;
}

type HubState = 'new' | 'starting' | 'running' | 'closing' | 'closed';

/** The parts of a hub that live as long as the hub object: registry, metrics, logs. */
interface HubParts {
  readonly config: HubConfig;
  readonly log: Logger;
  readonly metrics: HubMetrics;
  readonly registry: NodeRegistry;
  readonly warn: RateLimitedLog;
}

/** Logger, metrics (with the traffic counters read from `running`'s data path) and registry. */
function hubParts(config: HubConfig, deps: HubDeps, running: () => Running | undefined): HubParts {
  const log = (deps.log ?? createLogger({ service: 'hub', level: 'silent' })).child({ component: 'hub' });
  const meter = deps.meter ?? otel.getMeter('zeek-relay-hub');
  observeTraffic(meter, () => running()?.dataPath?.statistics, config.zeekMetricsNode);
  observeDrops(meter, () => running()?.dataPath?.drops);
  return {
    config,
    log,
    metrics: new HubMetrics(meter),
    registry: new NodeRegistry(config),
    warn: new RateLimitedLog(log),
  };
}

/**
 * Settings the data path in effect cannot honour, said once at start: the CURVE fallback, and the
 * socket-buffer sizes, which node:net cannot set (its TCP handle has no SO_SNDBUF/SO_RCVBUF setter).
 */
function warnAtStart(config: HubConfig, forwarding: HubConfig['forwarding'], log: Logger): void {
  if (forwarding !== config.forwarding)
    log.warn('forwarding=zmtp does not speak CURVE yet: this CURVE hub forwards with the native path');
  const { sendBufferSize, receiveBufferSize } = config;
  if (forwarding === 'zmtp' && (sendBufferSize !== -1 || receiveBufferSize !== -1))
    log.warn(
      { sendBufferSize, receiveBufferSize },
      'forwarding=zmtp cannot set socket buffer sizes (node:net has no SO_SNDBUF/SO_RCVBUF setter): the OS defaults apply',
    );
}

/** Opens the running parts in `start`, releases them in `close`, reports readiness. */
function hubLifecycle(p: HubParts, holder: { running?: Running }) {
  const { config, log } = p;
  let state: HubState = 'new';
  let addresses: HubAddresses | undefined;
  let closing: Promise<void> | undefined;
  const onNotice = nodeEvents({
    ...p,
    nodeidTopicPrefix: config.nodeidTopicPrefix,
    publish: () => holder.running?.observer?.publish,
  });
  const onProxyError = (err: HubError): void => {
    if (state === 'running') log.error({ err }, 'Forwarding stopped unexpectedly');
  };

  // A process that exits with the hub still running (an embedding program or a test that never
  // called close()) would wait at exit for the native proxy's thread, which never returns: stop
  // the data path synchronously on the way out.
  const onExit = (): void => holder.running?.dataPath?.terminate();

  async function start(): Promise<HubAddresses> {
    if (state !== 'new')
      throw new HubError(HUB_ERROR_CODES.INVALID_STATE, `cannot start a hub that is ${state}`);
    state = 'starting';
    process.once('exit', onExit);
    const curve = resolveCurve(config, hubCurveError);
    const r = (holder.running = createRunning(config, curve));
    try {
      addresses = await openRunning(r, config, curve, { ...p, onNotice, onProxyError });
      state = 'running';
      const { slowSubscriber } = config;
      const forwarding = r.forwarding;
      warnAtStart(config, forwarding, log);
      log.info({ ...addresses, slowSubscriber, forwarding, curve: curve !== undefined }, 'Hub started');
      return addresses;
    } catch (err) {
      state = 'closed';
      await releaseRunning(r);
      process.off('exit', onExit);
      throw err;
    }
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      const was = state;
      state = 'closing';
      const r = holder.running;
      if (r && (was === 'running' || was === 'starting')) await releaseRunning(r);
      process.off('exit', onExit);
      state = 'closed';
      if (was === 'running') log.info('Hub stopped');
    })();
    return closing;
  }

  function readiness(): Readiness {
    if (state !== 'running') return { ready: false, reason: `hub is ${state}` };
    if (holder.running?.proxyError !== undefined) return { ready: false, reason: 'forwarding stopped' };
    return { ready: true };
  }

  return { start, close, readiness, addresses: () => addresses };
}

/**
 * Creates a hub from a (partial) config. Nothing is opened until `start()`. Invalid settings
 * throw `ConfigError` (`ZR_CONFIG_INVALID`) here, listing every problem.
 */
export function createHub(input: HubConfigInput | HubConfig = {}, deps: HubDeps = {}): Hub {
  const config = resolveHubConfig(input);
  const holder: { running?: Running } = {};
  const parts = hubParts(config, deps, () => holder.running);
  const { registry } = parts;
  const life = hubLifecycle(parts, holder);
  const nodes = (): NodeInfo[] => registry.nodes();
  const subscriptions = (): string[] => registry.subscriptions();
  return {
    config,
    start: life.start,
    close: life.close,
    // Synchronous stop of the data path, so a forced exit does not wait for the native proxy's thread.
    abort: () => holder.running?.dataPath?.terminate(),
    routes: (app) => registerHubRoutes(app, { nodes, subscriptions }),
    get addresses() {
      return life.addresses();
    },
    nodes,
    subscriptions,
    readiness: life.readiness,
    registry,
    [Symbol.asyncDispose]: life.close,
  };
}
