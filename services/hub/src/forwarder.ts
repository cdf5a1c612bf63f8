/**
 * The hub's two data paths (setting `forwarding`), behind one interface:
 *
 * - `native`: libzmq's `zmq_proxy_steerable` (zeromq.js `Proxy`) in a libuv worker thread, no
 *   JavaScript per message. zeromq.js keeps the proxy's control socket private, so this path has
 *   no statistics.
 * - `counted`: a JavaScript loop per direction that counts what it forwards exactly as libzmq
 *   4.3's steerable proxy counts for its `STATISTICS` command (zeromq-wire.md §7.3): one message
 *   per whole multipart message, its bytes the sum of its frames' sizes; "received" on the socket
 *   it came from, "sent" on the socket it was handed to once that send succeeded. Costs a JavaScript
 *   turn per message (README, "Benchmark").
 * - `zmtp`: no libzmq at all; the hub's own ZMTP core (zmtp/path.ts) implements this interface too,
 *   with the same statistics and drops per subscriber.
 */
import { Proxy, type XPublisher, type XSubscriber } from 'zeromq';

/** Messages and bytes one socket received or sent. */
export interface SocketCount {
  messages: number;
  bytes: number;
}

/** The proxy's statistics in libzmq's layout: frontend = hub XSUB, backend = hub XPUB. */
export interface ProxyStatistics {
  readonly frontend: { readonly received: SocketCount; readonly sent: SocketCount };
  readonly backend: { readonly received: SocketCount; readonly sent: SocketCount };
}

/** A running data path between the hub XSUB (frontend) and XPUB (backend). */
export interface DataPath {
  /** Resolves when forwarding ended (after `terminate`), rejects if it failed. */
  readonly done: Promise<void>;
  /** Stops forwarding but keeps the sockets open (the settle pause before closing). */
  pause(): void;
  /** Stops forwarding and closes both sockets. Synchronous; safe at any time, also twice. */
  terminate(): void;
  /** Live counters (the same object every time), or undefined for the native path. */
  readonly statistics: ProxyStatistics | undefined;
  /** Messages dropped per subscriber (`forwarding=zmtp` only: libzmq's XPUB drops silently). */
  readonly drops?: { entries(): Iterable<[string, number]> };
}

/** Starts libzmq's native proxy (no statistics). */
export function startNativePath(xsub: XSubscriber, xpub: XPublisher): DataPath {
  const proxy = new Proxy(xsub, xpub);
  const done = proxy.run();
  const command = (f: () => void) => {
    try {
      f();
    } catch {
      // Already terminated, or its control socket is closed: the proxy is not running.
    }
  };
  return {
    done,
    pause: () => command(() => proxy.pause()),
    terminate: () => command(() => proxy.terminate()),
    statistics: undefined,
  };
}

const zero = (): SocketCount => ({ messages: 0, bytes: 0 });

/** Starts the counting JavaScript loops (one per direction). */
export function startCountedPath(xsub: XSubscriber, xpub: XPublisher): DataPath {
  const statistics: ProxyStatistics = {
    frontend: { received: zero(), sent: zero() },
    backend: { received: zero(), sent: zero() },
  };
  let stopped = false;
  const running = () => !stopped;
  const done = Promise.all([
    pump(xsub, xpub, statistics.frontend.received, statistics.backend.sent, running),
    pump(xpub, xsub, statistics.backend.received, statistics.frontend.sent, running),
  ]).then(() => undefined);
  const stop = () => {
    stopped = true;
  };
  return {
    done,
    pause: stop,
    terminate() {
      stop();
      // Closing ends a pending receive or send at once; the loops then see `stopped` and return.
      if (!xsub.closed) xsub.close();
      if (!xpub.closed) xpub.close();
    },
    statistics,
  };
}

/** Forwards whole messages from `from` to `to` until stopped, counting both sides. */
async function pump(
  from: XSubscriber | XPublisher,
  to: XSubscriber | XPublisher,
  received: SocketCount,
  sent: SocketCount,
  running: () => boolean,
): Promise<void> {
  try {
    while (running()) {
      const frames = await from.receive();
      let bytes = 0;
      for (const f of frames) bytes += f.length;
      received.messages++;
      received.bytes += bytes;
      if (!running()) return;
      await to.send(frames);
      sent.messages++;
      sent.bytes += bytes;
    }
  } catch (err) {
    // A socket closed by terminate() ends the loop; anything else is a failure of the data path.
    if (running() || !(from.closed || to.closed)) throw err;
  }
}
