/**
 * The hub's use of the shared socket monitor (`@zeek-relay/zmq`): connection changes become
 * metrics and debug lines; failed handshakes are counted each and logged as a warning at most
 * once per kind per window (a node with a wrong key retries every 100 ms). Heartbeat timeouts
 * surface as closed connections.
 */
import type { Socket } from 'zeromq';
import type { Logger } from '@zeek-relay/runtime';
import { watchSocket as watch, type RateLimitedLog } from '@zeek-relay/zmq';
import type { HubMetrics, HubSocketName } from './metrics.js';

/**
 * Starts reading `socket.events`. Must be called before the socket is handed to the proxy (the
 * monitor is attached to the socket on first access). The loop ends when the socket closes.
 */
export function watchSocket(
  socket: Socket,
  name: HubSocketName,
  log: Logger,
  metrics: HubMetrics,
  warn: RateLimitedLog,
): Promise<void> {
  return watch(socket, {
    accepted(address) {
      metrics.accepted(name);
      log.debug({ socket: name, address }, 'Accepted connection');
    },
    handshake() {
      metrics.handshake(name);
    },
    disconnected(address) {
      metrics.disconnected(name);
      log.debug({ socket: name, address }, 'Closed connection');
    },
    handshakeFailed(kind, address, err) {
      metrics.handshakeFailed(name, kind);
      warn.warn(
        `handshake_${kind}_${name}`,
        { socket: name, address, error: describe(err) },
        'Rejected handshake',
      );
    },
    acceptFailed(address, err) {
      warn.warn(
        `accept_${name}`,
        { socket: name, address, error: describe(err) },
        'Could not accept connection',
      );
    },
    error(err) {
      log.error({ err, socket: name }, 'Socket monitor failed');
    },
  });
}

/** The error's message and code only: libzmq's monitor errors carry no useful stack. */
function describe(err: unknown): string | undefined {
  if (err === undefined || err === null) return undefined;
  const e = err as { message?: unknown; code?: unknown };
  return [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': ') || String(err);
}
