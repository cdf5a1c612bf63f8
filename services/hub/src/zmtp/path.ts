/**
 * `forwarding=zmtp`: the hub speaks ZMTP itself over node:net, no libzmq in the data path. Binds
 * both sides (XPUB first, as Zeek), wires each accepted connection to the core (core.ts), counts
 * connections and rejected peers as the libzmq socket monitor does on the other paths, and returns
 * the data path (forwarder.ts) plus the hub's own publish (rejoin.ts). With CURVE it loads
 * libsodium (`@zeek-relay/zmtp/curve`) and every connection is a CURVE server whose client keys
 * the allow-list decides, counted as the ZAP handler's requests are on the libzmq paths.
 */
import type { Socket } from 'node:net';
import type { Logger } from '@zeek-relay/runtime';
import { decodeCurveKey, type CurveSettings, type RateLimitedLog } from '@zeek-relay/zmq';
import type { HubConfig } from '../config.js';
import type { DataPath } from '../forwarder.js';
import type { HubMetrics, HubSocketName } from '../metrics.js';
import { endpointOf } from '../sockets.js';
import {
  Connection,
  listen,
  type ConnectionEvents,
  type ConnectionOptions,
  type CurveOptions,
  type Listener,
  type PeerErrorKind,
} from '@zeek-relay/zmtp';
import { HUB_ERROR_CODES, HubError, hubCurveError } from '../errors.js';
import { ForwardingCore } from './core.js';
import { SharedPlaintext } from './plaintext.js';
import type { SealPool } from './seal-pool.js';

/** Largest frame a peer may send (libzmq's ZMQ_MAXMSGSIZE; Zeek leaves it unlimited). */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** Subscriber labels of the drop counter before `other` (drops.ts). */
const MAX_DROP_LABELS = 256;
/** The hub's code of each reason a peer connection is closed. */
const PEER_CODES: Record<PeerErrorKind, string> = {
  protocol: HUB_ERROR_CODES.PEER_PROTOCOL,
  timeout: HUB_ERROR_CODES.PEER_TIMEOUT,
  curve: HUB_ERROR_CODES.PEER_CURVE,
  refused: HUB_ERROR_CODES.PEER_REFUSED,
};

/** `ZR_HUB_BIND_FAILED` for one side (the cause's message says why when there is one). */
const bindFailed = (endpoint: string, side: string) => (why: string, cause?: unknown) =>
  new HubError(
    HUB_ERROR_CODES.BIND_FAILED,
    `could not bind the hub ${side} socket to ${endpoint}${cause === undefined ? `: ${why}` : ''}`,
    { cause },
  );

export interface ZmtpPathDeps {
  readonly log: Logger;
  readonly metrics: HubMetrics;
  readonly warn: RateLimitedLog;
  readonly onNotice: (subscribe: boolean, prefix: Buffer) => void;
}

/** A started zmtp data path. */
export interface ZmtpPath {
  readonly dataPath: DataPath;
  readonly addresses: { xpub: string; xsub: string };
  /** Publishes one message into the hub as a publisher would (rejoin.ts). */
  publish(frames: Uint8Array[]): Promise<void>;
  readonly core: ForwardingCore;
}

/** Per-side connection handling: metrics, logs, and the core's callbacks. */
function sideEvents(
  side: HubSocketName,
  core: ForwardingCore,
  d: ZmtpPathDeps,
  open: Set<Connection>,
): ConnectionEvents {
  const pub = side === 'xsub';
  return {
    ready(conn) {
      if (conn.curve !== undefined) d.metrics.zap(true);
      d.metrics.handshake(side);
      if (pub) core.publisherReady(conn);
      else core.subscriberReady(conn);
    },
    message(conn, frames, raw) {
      if (pub) core.publish(frames, raw);
      else core.subscriberMessage(conn, frames);
    },
    subscription(conn, subscribe, prefix) {
      if (!pub) core.subscriberCommand(conn, subscribe, prefix);
    },
    readDone() {
      if (pub) core.flush();
    },
    closed(conn, err, wasReady) {
      open.delete(conn);
      if (pub) core.publisherClosed(conn);
      else core.subscriberClosed(conn);
      d.metrics.disconnected(side);
      log(d, side, conn, err, wasReady);
    },
  };
}

function log(d: ZmtpPathDeps, side: HubSocketName, conn: Connection, err: unknown, wasReady: boolean): void {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code === undefined) {
    d.log.debug({ socket: side, address: conn.address }, 'Closed connection');
    return;
  }
  d.metrics.peerError(side, e.code);
  const refused = e.code === HUB_ERROR_CODES.PEER_REFUSED;
  if (refused) d.metrics.zap(false);
  if (!wasReady) d.metrics.handshakeFailed(side, handshakeFailure(e.code));
  const fields = { socket: side, address: conn.address, code: e.code, error: e.message };
  d.warn.warn(`${e.code}_${side}`, fields, wasReady ? 'Closed a peer connection' : 'Rejected handshake');
}

/** How the libzmq monitor would class a failed handshake (ZMQ_EVENT_HANDSHAKE_FAILED_*). */
function handshakeFailure(code: string): 'protocol' | 'auth' | 'other' {
  if (code === HUB_ERROR_CODES.PEER_REFUSED) return 'auth';
  return code === HUB_ERROR_CODES.PEER_TIMEOUT ? 'other' : 'protocol';
}

/**
 * The CURVE pieces of every connection, and where the subscribers' batches are laid out for
 * sealing (libsodium is loaded only with CURVE on).
 */
async function curveOptions(
  curve: CurveSettings,
  maxFrameBytes: number,
  sealThreads: number,
  d: ZmtpPathDeps,
): Promise<{ options: CurveOptions; plaintext: SharedPlaintext; seal?: SealPool }> {
  const { curveServerOptions, SealSource, Sodium } = await import('@zeek-relay/zmtp/curve');
  const secretKey = decodeCurveKey(curve.serverSecretKey, 'the CURVE server secret key', hubCurveError);
  const options = await curveServerOptions(secretKey, curve.clientPublicKeys, maxFrameBytes);
  const plaintext = new SharedPlaintext(new SealSource(await Sodium.load()));
  if (sealThreads === 0) return { options, plaintext };
  const { SealPool } = await import('./seal-pool.js');
  const seal = new SealPool(sealThreads, (err) =>
    d.log.error({ code: err.code, error: err.message }, 'CURVE seal worker failed'),
  );
  return { options, plaintext, seal };
}

/** Binds both sides and starts forwarding. Throws `ZR_HUB_BIND_FAILED` (nothing left open). */
export async function startZmtpPath(
  config: HubConfig,
  d: ZmtpPathDeps,
  curve?: CurveSettings,
): Promise<ZmtpPath> {
  const sealing = curve ? await curveOptions(curve, MAX_FRAME_BYTES, config.curveSealThreads, d) : undefined;
  const core = new ForwardingCore({
    sendHighWaterMark: config.sendHighWaterMark,
    block: config.slowSubscriber === 'block',
    nodeTopicPrefix: config.nodeTopicPrefix,
    maxDropLabels: MAX_DROP_LABELS,
    onNotice: d.onNotice,
    ...(sealing ? { plaintext: sealing.plaintext } : {}),
    ...(sealing?.seal ? { seal: sealing.seal } : {}),
  });
  const open = new Set<Connection>();
  const base = {
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    maxFrameBytes: MAX_FRAME_BYTES,
    codes: PEER_CODES,
    ...(sealing ? { curve: sealing.options } : {}),
  };
  const accept = (side: HubSocketName) => {
    const o: ConnectionOptions = { ...base, type: side === 'xpub' ? 'XPUB' : 'XSUB' };
    const events = sideEvents(side, core, d, open);
    return (socket: Socket) => {
      d.metrics.accepted(side);
      d.log.debug({ socket: side, address: socket.remoteAddress }, 'Accepted connection');
      open.add(new Connection(socket, o, events));
    };
  };
  const bind = (side: HubSocketName) => {
    const endpoint = endpointOf(config, side);
    return listen(endpoint, config.ipv6, bindFailed(endpoint, side.toUpperCase()), accept(side));
  };
  let xpub: Listener;
  let xsub: Listener;
  try {
    xpub = await bind('xpub');
    try {
      xsub = await bind('xsub');
    } catch (err) {
      await xpub.close();
      throw err;
    }
  } catch (err) {
    await sealing?.seal?.close();
    throw err;
  }
  return {
    dataPath: dataPath(core, [xpub, xsub], open, config.lingerMs, sealing?.seal),
    addresses: { xpub: xpub.endpoint, xsub: xsub.endpoint },
    publish(frames) {
      core.publish(
        frames.map((f) => (Buffer.isBuffer(f) ? f : Buffer.from(f.buffer, f.byteOffset, f.byteLength))),
        undefined,
      );
      core.flush();
      return Promise.resolve();
    },
    core,
  };
}

/**
 * The DataPath of the zmtp core. `terminate` stops accepting, ends every connection (queued bytes
 * are still written) and destroys what has not closed after the linger; `done` resolves then.
 */
function dataPath(
  core: ForwardingCore,
  listeners: Listener[],
  open: Set<Connection>,
  lingerMs: number,
  seal: SealPool | undefined,
): DataPath {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let terminated = false;
  const stopAccepting = () => Promise.all(listeners.map((l) => l.close()));
  return {
    done,
    pause() {
      core.pause();
      void stopAccepting();
    },
    terminate() {
      if (terminated) return;
      terminated = true;
      core.pause();
      const conns = [...open];
      let lingered!: () => void;
      const lingerOver = new Promise<void>((r) => (lingered = r));
      const linger = setTimeout(() => {
        for (const c of conns) c.socket.destroy();
        lingered();
      }, lingerMs);
      // With seal workers the last batches are written when boxed; the linger bounds the wait.
      const flushed = Promise.race([core.flushAll(), lingerOver]).then(() => {
        for (const c of conns) c.socket.end();
      });
      const closed = conns.map(
        (c) => new Promise<void>((r) => (c.socket.closed ? r() : c.socket.once('close', () => r()))),
      );
      void Promise.all([stopAccepting(), flushed, ...closed]).then(async () => {
        clearTimeout(linger);
        await seal?.close();
        finish();
      });
    },
    statistics: core.statistics,
    drops: core.drops,
  };
}
