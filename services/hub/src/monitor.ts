/**
 * Connection bookkeeping from libzmq socket monitor events (one event per connection change,
 * never per message): accepted/closed connections, completed and failed handshakes.
 * Heartbeat timeouts surface as `disconnect` events.
 */
import type { Socket } from 'zeromq';
import type { Logger } from '@zeek-relay/runtime';
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
  const events = socket.events;
  return (async () => {
    for await (const event of events) {
      switch (event.type) {
        case 'accept':
          metrics.accepted(name);
          log.debug({ socket: name, address: event.address }, 'Accepted connection');
          break;
        case 'handshake':
          metrics.handshake(name);
          break;
        case 'disconnect':
          metrics.disconnected(name);
          log.debug({ socket: name, address: event.address }, 'Closed connection');
          break;
        case 'handshake:error:protocol':
        case 'handshake:error:auth':
        case 'handshake:error:other': {
          const errorType = event.type.slice('handshake:error:'.length) as 'protocol' | 'auth' | 'other';
          metrics.handshakeFailed(name, errorType);
          log.warn({ socket: name, address: event.address, err: event.error }, 'Rejected handshake');
          break;
        }
        case 'accept:error':
          log.warn({ socket: name, address: event.address, err: event.error }, 'Could not accept connection');
          break;
        default:
          break;
      }
    }
  })().catch((err: unknown) => {
    if (!socket.closed) log.error({ err, socket: name }, 'Socket monitor failed');
  });
}
