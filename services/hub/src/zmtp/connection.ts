/**
 * One accepted ZMTP 3.x connection of the hub's own forwarding core (`forwarding=zmtp`), server
 * side: our greeting at once, the peer's greeting checked (signature, version 3.0 or 3.1, the NULL
 * mechanism), READY both ways with the socket-type check of RFC 29 and the peer's Identity, then
 * frames. PING is answered with PONG and the peer's TTL honoured; with heartbeats on we PING every
 * interval and drop a peer silent for the timeout, as libzmq's ZMQ_HEARTBEAT_* do. A handshake that
 * does not finish within the handshake timeout, and any protocol error, close the connection with
 * a typed {@link PeerError}. Pure connection logic: what the messages mean is the core's (core.ts).
 */
import type { Socket } from 'node:net';
import {
  FrameReader,
  GREETING_LENGTH,
  ZmtpProtocolError,
  buildGreeting,
  checkReady,
  commandBody,
  frameHeaderLength,
  parseCommand,
  parseGreeting,
  parseProperties,
  readyBody,
  writeFrameHeader,
  type FrameSink,
  type ZmtpSocketType,
} from '@zeek-relay/zmtp';
import { HUB_ERROR_CODES } from '../errors.js';

/** Why a peer connection was closed by the hub: `code` is stable (README, "Error codes"). */
export class PeerError extends Error {
  override name = 'PeerError';
  constructor(
    readonly code: typeof HUB_ERROR_CODES.PEER_PROTOCOL | typeof HUB_ERROR_CODES.PEER_TIMEOUT,
    message: string,
  ) {
    super(message);
  }
}

/** Timing and limits of a connection (from the hub's settings). */
export interface ConnectionOptions {
  readonly type: ZmtpSocketType;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  /** Largest frame accepted; a larger one is a protocol error (libzmq's ZMQ_MAXMSGSIZE). */
  readonly maxFrameBytes: number;
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
  /** Exactly once; `error` when the hub closed it, `wasReady` whether the handshake completed. */
  closed(conn: Connection, error: PeerError | undefined, wasReady: boolean): void;
}

type State = 'greeting' | 'handshake' | 'ready' | 'closed';

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

  constructor(socket: Socket, o: ConnectionOptions, events: ConnectionEvents) {
    this.socket = socket;
    this.address = `${socket.remoteAddress ?? 'local'}:${socket.remotePort ?? ''}`;
    this.#o = o;
    this.#events = events;
    this.#reader = new FrameReader(o.maxFrameBytes, MAX_PARTS);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', () => undefined); // 'close' follows; the owner counts it
    socket.on('close', () => this.#closed(undefined));
    socket.write(buildGreeting('NULL'));
    if (o.handshakeTimeoutMs > 0) {
      this.#timer = setTimeout(
        () => this.fail(HUB_ERROR_CODES.PEER_TIMEOUT, `no ZMTP handshake within ${o.handshakeTimeoutMs} ms`),
        o.handshakeTimeoutMs,
      );
    }
  }

  get ready(): boolean {
    return this.#state === 'ready';
  }

  /** Closes the connection for `message`, reported once through `closed`. */
  fail(code: PeerError['code'], message: string): void {
    if (this.#state === 'closed') return;
    const err = new PeerError(code, message);
    this.#closed(err);
    this.socket.destroy();
  }

  /** Stops (and restarts) reading: backpressure of `slowSubscriber=block`, shutdown. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (this.#state !== 'closed') this.socket.resume();
  }

  /** Writes one message (frames encoded here). */
  sendMessage(frames: readonly Uint8Array[]): void {
    this.socket.write(encodeMessage(frames));
  }

  #closed(err: PeerError | undefined): void {
    if (this.#state === 'closed') return;
    const wasReady = this.#state === 'ready';
    this.#state = 'closed';
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#reader.reset();
    this.#events.closed(this, err, wasReady);
  }

  #data(chunk: Buffer): void {
    this.#lastRx = Date.now();
    let data: Buffer | undefined = chunk;
    if (this.#state === 'greeting') data = this.#greetingBytes(chunk);
    if (data === undefined || data.length === 0 || this.#state === 'closed') return;
    try {
      this.#reader.push(data, this);
    } catch (err) {
      if (!(err instanceof ZmtpProtocolError)) throw err;
      this.fail(HUB_ERROR_CODES.PEER_PROTOCOL, err.message);
      return;
    }
    if (this.#state === 'ready') this.#events.readDone(this);
  }

  /** Collects the peer's 64-byte greeting; returns what follows it once complete. */
  #greetingBytes(chunk: Buffer): Buffer | undefined {
    this.#greeting.push(chunk);
    this.#greetingLength += chunk.length;
    // A ZMTP 1.0/2.0 peer waits after its first 10/11 bytes: judge the signature early.
    const first = this.#greeting[0]!;
    if (first[0] !== 0xff) {
      this.fail(HUB_ERROR_CODES.PEER_PROTOCOL, 'not a ZMTP 3 greeting (signature)');
      return undefined;
    }
    if (this.#greetingLength < GREETING_LENGTH) return undefined;
    const all = Buffer.concat(this.#greeting, this.#greetingLength);
    this.#greeting = [];
    const peer = parseGreeting(all.subarray(0, GREETING_LENGTH), 'NULL');
    if (typeof peer === 'string') {
      this.fail(HUB_ERROR_CODES.PEER_PROTOCOL, peer);
      return undefined;
    }
    this.minor = peer.major > 3 ? 1 : peer.minor;
    this.#state = 'handshake';
    this.#writeCommand(readyBody(this.#o.type));
    return all.subarray(GREETING_LENGTH);
  }

  /** FrameSink: a message; before READY a protocol error. */
  message(frames: Buffer[], raw?: Buffer): void {
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

  /** FrameSink: a command frame. */
  command(body: Buffer): void {
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

  /** The peer's READY: socket type compatible with ours, its Identity kept. */
  #handshake(name: string, data: Buffer): void {
    if (name === 'ERROR') throw new ZmtpProtocolError(`peer refused: ${data.toString('latin1', 1)}`);
    if (name !== 'READY') throw new ZmtpProtocolError(`expected READY, got ${name}`);
    const bad = checkReady(this.#o.type, data);
    if (bad !== undefined) throw new ZmtpProtocolError(bad);
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
      if (ivl > 0 && idle >= timeout)
        this.fail(HUB_ERROR_CODES.PEER_TIMEOUT, `no traffic for ${idle} ms (heartbeat timeout)`);
      else if (this.#peerTtlMs > 0 && idle >= this.#peerTtlMs)
        this.fail(HUB_ERROR_CODES.PEER_TIMEOUT, `no traffic for ${idle} ms (the peer's TTL)`);
      else if (ivl > 0) this.#writeCommand(commandBody('PING', ping));
    }, every);
    this.#timer.unref();
  }

  #writeCommand(body: Buffer): void {
    this.socket.write(encodeFrame(body, 4));
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
