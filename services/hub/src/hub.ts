/**
 * `createHub`: the standalone Zeek ZeroMQ XPUB/XSUB hub (zeromq-wire.md §1.2, §12).
 *
 * Data path: libzmq's native `zmq_proxy_steerable` (zeromq.js `Proxy`, in a libuv worker
 * thread) between the XSUB and the XPUB: no per-message JavaScript. Around it, only
 * per-connection or per-subscription work runs in JavaScript: socket monitors, the subscription
 * observer feeding the node registry, the ZAP handler, and the HTTP side port.
 */
import { Proxy, type Context, type XPublisher, type XSubscriber } from 'zeromq';
import { metrics as otel } from '@opentelemetry/api';
import { createLogger, type Readiness, type Service, type ServiceDeps } from '@zeek-relay/runtime';
import { resolveHubConfig, type HubConfig, type HubConfigInput } from './config.js';
import { resolveCurve, startZapHandler, type ZapHandler } from '@zeek-relay/zmq';
import { HUB_ERROR_CODES, HubError, hubCurveError } from './errors.js';
import { registerHubRoutes, type RouteTarget } from './http-routes.js';
import { HubMetrics } from './metrics.js';
import { watchSocket } from './monitor.js';
import { startObserver, type SubscriptionObserver } from './observer.js';
import { NodeRegistry, type NodeInfo } from './registry.js';
import { rejoinMessages } from './rejoin.js';
import {
  bindSocket,
  createHubContext,
  createXpub,
  createXsub,
  endpointOf,
  OBSERVER_ENDPOINT,
} from './sockets.js';

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
   * Binds XPUB then XSUB (Zeek's order), starts the native proxy and the observer.
   * Throws `HubError` (`ZR_HUB_BIND_FAILED`, `ZR_HUB_CURVE_*`, `ZR_HUB_INVALID_STATE`); on failure
   * everything already opened is closed again.
   */
  start(): Promise<HubAddresses>;
  /**
   * Graceful, idempotent shutdown: readiness fails, the proxy stops and both sockets close with
   * the configured linger, then observer and ZAP handler.
   */
  close(): Promise<void>;
  /** `GET /nodes` and `GET /subscriptions` for the host's health server. */
  routes(app: RouteTarget): void;
  /**
   * Last resort before a forced exit: tells the native proxy to stop now, so the process exit
   * (which waits for libuv's pool threads) is not blocked by it. Synchronous; safe at any time.
   */
  abort(): void;
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

/** Pause between stopping the proxy and closing its sockets at shutdown. */
const SETTLE_MS = 50;

interface Running {
  context: Context;
  xpub: XPublisher;
  xsub: XSubscriber;
  proxy?: Proxy<XSubscriber, XPublisher>;
  proxyDone?: Promise<void>;
  observer?: SubscriptionObserver;
  zap?: ZapHandler;
  monitors: Promise<void>[];
}

/**
 * Creates a hub from a (partial) config. Nothing is opened until `start()`. Invalid settings
 * throw `ConfigError` (`ZR_CONFIG_INVALID`) here, listing every problem.
 */
export function createHub(input: HubConfigInput | HubConfig = {}, deps: HubDeps = {}): Hub {
  const config = resolveHubConfig(input);
  const log = (deps.log ?? createLogger({ service: 'hub', level: 'silent' })).child({ component: 'hub' });
  const metrics = new HubMetrics(deps.meter ?? otel.getMeter('zeek-relay-hub'));
  const registry = new NodeRegistry(config);
  let state: 'new' | 'starting' | 'running' | 'closing' | 'closed' = 'new';
  let running: Running | undefined;
  let addresses: HubAddresses | undefined;
  let proxyError: unknown;
  let closing: Promise<void> | undefined;

  function onNotice(subscribe: boolean, prefix: string): void {
    const update = registry.apply(subscribe, prefix, new Date());
    metrics.subscription(subscribe, update.distinctDelta);
    if (update.nodeUp) {
      metrics.nodeUp();
      log.info({ node: update.nodeUp.name, id: update.nodeUp.id }, 'Node connected');
      if (update.rejoined) reintroduce(update.nodeUp);
    }
    if (update.nodeDown) {
      metrics.nodeDown();
      log.info({ node: update.nodeDown.name, id: update.nodeDown.id }, 'Node disconnected');
    }
  }

  /** A node that was dropped but survived: make it and the others meet again (rejoin.ts). */
  function reintroduce(node: NodeInfo): void {
    const others = registry.nodes().map((n) => n.id);
    log.warn(
      { node: node.name, id: node.id, peers: others.length - 1 },
      'Node rejoined after a drop without noticing it; re-introducing it to the cluster',
    );
    metrics.rejoined();
    const observer = running?.observer;
    if (observer === undefined) return;
    void (async () => {
      for (const frames of rejoinMessages(node.id, others, config.nodeidTopicPrefix))
        await observer.publish(frames);
    })().catch((err: unknown) =>
      log.error({ err, node: node.name }, 'Could not re-introduce a rejoined node'),
    );
  }

  async function release(r: Running): Promise<void> {
    if (r.proxy && r.proxyDone) {
      // Stop forwarding first and let the I/O threads settle before the sockets close: closing
      // right after a multipart send can trip a libzmq 4.3.5 assertion (zeromq/libzmq#3442).
      if (proxyError === undefined) {
        r.proxy.pause();
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      }
      r.proxy.terminate();
      await r.proxyDone;
    } else {
      r.xpub.close();
      r.xsub.close();
    }
    r.observer?.close();
    await r.observer?.done;
    await Promise.all(r.monitors);
    r.zap?.close();
    await r.zap?.done;
  }

  async function start(): Promise<HubAddresses> {
    if (state !== 'new')
      throw new HubError(HUB_ERROR_CODES.INVALID_STATE, `cannot start a hub that is ${state}`);
    state = 'starting';
    const curve = resolveCurve(config, hubCurveError);
    const context = createHubContext(config);
    const r: Running = {
      context,
      xpub: createXpub(config, context, curve),
      xsub: createXsub(config, context, curve),
      monitors: [],
    };
    running = r;
    try {
      if (curve) {
        r.zap = await startZapHandler(
          context,
          curve.clientPublicKeys,
          (ok, request) => {
            metrics.zap(ok);
            if (!ok) {
              log.warn(
                { address: request[3]?.toString('latin1'), mechanism: request[5]?.toString('latin1') },
                'Rejected CURVE client',
              );
            }
          },
          (err) => log.error({ err }, 'ZAP handler failed'),
        );
      }
      r.monitors.push(watchSocket(r.xpub, 'xpub', log, metrics), watchSocket(r.xsub, 'xsub', log, metrics));
      const xpub = await bindSocket(r.xpub, endpointOf(config, 'xpub'), 'XPUB');
      const xsub = await bindSocket(r.xsub, endpointOf(config, 'xsub'), 'XSUB');
      await r.xsub.bind(OBSERVER_ENDPOINT);
      r.observer = startObserver(context, OBSERVER_ENDPOINT, log, (n) => onNotice(n.subscribe, n.prefix));
      const proxy = new Proxy(r.xsub, r.xpub);
      r.proxy = proxy;
      r.proxyDone = proxy.run().catch((cause: unknown) => {
        proxyError = new HubError(HUB_ERROR_CODES.PROXY_FAILED, 'the native proxy loop ended with an error', {
          cause,
        });
        if (state === 'running') log.error({ err: proxyError }, 'Native proxy stopped unexpectedly');
      });
      addresses = { xpub, xsub };
      state = 'running';
      log.info(
        { ...addresses, slowSubscriber: config.slowSubscriber, curve: curve !== undefined },
        'Hub started',
      );
      return addresses;
    } catch (err) {
      state = 'closed';
      await release(r);
      throw err;
    }
  }

  function readiness(): Readiness {
    if (state !== 'running') return { ready: false, reason: `hub is ${state}` };
    if (proxyError !== undefined) return { ready: false, reason: 'native proxy stopped' };
    return { ready: true };
  }

  function nodes(): NodeInfo[] {
    return registry.nodes();
  }

  function subscriptions(): string[] {
    return registry.subscriptions();
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      const was = state;
      state = 'closing';
      if (running && (was === 'running' || was === 'starting')) await release(running);
      state = 'closed';
      if (was === 'running') log.info('Hub stopped');
    })();
    return closing;
  }

  function abort(): void {
    try {
      running?.proxy?.terminate();
    } catch {
      // Already terminated, or its control socket is closed: the proxy is not running.
    }
  }

  return {
    config,
    start,
    close,
    abort,
    routes: (app) => registerHubRoutes(app, { nodes, subscriptions }),
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
