/** Container images of the data plane, from the operator configuration (the CR may override Zeek's). */
export interface Images {
  readonly zeek: string;
  readonly hub: string;
  readonly gateway: string;
  readonly logSink: string;
  readonly pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
}

/** Ports of the log-sink service (one Zeek logger node per pod). */
export const LOG_SINK_PULL_PORT = 27762;
export const LOG_SINK_HEALTH_PORT = 9912;
export const HUB_HEALTH_PORT = 9911;
export const GATEWAY_HEALTH_PORT = 8080;
