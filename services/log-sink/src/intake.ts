/**
 * The intake: `startIntake` binds the PULL side of the configured kind — `zmtp` (intake-zmtp.ts:
 * the sink's own ZMTP on node:net) or `native` (here: zeromq.js). Both hand every message to
 * `onMessage` whole, stop reading while the write budget is full, and drain to idle at stop.
 *
 * The native PULL socket and its receive loop: reads one message at a time and hands it to `onMessage`
 * synchronously (decode, render, queue), so batches keep their arrival order. When the write
 * budget is full it stops calling receive: libzmq's queue (ZMQ_RCVHWM batches) fills, then TCP
 * pushes back on the Zeek nodes, whose PUSH queues hold the rest (spec zeromq-wire.md §7.1).
 *
 * Stop = drain: keep reading until the socket has been idle for `drainIdleMs` (or
 * `drainTimeoutMs` passed), then close it. ZeroMQ has no acknowledgements: bytes already sent by a
 * node but not yet read when the socket closes are lost, so draining to idle is what keeps a
 * graceful restart loss-free (messages still in the nodes' queues are delivered after restart).
 * libzmq closes the connections in its I/O thread after `close()`: what a node sends until then is
 * read and dropped too (milliseconds, longer on a starved machine; README "Graceful restart").
 */
import { Pull, type Context } from 'zeromq';
import type { WriteBudget } from './backpressure.js';
import { SINK_ERROR_CODES, SinkError } from './errors.js';
import { watchHandshakes, type HandshakeFailureHandler } from './handshake-monitor.js';
import { startZmtpIntake } from './intake-zmtp.js';
import type { CurveSettings } from '@zeek-relay/zmq';
import type { FrameTarget } from '@zeek-relay/zmtp';

/** Settings of the intake. */
export interface IntakeOptions {
  /** `native` (zeromq.js) or `zmtp` (the sink's own; see intake-zmtp.ts). */
  readonly mode: 'native' | 'zmtp';
  readonly endpoint: string;
  /** ZMQ_MAXMSGSIZE (a larger frame disconnects the node). */
  readonly maxMessageBytes: number;
  /** ZMQ_HEARTBEAT_IVL / _TIMEOUT and ZMQ_HANDSHAKE_IVL (0 = off / unlimited). */
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly receiveHighWaterMark: number;
  readonly receiveBufferSize: number;
  readonly ipv6: boolean;
  readonly drainIdleMs: number;
  readonly drainTimeoutMs: number;
  readonly budget: WriteBudget;
  readonly onMessage: (frames: Buffer[]) => void;
  readonly onPause: () => void;
  readonly onError: (err: unknown) => void;
  /** Failed ZMTP/CURVE handshakes (socket monitor). */
  readonly onHandshakeFailed: HandshakeFailureHandler;
  /**
   * CURVE server side: the Z85 server secret key and the context whose ZAP handler (already
   * bound) admits the clients. Absent = plain ZMTP in the default context.
   */
  readonly curve?: { readonly context: Context; readonly serverSecretKey: string };
  /**
   * `zmtp` with CURVE: the key pair and allow-list, and each client's verdict (the ZAP handler's
   * counterpart: accepted once ready, rejected when its key is not on the list).
   */
  readonly zmtpCurve?: CurveSettings & {
    readonly onClient: (accepted: boolean, address: string) => void;
  };
  /** `zmtp`: where large frames are assembled (the render pool's pooled buffers). */
  readonly frameTarget?: FrameTarget;
  /** `zmtp`: a ready node's connection closed for `code` (oversized frame, heartbeat, bad box). */
  readonly onPeerError?: (code: string, address: string, err: unknown) => void;
}

/** A bound, running intake. */
export interface Intake {
  /** The endpoint actually bound (ephemeral port resolved). */
  readonly endpoint: string;
  /** Stops reading after draining (see module comment) and closes the socket; idempotent. */
  stop(): Promise<void>;
}

const POLL_MS = 100;

/** `tcp://host:0` → `tcp://host:*` (libzmq's ephemeral port syntax). */
function toZmqEndpoint(endpoint: string): string {
  return endpoint.replace(/^(tcp:\/\/.*):0$/, '$1:*');
}

/** Binds the PULL side of `o.mode` and starts reading. Throws `ZR_SINK_BIND_FAILED`. */
export function startIntake(o: IntakeOptions): Promise<Intake> {
  return o.mode === 'zmtp' ? startZmtpIntake(o) : startNativeIntake(o);
}

/** Binds the zeromq.js PULL socket and starts the receive loop. */
async function startNativeIntake(o: IntakeOptions): Promise<Intake> {
  const pull = new Pull({
    ...(o.curve
      ? { context: o.curve.context, curveServer: true, curveSecretKey: o.curve.serverSecretKey }
      : {}),
    receiveHighWaterMark: o.receiveHighWaterMark,
    ipv6: o.ipv6,
    linger: 0,
    receiveTimeout: POLL_MS,
    maxMessageSize: o.maxMessageBytes,
    heartbeatInterval: o.heartbeatIntervalMs,
    heartbeatTimeout: o.heartbeatTimeoutMs,
    handshakeInterval: o.handshakeTimeoutMs,
  });
  if (o.receiveBufferSize >= 0) pull.receiveBufferSize = o.receiveBufferSize;
  const monitor = watchHandshakes(pull, o.onHandshakeFailed, o.onError);
  try {
    await pull.bind(toZmqEndpoint(o.endpoint));
  } catch (err) {
    pull.close();
    await monitor;
    throw new SinkError(SINK_ERROR_CODES.BIND_FAILED, `Could not bind PULL socket to ${o.endpoint}`, {
      cause: err,
    });
  }
  const endpoint = pull.lastEndpoint ?? o.endpoint;
  let stopping = false;
  let deadline = Infinity;
  const loop = (async () => {
    for (;;) {
      if (o.budget.full) {
        o.onPause();
        await o.budget.belowLowWater();
      }
      if (stopping && Date.now() >= deadline) return;
      let frames: Buffer[];
      try {
        frames = await pull.receive();
      } catch (err) {
        if ((err as { code?: string }).code === 'EAGAIN') {
          if (!stopping) continue;
          // Idle for drainIdleMs: take what arrived since without waiting, then stop. (What
          // reaches the socket after this instant and before close() is the unavoidable
          // ZeroMQ window: PUSH/PULL has no acknowledgements.)
          pull.receiveTimeout = 0;
          for (;;) {
            try {
              o.onMessage(await pull.receive());
            } catch (e) {
              if ((e as { code?: string }).code === 'EAGAIN') return;
              throw e;
            }
          }
        }
        if (pull.closed) return;
        o.onError(err);
        await new Promise((r) => setTimeout(r, POLL_MS));
        continue;
      }
      o.onMessage(frames);
    }
  })();
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        deadline = Date.now() + o.drainTimeoutMs;
        pull.receiveTimeout = Math.max(1, o.drainIdleMs);
        await loop;
        pull.close();
        await monitor;
      })();
      return stopped;
    },
  };
}
