/**
 * The hub's use of the shared socket monitor (`@zeek-relay/zmq`): connection changes become
 * metrics and debug lines, failed handshakes a warning. Heartbeat timeouts surface as closed
 * connections.
 */
import type { Socket } from 'zeromq';
import type { Logger } from '@zeek-relay/runtime';
import { watchSocket as watch } from '@zeek-relay/zmq';
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
      log.warn({ socket: name, address, err }, 'Rejected handshake');
    },
    acceptFailed(address, err) {
      log.warn({ socket: name, address, err }, 'Could not accept connection');
    },
    error(err) {
      log.error({ err, socket: name }, 'Socket monitor failed');
    },
  });
}
