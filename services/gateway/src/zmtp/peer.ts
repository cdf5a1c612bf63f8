import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { FrameReader, ZmtpProtocolError, frameHeaderLength, writeFrameHeader } from './frame-reader.js';
import type { Target } from './endpoint.js';
import {
  GREETING_LENGTH,
  buildGreeting,
  checkReady,
  commandBody,
  parseCommand,
  parseGreeting,
  readyBody,
  type ZmtpSocketType,
} from './greeting.js';

/** Options of a {@link ZmtpPeer}. */
export interface ZmtpPeerOptions {
  /** The socket type we speak as. */
  readonly type: ZmtpSocketType;
  readonly target: Target;
  /** IPv4 only unless true (ZMQ_IPV6). */
  readonly ipv6: boolean;
  /** Largest frame accepted; larger messages are skipped and reported (ZMQ_MAXMSGSIZE). */
  readonly maxFrameBytes: number;
  /** Wait before reconnecting (libzmq's ZMQ_RECONNECT_IVL default: 100 ms). */
  readonly reconnectMs?: number;
  /** A connection without a complete handshake by then is dropped (ZMQ_HANDSHAKE_IVL: 30 s). */
  readonly handshakeTimeoutMs?: number;
  readonly log: Logger;
}

/** Output is written in chunks of this size (bigger for bigger messages). */
const CHUNK = 64 * 1024;

type State = 'idle' | 'greeting' | 'handshake' | 'ready';

/**
 * One connecting ZeroMQ socket with exactly one peer, speaking ZMTP 3.1 with the NULL mechanism
 * over TCP or a Unix socket: what a libzmq XSUB or XPUB does with its one connection to the hub —
 * greeting, READY exchange with socket-type check, PING → PONG (and the peer's TTL honoured),
 * SUBSCRIBE/CANCEL commands turned into the classic `0x01`/`0x00` messages, reconnection every
 * `reconnectMs`. Messages sent in one event-loop turn are framed into one buffer and written
 * with one syscall.
 *
 * Not here: security mechanisms other than NULL, and several peers per socket (the gateway has
 * one hub connection per direction).
 */
export class ZmtpPeer {
  readonly #o: ZmtpPeerOptions;
  readonly #reader: FrameReader;
  #socket: Socket | undefined;
  #state: State = 'idle';
  #greeting: Buffer[] = [];
  #greetingLength = 0;
  #closed = false;
  #reconnect: NodeJS.Timeout | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #ttlTimer: NodeJS.Timeout | undefined;
  #ttlMs = 0;
  #lastRx = 0;
  #out = Buffer.allocUnsafe(CHUNK);
  #outStart = 0;
  #outLength = 0;
  #outMessages = 0;
  #flushScheduled = false;
  #inflight = 0;
  #waiters: (() => void)[] = [];
  #lastError = '';

  /** A complete message from the peer (frames are views, valid during the call). */
  onMessage: (frames: Buffer[]) => void = () => {};
  /** A message was skipped (oversized frame or too many frames). */
  onDropped: (reason: 'frame_size' | 'frame_count') => void = () => {};
  /** The handshake completed: messages can flow. */
  onConnect: () => void = () => {};
  /** An established connection ended (a reconnect follows unless closed). */
  onDisconnect: (reason: string) => void = () => {};
  /** Everything sent so far was handed to the kernel. */
  onDrain: () => void = () => {};

  readonly #sink = {
    message: (frames: Buffer[]): void => {
      if (this.#state !== 'ready') throw new ZmtpProtocolError('message before the handshake completed');
      try {
        this.onMessage(frames);
      } catch (err) {
        // A failing handler loses this message only, not the connection and the rest of the read.
        this.#o.log.error({ err }, 'A handler of a message from the hub failed; the message is dropped');
      }
    },
    command: (body: Buffer): void => this.#command(body),
    dropped: (reason: 'frame_size' | 'frame_count'): void => this.onDropped(reason),
  };

  constructor(options: ZmtpPeerOptions) {
    this.#o = options;
    this.#reader = new FrameReader(options.maxFrameBytes);
  }

  /** True while the handshake is complete. */
  get connected(): boolean {
    return this.#state === 'ready';
  }

  /** Messages accepted by {@link send} and not yet handed to the kernel. */
  get pending(): number {
    return this.#inflight + this.#outMessages;
  }

  /** Starts connecting (and keeps reconnecting until {@link close}). */
  start(): void {
    this.#connect();
  }

  /**
   * Queues one message (frames in order) for the peer; false, and nothing sent, when not
   * connected — as a libzmq XPUB or XSUB without a peer drops what it is given.
   */
  send(frames: readonly Uint8Array[]): boolean {
    if (this.#state !== 'ready') return false;
    this.#frame(frames, 0);
    this.#outMessages++;
    this.#scheduleFlush();
    return true;
  }

  /** Resolves when everything sent so far was handed to the kernel (or the connection ended). */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((r) => this.#waiters.push(r));
  }

  /** Stops reconnecting; flushes for up to `lingerMs`, then ends the connection. Idempotent. */
  async close(lingerMs: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnect);
    this.#flush();
    if (lingerMs > 0 && this.pending > 0) {
      await Promise.race([this.drained(), new Promise((r) => setTimeout(r, lingerMs).unref())]);
    }
    const s = this.#socket;
    if (s !== undefined && !s.destroyed) {
      const gone = new Promise((r) => s.once('close', r));
      s.end();
      setTimeout(() => s.destroy(), 100).unref();
      await gone;
    }
    this.#drop();
  }

  #frame(frames: readonly Uint8Array[], flags: number): void {
    let size = 0;
    for (const f of frames) size += frameHeaderLength(f.length) + f.length;
    if (this.#out.length - this.#outLength < size) {
      this.#flush();
      // Everything before #outLength now belongs to the socket: continue in a fresh buffer.
      this.#out = Buffer.allocUnsafe(Math.max(CHUNK, size));
      this.#outStart = 0;
      this.#outLength = 0;
    }
    const out = this.#out;
    let off = this.#outLength;
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) {
      const f = frames[i] as Uint8Array;
      off = writeFrameHeader(out, off, i < last ? flags | 1 : flags, f.length);
      out.set(f, off);
      off += f.length;
    }
    this.#outLength = off;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // After this turn's I/O callbacks: everything sent meanwhile leaves in one write.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const n = this.#outMessages;
    if (this.#outLength === this.#outStart || this.#socket === undefined) return;
    const chunk = this.#out.subarray(this.#outStart, this.#outLength);
    this.#outStart = this.#outLength;
    this.#outMessages = 0;
    this.#inflight += n;
    const socket = this.#socket;
    socket.write(chunk, () => {
      if (this.#socket !== socket) return;
      this.#inflight -= n;
      if (this.pending === 0) this.#drained();
    });
  }

  #drained(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
    this.onDrain();
  }

  #command(body: Buffer): void {
    const cmd = parseCommand(body);
    if (cmd === undefined) throw new ZmtpProtocolError('malformed command frame');
    const { name, data } = cmd;
    if (this.#state === 'handshake') {
      if (name === 'ERROR') throw new ZmtpProtocolError(`peer refused: ${data.toString('latin1', 1)}`);
      if (name !== 'READY') throw new ZmtpProtocolError(`expected READY, got ${name}`);
      const bad = checkReady(this.#o.type, data);
      if (bad !== undefined) throw new ZmtpProtocolError(bad);
      clearTimeout(this.#handshakeTimer);
      this.#state = 'ready';
      this.#lastError = '';
      this.onConnect();
      return;
    }
    switch (name) {
      case 'PING': {
        // [TTL: 2 octets, deciseconds][context ≤ 16 octets] → PONG with the same context.
        const ttl = data.length >= 2 ? data.readUInt16BE(0) * 100 : 0;
        if (ttl > 0) this.#armTtl(ttl);
        this.#frame([commandBody('PONG', data.subarray(2))], 4);
        this.#scheduleFlush();
        return;
      }
      case 'PONG':
        return;
      case 'SUBSCRIBE':
      case 'CANCEL': {
        // ZMTP 3.1 form of a (un)subscription: deliver it in the classic message form.
        const msg = Buffer.allocUnsafe(1 + data.length);
        msg[0] = name === 'SUBSCRIBE' ? 1 : 0;
        data.copy(msg, 1);
        this.#sink.message([msg]);
        return;
      }
      case 'ERROR':
        throw new ZmtpProtocolError(`peer error: ${data.toString('latin1', 1)}`);
      default:
        // RFC 37: unknown commands are ignored.
        return;
    }
  }

  /** The peer promised a message at least every `ms` (its PING TTL): drop the link otherwise. */
  #armTtl(ms: number): void {
    this.#ttlMs = ms;
    if (this.#ttlTimer !== undefined) return;
    const check = (): void => {
      const idle = Date.now() - this.#lastRx;
      if (idle >= this.#ttlMs) {
        this.#ttlTimer = undefined;
        this.#socket?.destroy(new ZmtpProtocolError(`nothing received for ${idle} ms (peer TTL)`));
        return;
      }
      this.#ttlTimer = setTimeout(check, this.#ttlMs - idle).unref();
    };
    this.#ttlTimer = setTimeout(check, ms).unref();
  }

  #connect(): void {
    if (this.#closed) return;
    const t = this.#o.target;
    const socket =
      t.kind === 'ipc'
        ? connect({ path: t.path })
        : connect({ host: t.host, port: t.port, family: this.#o.ipv6 ? 0 : 4, noDelay: true });
    this.#socket = socket;
    this.#state = 'greeting';
    this.#greeting = [];
    this.#greetingLength = 0;
    this.#reader.reset();
    this.#handshakeTimer = setTimeout(
      () => socket.destroy(new ZmtpProtocolError('handshake timed out')),
      this.#o.handshakeTimeoutMs ?? 30_000,
    ).unref();
    socket.on('connect', () => socket.write(buildGreeting()));
    socket.on('data', (chunk: Buffer) => {
      this.#lastRx = Date.now();
      try {
        this.#data(chunk);
      } catch (err) {
        socket.destroy(err instanceof Error ? err : new Error(String(err)));
      }
    });
    socket.on('error', (err) => {
      // Refused connections repeat every reconnectMs: log each distinct reason once.
      const text = err.message;
      if (text !== this.#lastError)
        this.#o.log.warn({ err, endpoint: t }, 'ZeroMQ connection to the hub failed');
      this.#lastError = text;
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      const wasReady = this.#state === 'ready';
      this.#drop();
      if (wasReady) this.onDisconnect(this.#lastError || 'connection closed');
      if (!this.#closed) this.#reconnect = setTimeout(() => this.#connect(), this.#o.reconnectMs ?? 100);
    });
  }

  #data(chunk: Buffer): void {
    if (this.#state === 'greeting') {
      this.#greeting.push(chunk);
      this.#greetingLength += chunk.length;
      if (this.#greetingLength < GREETING_LENGTH) return;
      const all = Buffer.concat(this.#greeting, this.#greetingLength);
      this.#greeting = [];
      const peer = parseGreeting(all.subarray(0, GREETING_LENGTH));
      if (typeof peer === 'string') throw new ZmtpProtocolError(peer);
      this.#state = 'handshake';
      const ready = readyBody(this.#o.type);
      const frame = Buffer.allocUnsafe(frameHeaderLength(ready.length) + ready.length);
      ready.copy(frame, writeFrameHeader(frame, 0, 4, ready.length));
      this.#socket?.write(frame);
      chunk = all.subarray(GREETING_LENGTH);
      if (chunk.length === 0) return;
    }
    this.#reader.push(chunk, this.#sink);
  }

  /** Forgets the connection's state; unsent output is lost, as with a libzmq pipe. */
  #drop(): void {
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#ttlTimer);
    this.#ttlTimer = undefined;
    this.#state = 'idle';
    this.#socket = undefined;
    this.#out = Buffer.allocUnsafe(CHUNK);
    this.#outStart = 0;
    this.#outLength = 0;
    this.#outMessages = 0;
    const hadPending = this.#inflight > 0;
    this.#inflight = 0;
    if (hadPending || this.#waiters.length > 0) this.#drained();
  }
}
