/** Container images of the data plane, from the operator configuration (the CR may override Zeek's). */
export interface Images {
  readonly zeek: string;
  readonly hub: string;
  readonly gateway: string;
  readonly logSink: string;
  readonly pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Zeek version of an image whose tag does not say (operator setting `zeekVersion`; default 8.2). */
  readonly zeekVersion?: string;
}

/** Ports of the log-sink service (one Zeek logger node per pod). */
/** zeekctl 8.1+ uses 27764 for the first logger; the sink service defaults to it too. */
export const LOG_SINK_PULL_PORT = 27764;
export const LOG_SINK_HEALTH_PORT = 9914;
export const HUB_HEALTH_PORT = 9911;
export const GATEWAY_HEALTH_PORT = 8080;
