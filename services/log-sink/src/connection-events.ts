/**
 * What the sink does with connection-level events of the PULL socket (never per message): ZAP
 * answers and failed handshakes are counted (stats and `zeek_relay.sink.zap.requests` /
 * `zeek_relay.sink.handshake.failures`), and so are node connections the `zmtp` intake closes
 * (`zeek_relay.sink.peer.errors`); all are logged at most once per kind per window, so a
 * misconfigured node reconnecting every 100 ms cannot flood the log.
 */
import type { HandshakeFailureKind } from './handshake-monitor.js';
import type { SinkMetrics } from './metrics.js';
import type { RateLimitedLog } from '@zeek-relay/zmq';

/** The counters these events update (part of `SinkStats`). */
export interface ConnectionStats {
  /** CURVE client authentications answered by the ZAP handler (CURVE on only). */
  zap: { accepted: number; rejected: number };
  /** Failed ZMTP/CURVE handshakes on the PULL socket, by kind. */
  handshakeFailures: Partial<Record<HandshakeFailureKind, number>>;
  /** `intake=zmtp`: established node connections closed by the sink, by error code. */
  peerErrors: Partial<Record<string, number>>;
}

/** Builds the two handlers handed to the ZAP handler and the intake; they never throw. */
export function connectionEvents(stats: ConnectionStats, metrics: SinkMetrics, warn: RateLimitedLog) {
  /** A client admitted or refused by key (libzmq's ZAP request, or the zmtp intake's own check). */
  const clientVerdict = (accepted: boolean, address?: string, mechanism?: string): void => {
    stats.zap[accepted ? 'accepted' : 'rejected'] += 1;
    metrics.zap(accepted);
    if (!accepted)
      warn.warn('zap_rejected', { address, mechanism }, 'Rejected CURVE client (key not on the allow-list)');
  };
  return {
    onZap(accepted: boolean, request: readonly Buffer[]): void {
      clientVerdict(accepted, request[3]?.toString('latin1'), request[5]?.toString('latin1'));
    },
    onHandshakeFailed(kind: HandshakeFailureKind, address: string, err: unknown): void {
      stats.handshakeFailures[kind] = (stats.handshakeFailures[kind] ?? 0) + 1;
      metrics.handshakeFailed(kind);
      warn.warn(`handshake_${kind}`, { address, err }, 'Rejected handshake on the PULL socket');
    },
    /** `intake=zmtp` with CURVE: a client's verdict, counted as the ZAP handler's answers. */
    onClient(accepted: boolean, address: string): void {
      clientVerdict(accepted, address, 'CURVE');
    },
    onPeerError(code: string, address: string, err: unknown): void {
      stats.peerErrors[code] = (stats.peerErrors[code] ?? 0) + 1;
      metrics.peerError(code);
      warn.warn(`peer_${code}`, { address, code, err }, 'Closed a node connection');
    },
  };
}
