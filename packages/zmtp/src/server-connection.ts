/**
 * One accepted ZMTP 3.x connection, server side (the hub's `forwarding=zmtp` core, the log sink's
 * `intake=zmtp` PULL): our greeting at once, the peer's greeting checked (signature, version 3.0
 * or 3.1, the owner's mechanism), then the handshake — NULL: READY both ways; CURVE (RFC 26, as server):
 * HELLO → WELCOME, INITIATE → READY, with the client key decided by the allow-list (an ERROR `400`
 * and close when it is not on it, as libzmq after a ZAP denial) — with the socket-type check of
 * RFC 29 and the peer's Identity, then frames (with CURVE each in a MESSAGE box, opened where it
 * lies by the CurveReader and sealed per connection). PING is answered with PONG and the peer's TTL honoured; with heartbeats on we PING every
 * interval and drop a peer silent for the timeout, as libzmq's ZMQ_HEARTBEAT_* do. A handshake that
 * does not finish within the handshake timeout, and any protocol error, close the connection with
 * a typed {@link PeerError} whose `code` is the owner's (`codes`). Pure connection logic: what the
 * messages mean is the owner's.
 */
import type { Socket } from 'node:net';
import type { CurveReader, CurveServer, CurveSink } from './curve/index.js';
import {
  FrameReader,
  ZmtpProtocolError,
  frameHeaderLength,
  writeFrameHeader,
  type FrameSink,
  type FrameTarget,
} from './frame-reader.js';
import {
  GREETING_LENGTH,
  buildGreeting,
  checkReady,
  commandBody,
  parseCommand,
  parseGreeting,
  parseProperties,
  readyBody,
  socketTypeMetadata,
  type ZmtpSocketType,
} from './greeting.js';

/**
 * Why the server closed a peer connection: `protocol` (not ZMTP 3, wrong mechanism or socket
 * type, bad or oversized frames), `timeout` (handshake or heartbeat), `curve` (a box or proof
 * that does not check), `refused` (a CURVE client key not on the allow-list).
 */
export type PeerErrorKind = 'protocol' | 'timeout' | 'curve' | 'refused';

/** Why a peer connection was closed: `code` is the owner's stable code for `kind`. */
export class PeerError extends Error {
  override name = 'PeerError';
  constructor(
    readonly kind: PeerErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Timing and limits of a connection (from the owner's settings). */
export interface ConnectionOptions {
  readonly type: ZmtpSocketType;
  /** The owner's error code of each {@link PeerErrorKind}. */
  readonly codes: Readonly<Record<PeerErrorKind, string>>;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  /** Largest frame accepted; a larger one is a protocol error (libzmq's ZMQ_MAXMSGSIZE). */
  readonly maxFrameBytes: number;
  /** Where large frames spanning reads are assembled (frame-reader.ts); without, joined per frame. */
  readonly frameTarget?: FrameTarget;
  /** CURVE as server (the owner loads libsodium only then); NULL without. */
  readonly curve?: CurveOptions;
}

/** The CURVE pieces of a connection (made by the owner, where `@zeek-relay/zmtp/curve` is loaded). */
export interface CurveOptions {
  /** A server state for one connection (the owner's long-term key pair). */
  newServer(): CurveServer;
  /** The read path of an established connection (frames up to the owner's limit). */
  newReader(server: CurveServer): CurveReader;
  /** Whether a proven client long-term public key may connect (the allow-list). */
  allowed(clientKey: Buffer): boolean;
}

/** What a connection reports to its owner. */
export interface ConnectionEvents {
  ready(conn: Connection): void;
  /** A complete message; `raw` its wire bytes when contiguous in one read (frame-reader.ts). */
  message(conn: Connection, frames: Buffer[], raw: Buffer | undefined): void;
  /** A ZMTP 3.1 SUBSCRIBE (true) or CANCEL (false) command. */
  subscription(conn: Connection, subscribe: boolean, prefix: Buffer): void;
  /** Every message of one read was delivered (the owner flushes what they produced). */
  readDone(conn: Connection): void;
  /** Exactly once; `error` when we closed it, `wasReady` whether the handshake completed. */
  closed(conn: Connection, error: PeerError | undefined, wasReady: boolean): void;
}

type State = 'greeting' | 'handshake' | 'ready' | 'closed';

/** The ERROR command of a refused CURVE client: reason `400`, as libzmq's after a ZAP denial. */
const REFUSED = commandBody('ERROR', Buffer.from('\x03400', 'latin1'));

/** Messages of a multipart message beyond this are a protocol error (no libzmq limit; a guard). */
const MAX_PARTS = 4096;

/** A server-side ZMTP connection. */
export class Connection implements FrameSink {
  readonly socket: Socket;
  readonly address: string;
  /** The peer's ZMTP minor version (0 or 1 and up). */
  minor = 0;
  /** The peer's Identity / routing id from its READY (empty when it set none). */
  identity = '';
  #state: State = 'greeting';
  readonly #o: ConnectionOptions;
  readonly #events: ConnectionEvents;
  readonly #reader: FrameReader;
  #greeting: Buffer[] = [];
  #greetingLength = 0;
  #lastRx = Date.now();
  #peerTtlMs = 0;
  #timer: NodeJS.Timeout | undefined;
  /** CURVE: the server state from the peer's greeting on, the read path once ready. */
  #curve: CurveServer | undefined;
  #curveReader: CurveReader | undefined;
  readonly #curveSink: CurveSink = {
    message: (frames) => this.#events.message(this, frames, undefined),
    command: (body) => this.#command(body),
  };

  constructor(socket: Socket, o: ConnectionOptions, events: ConnectionEvents) {
    this.socket = socket;
    this.address = `${socket.remoteAddress ?? 'local'}:${socket.remotePort ?? ''}`;
    this.#o = o;
    this.#events = events;
    this.#reader = new FrameReader(o.maxFrameBytes, MAX_PARTS, o.frameTarget);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', () => undefined); // 'close' follows; the owner counts it
    socket.on('close', () => this.#closed(undefined));
    socket.write(buildGreeting(o.curve ? 'CURVE' : 'NULL', o.curve !== undefined));
    if (o.handshakeTimeoutMs > 0) {
      this.#timer = setTimeout(
        () => this.fail('timeout', `no ZMTP handshake within ${o.handshakeTimeoutMs} ms`),
        o.handshakeTimeoutMs,
      );
    }
  }

  get ready(): boolean {
    return this.#state === 'ready';
  }

  /** Closes the connection for `message`, reported once through `closed`. */
  fail(kind: PeerErrorKind, message: string): void {
    if (this.#state === 'closed') return;
    const err = new PeerError(kind, this.#o.codes[kind], message);
    this.#closed(err);
    this.socket.destroy();
  }

  /** Stops (and restarts) reading: the owner's backpressure, shutdown. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (this.#state !== 'closed') this.socket.resume();
  }

  /** The CURVE state of a ready CURVE connection (its messages are sealed with it). */
  get curve(): CurveServer | undefined {
    return this.#curveReader === undefined ? undefined : this.#curve;
  }

  /** Writes one message (frames encoded, or sealed with CURVE, here). */
  sendMessage(frames: readonly Uint8Array[]): void {
    this.socket.write(this.#encode(frames, false));
  }

  #encode(frames: readonly Uint8Array[], command: boolean): Buffer {
    const curve = this.curve;
    if (curve === undefined) return command ? encodeFrame(frames[0]!, 4) : encodeMessage(frames);
    return curve.sealed(frames, command);
  }

  #closed(err: PeerError | undefined): void {
    if (this.#state === 'closed') return;
    const wasReady = this.#state === 'ready';
    this.#state = 'closed';
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#reader.reset();
    this.#curveReader?.dispose();
    this.#curve?.dispose();
    this.#events.closed(this, err, wasReady);
  }

  #data(chunk: Buffer): void {
    this.#lastRx = Date.now();
    let data: Buffer | undefined = chunk;
    if (this.#state === 'greeting') data = this.#greetingBytes(chunk);
    if (data === undefined || data.length === 0 || this.#state === 'closed') return;
    try {
      if (this.#curveReader !== undefined) this.#curveReader.push(data, this.#curveSink);
      else this.#plain(data);
    } catch (err) {
      if (!(err instanceof ZmtpProtocolError)) throw err;
      // CurveCryptoError: a box that does not open, a nonce that did not increase, a failed proof.
      const crypto = err.name === 'CurveCryptoError';
      this.fail(crypto ? 'curve' : 'protocol', err.message);
      return;
    }
    if (this.#state === 'ready') this.#events.readDone(this);
  }

  /** Parses plain frames; when they complete a CURVE handshake, the bytes after it are boxed. */
  #plain(data: Buffer): void {
    this.#reader.push(data, this);
    const curveReader = this.#curveReader as CurveReader | undefined;
    if (curveReader === undefined) return;
    const rest = this.#reader.takeRest();
    if (rest.length > 0) curveReader.push(rest, this.#curveSink);
  }

  /** Collects the peer's 64-byte greeting; returns what follows it once complete. */
  #greetingBytes(chunk: Buffer): Buffer | undefined {
    this.#greeting.push(chunk);
    this.#greetingLength += chunk.length;
    // A ZMTP 1.0/2.0 peer waits after its first 10/11 bytes: judge the signature early.
    const first = this.#greeting[0]!;
    if (first[0] !== 0xff) {
      this.fail('protocol', 'not a ZMTP 3 greeting (signature)');
      return undefined;
    }
    if (this.#greetingLength < GREETING_LENGTH) return undefined;
    const all = Buffer.concat(this.#greeting, this.#greetingLength);
    this.#greeting = [];
    const curve = this.#o.curve;
    const peer = parseGreeting(all.subarray(0, GREETING_LENGTH), curve ? 'CURVE' : 'NULL');
    if (typeof peer === 'string') {
      this.fail('protocol', peer);
      return undefined;
    }
    this.minor = peer.major > 3 ? 1 : peer.minor;
    this.#state = 'handshake';
    // NULL: our READY at once; CURVE: the client speaks first (HELLO).
    if (curve === undefined) this.#writeCommand(readyBody(this.#o.type));
    else this.#curve = curve.newServer();
    return all.subarray(GREETING_LENGTH);
  }

  /** FrameSink: a message; before READY a protocol error, and so is plaintext under CURVE. */
  message(frames: Buffer[], raw?: Buffer): void {
    if (this.#curveReader !== undefined)
      throw new ZmtpProtocolError('a plain frame after the CURVE handshake');
    if (this.#state !== 'ready') {
      if (this.#state === 'handshake') throw new ZmtpProtocolError('message before READY');
      return;
    }
    this.#events.message(this, frames, raw);
  }

  /** FrameSink: a message over the frame-size or part limit ends the connection (libzmq). */
  dropped(reason: 'frame_size' | 'frame_count'): void {
    throw new ZmtpProtocolError(
      reason === 'frame_size'
        ? `frame larger than ${this.#o.maxFrameBytes} bytes`
        : `message of more than ${MAX_PARTS} frames`,
    );
  }

  /** FrameSink: a command frame (under CURVE, once ready, commands come boxed only). */
  command(body: Buffer): void {
    if (this.#curveReader !== undefined)
      throw new ZmtpProtocolError('a plain command after the CURVE handshake');
    this.#command(body);
  }

  #command(body: Buffer): void {
    const cmd = parseCommand(body);
    if (cmd === undefined) throw new ZmtpProtocolError('malformed command frame');
    if (this.#state === 'handshake') {
      this.#handshake(cmd.name, cmd.data);
      return;
    }
    if (this.#state !== 'ready') return;
    switch (cmd.name) {
      case 'PING': {
        // [TTL: 2 octets, deciseconds][context] → PONG with the same context.
        const ttl = cmd.data.length >= 2 ? cmd.data.readUInt16BE(0) * 100 : 0;
        if (ttl > 0) this.#armTtl(ttl);
        this.#writeCommand(commandBody('PONG', cmd.data.subarray(2)));
        return;
      }
      case 'SUBSCRIBE':
      case 'CANCEL':
        this.#events.subscription(this, cmd.name === 'SUBSCRIBE', cmd.data);
        return;
      case 'ERROR':
        throw new ZmtpProtocolError(`peer error: ${cmd.data.toString('latin1', 1)}`);
      default:
        return; // PONG, and unknown commands (RFC 37: ignored)
    }
  }

  /** The peer's READY (NULL) or HELLO and INITIATE (CURVE); then {@link #established}. */
  #handshake(name: string, data: Buffer): void {
    if (name === 'ERROR') throw new ZmtpProtocolError(`peer refused: ${data.toString('latin1', 1)}`);
    const curve = this.#curve;
    if (curve === undefined) {
      if (name !== 'READY') throw new ZmtpProtocolError(`expected READY, got ${name}`);
      this.#established(data);
      return;
    }
    if (name === 'HELLO') {
      this.#writeCommand(curve.hello(data));
      return;
    }
    if (name !== 'INITIATE') throw new ZmtpProtocolError(`expected a CURVE HELLO or INITIATE, got ${name}`);
    const { clientKey, metadata } = curve.initiate(data);
    if (!this.#o.curve!.allowed(clientKey)) {
      this.#refuse();
      return;
    }
    this.#established(metadata);
  }

  /**
   * A proven client key that is not on the allow-list: ERROR `400` (what libzmq sends after its
   * ZAP handler's 400), then close once it is written.
   */
  #refuse(): void {
    const err = new PeerError('refused', this.#o.codes.refused, 'CURVE client key not on the allow-list');
    this.#closed(err);
    const socket = this.socket;
    socket.end(encodeFrame(REFUSED, 4));
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /** The peer's metadata: socket type compatible with ours, its Identity kept; we are ready. */
  #established(data: Buffer): void {
    const bad = checkReady(this.#o.type, data);
    if (bad !== undefined) throw new ZmtpProtocolError(bad);
    const curve = this.#curve;
    if (curve !== undefined) {
      this.#writeCommand(curve.ready(socketTypeMetadata(this.#o.type)));
      // From here every frame is a MESSAGE box, opened where it lies (#data).
      this.#curveReader = this.#o.curve!.newReader(curve);
    }
    const props = parseProperties(data);
    if (typeof props !== 'string') this.identity = props.get('identity')?.toString('latin1') ?? '';
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#state = 'ready';
    if (this.#o.heartbeatIntervalMs > 0) this.#startHeartbeat(this.#o.heartbeatIntervalMs);
    this.#events.ready(this);
  }

  /** The peer promised traffic at least every `ms` (its PING's TTL). */
  #armTtl(ms: number): void {
    this.#peerTtlMs = ms;
    if (this.#timer === undefined) this.#startHeartbeat(Math.min(ms, 1000));
  }

  /** One timer per connection: PING (when ours are on), and the silence checks. */
  #startHeartbeat(every: number): void {
    const { heartbeatIntervalMs: ivl, heartbeatTimeoutMs: timeout } = this.#o;
    // TTL in deciseconds (libzmq caps it at 6553.5 s).
    const ping = Buffer.alloc(2);
    ping.writeUInt16BE(Math.min(Math.round(timeout / 100), 0xffff));
    this.#timer = setInterval(() => {
      const idle = Date.now() - this.#lastRx;
      if (ivl > 0 && idle >= timeout) this.fail('timeout', `no traffic for ${idle} ms (heartbeat timeout)`);
      else if (this.#peerTtlMs > 0 && idle >= this.#peerTtlMs)
        this.fail('timeout', `no traffic for ${idle} ms (the peer's TTL)`);
      else if (ivl > 0) this.#writeCommand(commandBody('PING', ping));
    }, every);
    this.#timer.unref();
  }

  #writeCommand(body: Buffer): void {
    this.socket.write(this.#encode([body], true));
  }
}

/** One frame with its header (`flags`: 1 MORE, 4 COMMAND). */
function encodeFrame(body: Uint8Array, flags: number): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderLength(body.length) + body.length);
  out.set(body, writeFrameHeader(out, 0, flags, body.length));
  return out;
}

/** A whole message's wire bytes. */
export function encodeMessage(frames: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const f of frames) size += frameHeaderLength(f.length) + f.length;
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    off = writeFrameHeader(out, off, i < frames.length - 1 ? 1 : 0, f.length);
    out.set(f, off);
    off += f.length;
  }
  return out;
}
