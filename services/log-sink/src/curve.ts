/**
 * CURVE server side of the PULL socket, as a Zeek 8.2+ logger has it (zeromq-wire.md §8.2): the
 * hub and all loggers share one server key pair, every node's PUSH is a CURVE client, and a ZAP
 * handler admits only the configured client public key(s). Key parsing and the ZAP reply logic
 * are the hub's (`@zeek-relay/hub`), so both services accept and reject exactly the same keys.
 */
import { Reply, type Context } from 'zeromq';
import { HUB_ERROR_CODES, resolveCurve, zapReply, ZAP_ENDPOINT, type CurveSettings } from '@zeek-relay/hub';
import type { SinkConfig } from './config.js';
import { SINK_ERROR_CODES, SinkError } from './errors.js';

export type { CurveSettings };

/**
 * Reads the CURVE settings (inline keys and key files). `undefined` = CURVE off (nothing set).
 * Throws `ZR_SINK_CURVE_CONFIG_INVALID` when only one half is set (a CURVE server without ZAP
 * would admit any client key) and `ZR_SINK_CURVE_KEY_INVALID` for a key that is not 40 Z85
 * characters or an unreadable key file; the hub's error is the `cause`.
 */
export function resolveSinkCurve(config: SinkConfig): CurveSettings | undefined {
  try {
    return resolveCurve(config);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = err instanceof Error ? err.message : String(err);
    if (code === HUB_ERROR_CODES.CURVE_CONFIG_INVALID)
      throw new SinkError(SINK_ERROR_CODES.CURVE_CONFIG_INVALID, message, { cause: err });
    if (code === HUB_ERROR_CODES.CURVE_KEY_INVALID)
      throw new SinkError(SINK_ERROR_CODES.CURVE_KEY_INVALID, message, { cause: err });
    throw err;
  }
}

/** A running ZAP handler; `close()` is idempotent. */
export interface ZapHandler {
  close(): void;
  /** Resolves when the request loop has ended (after `close()`). */
  readonly done: Promise<void>;
}

/** What the handler reports per answered request (metrics, rate-limited log). */
export type ZapObserver = (accepted: boolean, request: readonly Buffer[]) => void;

/**
 * Binds a REP socket at `inproc://zeromq.zap.01` in `context` (the PULL socket's) and answers
 * every ZAP 1.0 request with Zeek's reply frames: `200` for mechanism CURVE with a client key
 * on `allowed`, `400 Invalid ZAP request` otherwise. Must be bound before the PULL socket, since
 * libzmq admits every client key while no handler is bound. A failing loop goes to `onError`.
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
