import type { XPublisher, XSubscriber } from 'zeromq';

/**
 * Receives one message (for `LibzmqLink`) from a zeromq.js socket kept at `receiveTimeout` 0, i.e.
 * on zeromq.js's synchronous path: while messages are queued no ZMQ_EVENTS query is made per
 * message (the default timeout of -1 makes one before every receive, ≈ 15 % of its cost).
 *
 * When the queue is empty (EAGAIN): `wanted()` decides whether to wait at all (it is called in
 * the same turn as the EAGAIN, so a caller can update its own state atomically with the
 * decision); returns undefined if not. Otherwise, with `yieldFirst`, the event loop gets one turn
 * and the queue is tried again — under load messages have arrived meanwhile and reading goes on
 * in batches instead of one poller wake-up per message. Only then does one receive wait the
 * ordinary way (timeout -1, zeromq.js's poller), and the socket returns to timeout 0.
 * Rejects with the socket's error (EAGAIN when it is closed while waiting).
 */
export async function receiveNext(
  sock: XPublisher | XSubscriber,
  wanted: () => boolean,
  yieldFirst: boolean,
): Promise<Buffer[] | undefined> {
  try {
    return await sock.receive();
  } catch (err) {
    if (sock.closed || !isEagain(err)) throw err;
  }
  if (!wanted()) return undefined;
  if (yieldFirst) {
    await new Promise((r) => setImmediate(r));
    try {
      return await sock.receive();
    } catch (err) {
      if (sock.closed || !isEagain(err)) throw err;
    }
  }
  sock.receiveTimeout = -1;
  try {
    return await sock.receive();
  } finally {
    if (!sock.closed) sock.receiveTimeout = 0;
  }
}

function isEagain(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'EAGAIN';
}
