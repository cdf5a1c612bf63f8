/**
 * ZAP 1.0 handler (RFC 27) for the hub's CURVE sockets, compatible with Zeek 8.2+'s
 * (zeromq-wire.md §8): a REP socket at `inproc://zeromq.zap.01` in the hub's own context answers
 * every handshake; only CURVE requests whose client key is on the allow-list get `200`.
 * Without this handler libzmq would admit any client key.
 */
import { Reply, type Context } from 'zeromq';

/** The fixed ZAP endpoint libzmq asks (per context). */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

const VERSION = '1.0';

/** A running ZAP handler. `close()` is idempotent and ends the request loop. */
export interface ZapHandler {
  close(): void;
  /** Resolves when the request loop has ended. */
  readonly done: Promise<void>;
}

/**
 * Answers one ZAP request (frames: version, request id, domain, address, routing id, mechanism,
 * credentials…). Pure, exported for tests. Returns the reply frames.
 */
export function zapReply(
  request: readonly Buffer[],
  allowed: readonly Uint8Array[],
): { frames: Buffer[]; ok: boolean } {
  const requestId = request[1] ?? Buffer.alloc(0);
  const mechanism = request[5]?.toString('latin1');
  const key = request[6];
  const ok =
    request.length >= 7 &&
    request[0]?.toString('latin1') === VERSION &&
    mechanism === 'CURVE' &&
    key !== undefined &&
    key.length === 32 &&
    allowed.some((k) => Buffer.compare(Buffer.from(k), key) === 0);
  const frames = [
    Buffer.from(VERSION),
    requestId,
    Buffer.from(ok ? '200' : '400'),
    Buffer.from(ok ? 'OK' : 'Invalid ZAP request'),
    Buffer.from(ok ? '0' : ''),
    Buffer.alloc(0),
  ];
  return { frames, ok };
}

/** What a handler reports per answered request (metrics, logging). */
export type ZapObserver = (accepted: boolean, request: readonly Buffer[]) => void;

/**
 * Binds a REP socket at `inproc://zeromq.zap.01` in `context` and answers every ZAP 1.0 request
 * with Zeek's reply frames ({@link zapReply}). Must run before the CURVE sockets of that context
 * accept connections: libzmq admits every client key while no handler is bound. Rejected clients
 * see `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` (fatal for Zeek 8.2+ nodes, as with Zeek's own hub).
 * Used by the hub and by the log sink's PULL socket; a failing loop goes to `onError`.
 */
export async function startZapHandler(
  context: Context,
  allowed: readonly Uint8Array[],
  observe: ZapObserver,
  onError: (err: unknown) => void,
): Promise<ZapHandler> {
  const rep = new Reply({ context, linger: 0 });
  try {
    await rep.bind(ZAP_ENDPOINT);
  } catch (err) {
    rep.close();
    throw err;
  }
  const done = (async () => {
    try {
      for await (const request of rep) {
        const { frames, ok } = zapReply(request, allowed);
        observe(ok, request);
        await rep.send(frames);
      }
    } catch (err) {
      if (!rep.closed) onError(err);
    }
  })();
  return {
    close() {
      if (!rep.closed) rep.close();
    },
    done,
  };
}
