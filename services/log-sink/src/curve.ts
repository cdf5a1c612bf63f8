/**
 * CURVE server side of the PULL socket, as a Zeek 8.2+ logger has it (zeromq-wire.md §8.2): the
 * hub and all loggers share one server key pair, every node's PUSH is a CURVE client, and a ZAP
 * handler admits only the configured client public key(s). Key parsing and the ZAP reply logic
 * are the hub's (`@zeek-relay/hub`), so both services accept and reject exactly the same keys.
 */
import {
  HUB_ERROR_CODES,
  resolveCurve,
  startZapHandler,
  type CurveSettings,
  type ZapHandler,
  type ZapObserver,
} from '@zeek-relay/hub';
import type { SinkConfig } from './config.js';
import { SINK_ERROR_CODES, SinkError } from './errors.js';

export type { CurveSettings, ZapHandler, ZapObserver };
export { startZapHandler };

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
