/**
 * The hub's two network sockets with Zeek's options (zeromq-wire.md §1.2, §2.2) plus what Zeek
 * lacks: ZMTP heartbeats, a bounded linger, and optionally CURVE.
 */
import { Context, XPublisher, XSubscriber } from 'zeromq';
import type { HubConfig } from './config.js';
import type { CurveSettings } from '@zeek-relay/zmq';
import { HUB_ERROR_CODES, HubError } from './errors.js';

/** Where the hub XSUB is also bound for the in-process subscription observer. */
export const OBSERVER_ENDPOINT = 'inproc://zeek-relay.hub.observer';

/** A fresh context: `ZMQ_IO_THREADS` and `ZMQ_IPV6` as Zeek's hub sets them. */
export function createHubContext(config: HubConfig): Context {
  return new Context({ ioThreads: config.ioThreads, ipv6: config.ipv6, blocky: false });
}

function commonOptions(config: HubConfig, context: Context, curve: CurveSettings | undefined) {
  const hb = config.heartbeatIntervalMs;
  return {
    context,
    ipv6: config.ipv6,
    linger: config.lingerMs,
    sendBufferSize: config.sendBufferSize,
    receiveBufferSize: config.receiveBufferSize,
    handshakeInterval: config.handshakeTimeoutMs,
    // ZMTP 3.1 PING/PONG: libzmq in every Zeek node answers PINGs in its I/O thread, so a
    // frozen or vanished node stops answering and its connection (and subscriptions) go away.
    // The TTL tells the node to drop a silent hub in turn; libzmq caps it at 6553.5 s.
    ...(hb > 0
      ? {
          heartbeatInterval: hb,
          heartbeatTimeout: config.heartbeatTimeoutMs,
          heartbeatTimeToLive: Math.min(config.heartbeatTimeoutMs, 6_553_500),
        }
      : {}),
    ...(curve ? { curveServer: true, curveSecretKey: curve.serverSecretKey } : {}),
  };
}

/** Hub XPUB (nodes' XSUBs connect here): VERBOSER always; NODROP only in `block` mode. */
export function createXpub(
  config: HubConfig,
  context: Context,
  curve: CurveSettings | undefined,
): XPublisher {
  return new XPublisher({
    ...commonOptions(config, context, curve),
    verbosity: 'allSubsUnsubs',
    noDrop: config.slowSubscriber === 'block',
    sendHighWaterMark: config.sendHighWaterMark,
  });
}

/** Hub XSUB (nodes' XPUBs connect here). */
export function createXsub(
  config: HubConfig,
  context: Context,
  curve: CurveSettings | undefined,
): XSubscriber {
  return new XSubscriber({
    ...commonOptions(config, context, curve),
    receiveHighWaterMark: config.receiveHighWaterMark,
  });
}

/** The configured bind endpoint of one side. */
export function endpointOf(config: HubConfig, side: 'xpub' | 'xsub'): string {
  const explicit = side === 'xpub' ? config.xpubEndpoint : config.xsubEndpoint;
  if (explicit !== undefined) return explicit;
  const host =
    config.bindAddress.includes(':') && !config.bindAddress.startsWith('[')
      ? `[${config.bindAddress}]`
      : config.bindAddress;
  return `tcp://${host}:${side === 'xpub' ? config.xpubPort : config.xsubPort}`;
}

/** Binds and returns the actual endpoint (port resolved when 0); `ZR_HUB_BIND_FAILED` on error. */
export async function bindSocket(
  socket: XPublisher | XSubscriber,
  endpoint: string,
  side: string,
): Promise<string> {
  try {
    await socket.bind(endpoint);
  } catch (err) {
    throw new HubError(HUB_ERROR_CODES.BIND_FAILED, `could not bind the hub ${side} socket to ${endpoint}`, {
      cause: err,
    });
  }
  return socket.lastEndpoint ?? endpoint;
}
