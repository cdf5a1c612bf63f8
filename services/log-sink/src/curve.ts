/**
 * CURVE server side of the PULL socket, as a Zeek 8.2+ logger has it (zeromq-wire.md §8.2): the
 * hub and all loggers share one server key pair, every node's PUSH is a CURVE client, and a ZAP
 * handler admits only the configured client public key(s). Key parsing and the ZAP reply logic
 * are shared with the hub (`@zeek-relay/zmq`), so both services accept and reject exactly the
 * same keys.
 */
import {
  resolveCurve,
  startZapHandler,
  ZMQ_ERROR_CODES,
  type CurveErrorFactory,
  type CurveSettings,
  type ZapHandler,
} from '@zeek-relay/zmq';
import type { SinkConfig } from './config.js';
import { SINK_ERROR_CODES, SinkError } from './errors.js';

export type { CurveSettings, ZapHandler };
export { startZapHandler };

const sinkCurveError: CurveErrorFactory = (code, message, cause) =>
  new SinkError(
    code === ZMQ_ERROR_CODES.CURVE_KEY_INVALID
      ? SINK_ERROR_CODES.CURVE_KEY_INVALID
      : SINK_ERROR_CODES.CURVE_CONFIG_INVALID,
    message,
    cause === undefined ? undefined : { cause },
  );

/**
 * Reads the CURVE settings (inline keys and key files). `undefined` = CURVE off (nothing set).
 * Throws `ZR_SINK_CURVE_CONFIG_INVALID` when only one half is set (a CURVE server without ZAP
 * would admit any client key) and `ZR_SINK_CURVE_KEY_INVALID` for a key that is not 40 Z85
 * characters or an unreadable key file (the read error is the `cause`).
 */
export function resolveSinkCurve(config: SinkConfig): CurveSettings | undefined {
  return resolveCurve(config, sinkCurveError);
}
