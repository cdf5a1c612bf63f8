/**
 * What one started hub holds, opened and released in order: context, XPUB/XSUB with their
 * monitors, the ZAP handler, the registry's observer, and the data path (forwarder.ts). With
 * `forwarding=zmtp` none of the libzmq parts: the hub's own ZMTP core (zmtp/path.ts) binds both
 * sides, speaks CURVE itself when configured, and reports subscriptions and connections itself.
 */
import type { Context, XPublisher, XSubscriber } from 'zeromq';
import type { Logger } from '@zeek-relay/runtime';
import { startZapHandler, type CurveSettings, type RateLimitedLog, type ZapHandler } from '@zeek-relay/zmq';
import type { HubConfig } from './config.js';
import { HUB_ERROR_CODES, HubError } from './errors.js';
import type { HubMetrics } from './metrics.js';
import { startCountedPath, startNativePath, type DataPath } from './forwarder.js';
import { watchSocket } from './monitor.js';
import { startObserver, type SubscriptionNotice, type SubscriptionObserver } from './observer.js';
import { startZmtpPath } from './zmtp/path.js';
import {
  bindSocket,
  createHubContext,
  createXpub,
  createXsub,
  endpointOf,
  OBSERVER_ENDPOINT,
} from './sockets.js';

/** Pause between stopping the proxy and closing its sockets at shutdown. */
const SETTLE_MS = 50;

/** The resources of a started hub. */
export interface Running {
  /** The data path in effect. */
  readonly forwarding: HubConfig['forwarding'];
  /** libzmq's context and sockets; undefined with `forwarding=zmtp`. */
  readonly context?: Context;
  readonly xpub?: XPublisher;
  readonly xsub?: XSubscriber;
  /** The forwarding loop (forwarder.ts: native proxy or counted JavaScript loop). */
  dataPath?: DataPath;
  proxyDone?: Promise<void>;
  /** Set when the forwarding loop ended with an error. */
  proxyError?: HubError;
  observer?: SubscriptionObserver;
  zap?: ZapHandler;
  readonly monitors: Promise<void>[];
}

/** What the running parts report to and read from the hub. */
export interface RunningDeps {
  readonly log: Logger;
  readonly metrics: HubMetrics;
  readonly warn: RateLimitedLog;
  readonly onNotice: (notice: SubscriptionNotice) => void;
  /** Called once if the proxy loop fails (the hub is no longer ready). */
  readonly onProxyError: (err: HubError) => void;
}

/** Creates the context and both sockets (nothing bound yet). */
export function createRunning(config: HubConfig, curve: CurveSettings | undefined): Running {
  const forwarding = config.forwarding;
  if (forwarding === 'zmtp') return { forwarding, monitors: [] };
  const context = createHubContext(config);
  return {
    forwarding,
    context,
    xpub: createXpub(config, context, curve),
    xsub: createXsub(config, context, curve),
    monitors: [],
  };
}

/**
 * ZAP handler (CURVE only), monitors, binds (XPUB first, as Zeek), observer and data path.
 * Returns the bound endpoints. On failure the caller releases `r`.
 */
export async function openRunning(
  r: Running,
  config: HubConfig,
  curve: CurveSettings | undefined,
  d: RunningDeps,
): Promise<{ xpub: string; xsub: string }> {
  const { context, xpub: xpubSocket, xsub: xsubSocket } = r;
  if (context === undefined || xpubSocket === undefined || xsubSocket === undefined)
    return openZmtp(r, config, curve, d);
  if (curve) {
    r.zap = await startZapHandler(
      context,
      curve.clientPublicKeys,
      (ok, request) => {
        d.metrics.zap(ok);
        if (ok) return;
        const fields = { address: request[3]?.toString('latin1'), mechanism: request[5]?.toString('latin1') };
        d.warn.warn('zap_rejected', fields, 'Rejected CURVE client (key not on the allow-list)');
      },
      (err) => d.log.error({ err }, 'ZAP handler failed'),
    );
  }
  r.monitors.push(
    watchSocket(xpubSocket, 'xpub', d.log, d.metrics, d.warn),
    watchSocket(xsubSocket, 'xsub', d.log, d.metrics, d.warn),
  );
  const xpub = await bindSocket(xpubSocket, endpointOf(config, 'xpub'), 'XPUB');
  const xsub = await bindSocket(xsubSocket, endpointOf(config, 'xsub'), 'XSUB');
  await xsubSocket.bind(OBSERVER_ENDPOINT);
  r.observer = startObserver(context, OBSERVER_ENDPOINT, d.log, d.onNotice);
  const path = (r.dataPath =
    r.forwarding === 'counted'
      ? startCountedPath(xsubSocket, xpubSocket)
      : startNativePath(xsubSocket, xpubSocket));
  r.proxyDone = path.done.catch((cause: unknown) => {
    r.proxyError = new HubError(
      HUB_ERROR_CODES.PROXY_FAILED,
      `the ${r.forwarding} forwarding loop ended with an error`,
      {
        cause,
      },
    );
    d.onProxyError(r.proxyError);
  });
  return { xpub, xsub };
}

const utf8 = new TextDecoder();

/** `forwarding=zmtp`: the hub's own ZMTP core; its notices feed the registry directly. */
async function openZmtp(
  r: Running,
  config: HubConfig,
  curve: CurveSettings | undefined,
  d: RunningDeps,
): Promise<{ xpub: string; xsub: string }> {
  const onNotice = (subscribe: boolean, prefix: Buffer) =>
    d.onNotice({ subscribe, prefix: utf8.decode(prefix) });
  const deps = { log: d.log, metrics: d.metrics, warn: d.warn, onNotice };
  const path = await startZmtpPath(config, deps, curve);
  r.dataPath = path.dataPath;
  r.proxyDone = path.dataPath.done;
  r.observer = { publish: path.publish, close: () => undefined, done: Promise.resolve() };
  return path.addresses;
}

/** Stops the data path, then closes sockets, observer, monitors and ZAP handler. */
export async function releaseRunning(r: Running): Promise<void> {
  if (r.dataPath && r.proxyDone) {
    // Stop forwarding first and let the I/O threads settle before the sockets close: closing
    // right after a multipart send can trip a libzmq 4.3.5 assertion (zeromq/libzmq#3442).
    if (r.proxyError === undefined) {
      r.dataPath.pause();
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    }
    r.dataPath.terminate();
    await r.proxyDone;
  } else {
    r.xpub?.close();
    r.xsub?.close();
  }
  r.observer?.close();
  await r.observer?.done;
  await Promise.all(r.monitors);
  r.zap?.close();
  await r.zap?.done;
}
