/**
 * Zeek-compatible default ports on 127.0.0.1 (zeromq-wire.md §1.5: ZeekControl 8.1+ puts the hub
 * on ZeekPort 27760/27761 and the first logger's PULL on 27764; websocket-v1.md §1.2: 27759).
 */
export const DEFAULT_PORTS = {
  /** Hub XPUB (nodes' XSUB connects here; Zeek `connect_xsub_endpoint`). */
  xpub: 27760,
  /** Hub XSUB (nodes' XPUB connects here; Zeek `connect_xpub_endpoint`). */
  xsub: 27761,
  /** WebSocket API v1 gateway. */
  gateway: 27759,
  /** Log sink PULL (first logger in a default ZeekControl layout). */
  logs: 27764,
  /** Hub HTTP side port (`/nodes`, `/healthz`, `/metrics`; the hub service's default). */
  hubHttp: 9911,
} as const;

/** The loopback address everything binds to by default. */
export const DEFAULT_HOST = '127.0.0.1';

/** Node-side endpoints for a hub and sink on `host` with the given ports. */
export function defaultEndpoints(
  host: string = DEFAULT_HOST,
  ports: { xpub: number; xsub: number; logs?: number | undefined } = DEFAULT_PORTS,
): { hubXsub: string; hubXpub: string; log: string | undefined } {
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    hubXsub: `tcp://${h}:${ports.xsub}`,
    hubXpub: `tcp://${h}:${ports.xpub}`,
    log: ports.logs === undefined ? undefined : `tcp://${h}:${ports.logs}`,
  };
}
