/**
 * `intake=zmtp`: the PULL side spoken by the sink itself on node:net, with the server connection
 * of `@zeek-relay/zmtp` (greeting, NULL or CURVE handshake, socket-type check, heartbeats) — no
 * libzmq, no zeromq.js promise and external-memory Buffer per frame.
 *
 * PULL semantics as libzmq's: every ready node is read in turn (libuv services each readable
 * connection once per event-loop turn, at most one 64 KiB read burst each, so no node starves
 * another); a message is handed to `onMessage` whole and synchronously, in arrival order per node.
 * Backpressure: when the write budget is full every established connection stops reading (what
 * was already read is delivered, nothing is dropped), the kernel's socket buffers fill and TCP
 * pushes back on the nodes, whose PUSH queues hold the rest; reading resumes at the budget's low
 * water. A connection still in its handshake completes it (as in libzmq's I/O thread).
 *
 * Stop = drain, as the native intake: new connections are refused at once (the nodes keep their
 * messages queued for the restarted sink), the open ones are read until all were idle for
 * `drainIdleMs` (or `drainTimeoutMs` passed), then they stop reading and are closed in the same
 * turn. What a node sent after that instant (bytes in flight on TCP, a message half read) is
 * lost, as with libzmq: ZMTP has no acknowledgements (README, "Graceful restart").
 */
import type { Socket } from 'node:net';
import {
  Connection,
  listen,
  type ConnectionEvents,
  type ConnectionOptions,
  type CurveOptions,
  type FrameTarget,
  type PeerError,
  type PeerErrorKind,
} from '@zeek-relay/zmtp';
import { decodeCurveKey, type CurveSettings } from '@zeek-relay/zmq';
import { SINK_ERROR_CODES, SinkError } from './errors.js';
import type { HandshakeFailureKind } from './handshake-monitor.js';
import type { Intake, IntakeOptions } from './intake.js';

/** The sink's code of each reason a node's connection is closed (README, "Error codes"). */
const PEER_CODES: Record<PeerErrorKind, string> = {
  protocol: SINK_ERROR_CODES.PEER_PROTOCOL,
  timeout: SINK_ERROR_CODES.PEER_TIMEOUT,
  curve: SINK_ERROR_CODES.CURVE_PEER,
  refused: SINK_ERROR_CODES.CURVE_REFUSED,
};

/** How libzmq's socket monitor would class a failed handshake (ZMQ_EVENT_HANDSHAKE_FAILED_*). */
function handshakeKind(err: PeerError): HandshakeFailureKind {
  if (err.kind === 'refused') return 'auth';
  return err.kind === 'timeout' ? 'other' : 'protocol';
}

/**
 * The CURVE pieces of every connection (libsodium is loaded only with CURVE on). With a frame
 * target (the render pool's lent buffers), large batches are opened straight into it.
 */
async function curveOptions(
  curve: CurveSettings,
  maxFrameBytes: number,
  target: FrameTarget | undefined,
): Promise<CurveOptions> {
  const { curveServerOptions } = await import('@zeek-relay/zmtp/curve');
  // Checked by resolveSinkCurve before start(); the factory only types a surprise.
  const secretKey = decodeCurveKey(
    curve.serverSecretKey,
    'the CURVE server secret key',
    (_code, message) => new SinkError(SINK_ERROR_CODES.CURVE_KEY_INVALID, message),
  );
  return curveServerOptions(secretKey, curve.clientPublicKeys, maxFrameBytes, target);
}

/**
 * The open connections and the shared read switch. While the write budget is full every
 * connection is paused; the messages that were already in the read being parsed then are held
 * here (in arrival order, at most one read per connection, as libzmq's RCVHWM queue holds what it
 * read) and handed on first when the budget drains: nothing read is dropped.
 */
class Nodes {
  readonly open = new Set<Connection>();
  paused = false;
  held: Buffer[][] = [];
  /** When any connection last delivered bytes (drain-to-idle). */
  lastRead = Date.now();

  constructor(private readonly o: IntakeOptions) {}

  /** One complete message from any connection. */
  message(frames: Buffer[]): void {
    if (this.paused) {
      this.held.push(frames);
      return;
    }
    this.o.onMessage(frames);
    if (this.o.budget.full) this.#pause();
  }

  /** Hands on what is held, as far as the budget allows; `force` at stop (nothing is dropped). */
  release(force: boolean): void {
    const held = this.held;
    let i = 0;
    while (i < held.length && (force || !this.o.budget.full)) this.o.onMessage(held[i++]!);
    this.held = held.slice(i);
    if (this.held.length > 0) this.#wait();
    else {
      this.paused = false;
      for (const c of this.open) c.resume();
    }
  }

  /**
   * Stops reading every ready connection. One still in its handshake goes on (libzmq completes
   * handshakes in its I/O thread whatever the application reads, and a paused handshake would
   * time out); it is paused once ready.
   */
  pauseReading(): void {
    this.paused = true;
    for (const c of this.open) if (c.ready) c.pause();
  }

  #pause(): void {
    this.pauseReading();
    this.o.onPause();
    this.#wait();
  }

  #wait(): void {
    void this.o.budget.belowLowWater().then(() => this.release(false));
  }
}

/** What each connection reports: messages to {@link Nodes}, the time of each read (drain). */
function nodeEvents(o: IntakeOptions, nodes: Nodes): ConnectionEvents {
  const curve = o.zmtpCurve;
  return {
    ready(conn) {
      if (curve) curve.onClient(true, conn.address);
      if (nodes.paused) conn.pause();
    },
    message(_conn, frames) {
      nodes.message(frames);
    },
    subscription() {
      // PULL has no subscriptions; libzmq ignores them too.
    },
    readDone() {
      nodes.lastRead = Date.now();
    },
    closed(conn, err, wasReady) {
      nodes.open.delete(conn);
      if (err === undefined) return;
      if (err.kind === 'refused') curve?.onClient(false, conn.address);
      if (!wasReady) o.onHandshakeFailed(handshakeKind(err), conn.address, err);
      else o.onPeerError?.(err.code, conn.address, err);
    },
  };
}

/** Binds the listener and starts accepting nodes. Throws `ZR_SINK_BIND_FAILED`. */
export async function startZmtpIntake(o: IntakeOptions): Promise<Intake> {
  const nodes = new Nodes(o);
  const copts: ConnectionOptions = {
    type: 'PULL',
    codes: PEER_CODES,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    handshakeTimeoutMs: o.handshakeTimeoutMs,
    maxFrameBytes: o.maxMessageBytes,
    ...(o.frameTarget ? { frameTarget: o.frameTarget } : {}),
    ...(o.zmtpCurve ? { curve: await curveOptions(o.zmtpCurve, o.maxMessageBytes, o.frameTarget) } : {}),
  };
  const events = nodeEvents(o, nodes);
  const accept = (socket: Socket) => {
    nodes.open.add(new Connection(socket, copts, events));
  };
  const fail = (why: string, cause?: unknown) =>
    new SinkError(
      SINK_ERROR_CODES.BIND_FAILED,
      `Could not bind PULL socket to ${o.endpoint}${cause === undefined ? `: ${why}` : ''}`,
      { cause },
    );
  const listener = await listen(o.endpoint, o.ipv6, fail, accept);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: listener.endpoint,
    stop() {
      stopped ??= (async () => {
        const closing = listener.close();
        await drained(o, nodes);
        for (const c of nodes.open) {
          c.pause();
          c.socket.destroy();
        }
        nodes.release(true);
        await closing;
      })();
      return stopped;
    },
  };
}

/**
 * Resolves once no connection delivered bytes for `drainIdleMs` while reading (a pause for the
 * write budget is not idleness), or `drainTimeoutMs` after the call.
 */
function drained(o: IntakeOptions, nodes: Nodes): Promise<void> {
  const deadline = Date.now() + o.drainTimeoutMs;
  nodes.lastRead = Date.now();
  const step = Math.max(1, Math.min(o.drainIdleMs, 20));
  return new Promise<void>((resolve) => {
    const check = () => {
      const now = Date.now();
      if (nodes.paused) nodes.lastRead = now;
      if (now >= deadline || nodes.open.size === 0 || now - nodes.lastRead >= o.drainIdleMs) resolve();
      else setTimeout(check, step);
    };
    check();
  });
}
