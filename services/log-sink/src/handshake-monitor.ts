/**
 * Failed handshakes on the PULL socket, from libzmq's socket monitor (one event per connection
 * attempt, never per message). With CURVE these are the clients the sink turns away: a plain
 * node or a wrong server key (`protocol`), a client key not on the allow-list (`auth`, after the
 * ZAP handler's 400). Without CURVE they show a CURVE node pushing to a plain sink.
 */
import type { Socket } from 'zeromq';

/** Why a handshake failed (libzmq `ZMQ_EVENT_HANDSHAKE_FAILED_*`). */
export type HandshakeFailureKind = 'protocol' | 'auth' | 'other';

/** Receives one failed handshake; must not throw. */
export type HandshakeFailureHandler = (kind: HandshakeFailureKind, address: string, err: unknown) => void;

/**
 * Starts reading `socket.events`; call before `bind` (libzmq attaches the monitor on first
 * access). The returned promise resolves once the socket is closed; a monitor failure while the
 * socket is open goes to `onError`, never to the caller.
 */
export function watchHandshakes(
  socket: Socket,
  onFailure: HandshakeFailureHandler,
  onError: (err: unknown) => void,
): Promise<void> {
  const events = socket.events;
  return (async () => {
    for await (const event of events) {
      switch (event.type) {
        case 'handshake:error:protocol':
          onFailure('protocol', event.address, event.error);
          break;
        case 'handshake:error:auth':
          onFailure('auth', event.address, event.error);
          break;
        case 'handshake:error:other':
          onFailure('other', event.address, event.error);
          break;
        default:
          break;
      }
    }
  })().catch((err: unknown) => {
    if (!socket.closed) onError(err);
  });
}
