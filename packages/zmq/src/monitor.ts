/**
 * Connection events from libzmq's socket monitor (one event per connection change, never per
 * message): accepted and closed connections, completed and failed handshakes. ZMTP heartbeat
 * timeouts surface as `disconnected`.
 */
import type { Socket } from 'zeromq';

/** Why a handshake failed (libzmq `ZMQ_EVENT_HANDSHAKE_FAILED_*`). */
export type HandshakeFailureKind = 'protocol' | 'auth' | 'other';

/** What the caller wants to hear about; every handler optional and must not throw. */
export interface SocketEventHandlers {
  accepted?(address: string): void;
  /** The ZMTP (and CURVE) handshake of a connection completed. */
  handshake?(address: string): void;
  /** A connection closed (peer gone, heartbeat timeout, or closed by us). */
  disconnected?(address: string): void;
  handshakeFailed?(kind: HandshakeFailureKind, address: string, err: unknown): void;
  acceptFailed?(address: string, err: unknown): void;
  /** The monitor itself failed while the socket was open. */
  error?(err: unknown): void;
}

/**
 * Starts reading `socket.events`. Call before `bind`/`connect` and before a `Proxy` takes the
 * socket (libzmq attaches the monitor on first access). Resolves once the socket is closed.
 */
export function watchSocket(socket: Socket, on: SocketEventHandlers): Promise<void> {
  const events = socket.events;
  return (async () => {
    for await (const event of events) {
      switch (event.type) {
        case 'accept':
          on.accepted?.(event.address);
          break;
        case 'handshake':
          on.handshake?.(event.address);
          break;
        case 'disconnect':
          on.disconnected?.(event.address);
          break;
        case 'handshake:error:protocol':
          on.handshakeFailed?.('protocol', event.address, event.error);
          break;
        case 'handshake:error:auth':
          on.handshakeFailed?.('auth', event.address, event.error);
          break;
        case 'handshake:error:other':
          on.handshakeFailed?.('other', event.address, event.error);
          break;
        case 'accept:error':
          on.acceptFailed?.(event.address, event.error);
          break;
        default:
          break;
      }
    }
  })().catch((err: unknown) => {
    if (!socket.closed) on.error?.(err);
  });
}
