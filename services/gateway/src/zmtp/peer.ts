import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  CurveClient,
  CurveReader,
  CurveRefusedError,
  MESSAGE_OVERHEAD,
  type CurveClientKeys,
  type CurveSink,
  sealedLength,
  type Sodium,
} from '@zeek-relay/zmtp/curve';
import type { Target } from './endpoint.js';
import { SealStage } from './seal-stage.js';
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
  readyBody,
  socketTypeMetadata,
  writeFrameHeader,
  type ZmtpSocketType,
} from '@zeek-relay/zmtp';

/** CURVE client settings of a {@link ZmtpPeer}: libsodium and the keys. */
export interface ZmtpCurveOptions {
  readonly sodium: Sodium;
  readonly keys: CurveClientKeys;
}

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
  /** Set: the CURVE mechanism as a client (RFC 26); unset: NULL. */
  readonly curve?: ZmtpCurveOptions;
  readonly log: Logger;
}

/** Output is written in chunks of this size (bigger for bigger messages). */
const CHUNK = 64 * 1024;

type State = 'idle' | 'greeting' | 'handshake' | 'ready';

/**
 * One connecting ZeroMQ socket with exactly one peer, speaking ZMTP 3.1 with the NULL or the CURVE
 * mechanism over TCP or a Unix socket: what a libzmq XSUB or XPUB does with its one connection to
 * the hub — greeting, handshake with socket-type check, PING → PONG (and the peer's TTL
 * honoured), SUBSCRIBE/CANCEL commands turned into the classic `0x01`/`0x00` messages,
 * reconnection every `reconnectMs`. Messages sent in one event-loop turn are framed (with CURVE:
 * boxed, one box per frame as libzmq does) into one buffer and written with one syscall.
 *
 * With CURVE, every frame after the handshake travels as a MESSAGE (curve.ts): a box that does not
 * open, a nonce that does not increase or a frame over `maxFrameBytes` ends the connection (the
 * frame boundaries of a message are inside the boxes, so an oversized frame cannot be skipped
 * alone), as libzmq ends it. Not here: PLAIN, the server side, several peers per socket.
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
  /** When each failure reason was last logged (a reason repeats every reconnect). */
  readonly #logged = new Map<string, number>();
  /** The connection's CURVE state (CURVE only). */
  #curve: CurveClient | undefined;
  /** Frames of the message being unboxed (CURVE only, in the read where READY came). */
  #parts: Buffer[] = [];
  /** Opens the reads after the one that completed the CURVE handshake. */
  #curveReader: CurveReader | undefined;
  /** The connection's output until the next write, in libsodium's memory (CURVE only). */
  #stage: SealStage | undefined;

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
      if (this.#curve !== undefined) {
        for (const f of frames) this.#unbox(this.#curve, f);
        return;
      }
      this.#deliver(frames);
    },
    command: (body: Buffer): void => {
      if (this.#curve !== undefined && this.#state === 'ready') this.#unbox(this.#curve, body);
      else this.#command(body);
    },
    dropped: (reason: 'frame_size' | 'frame_count'): void => {
      if (this.#curve !== undefined) throw new ZmtpProtocolError('CURVE frame over the size limit');
      this.onDropped(reason);
    },
  };

  readonly #curveSink: CurveSink = {
    message: (frames) => this.#deliver(frames),
    command: (body) => this.#command(body),
  };

  constructor(options: ZmtpPeerOptions) {
    this.#o = options;
    // With CURVE the reader sees boxed frames: the limit applies to what is inside.
    this.#reader = new FrameReader(options.maxFrameBytes + (options.curve ? MESSAGE_OVERHEAD : 0));
  }

  #deliver(frames: Buffer[]): void {
    try {
      this.onMessage(frames);
    } catch (err) {
      // A failing handler loses this message only, not the connection and the rest of the read.
      this.#o.log.error({ err }, 'A handler of a message from the hub failed; the message is dropped');
    }
  }

  /** Opens one CURVE MESSAGE in place; a command inside is handled, frames gathered into messages. */
  #unbox(curve: CurveClient, body: Buffer): void {
    const end = curve.open(body);
    const flags = body[0] as number;
    const frame = body.subarray(1, end);
    if ((flags & 2) !== 0) {
      this.#command(frame);
      return;
    }
    this.#parts.push(frame);
    if ((flags & 1) !== 0) {
      if (this.#parts.length >= 64) throw new ZmtpProtocolError('CURVE message of too many frames');
      return;
    }
    const frames = this.#parts;
    this.#parts = [];
    this.#deliver(frames);
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
    const stage = this.#stage;
    if (stage !== undefined) {
      // Each frame a MESSAGE, a plain frame on the wire (as libzmq sends it); MORE and COMMAND
      // boxed. Staged, and boxed when the next write takes the stage whole (as #out is written).
      // Flushed before, not after: a flush counts the messages staged so far (#outMessages).
      if (stage.length > 0 && stage.length + sealedLength(frames) > CHUNK) this.#flush();
      stage.stage(frames, (flags & 4) !== 0);
      return;
    }
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
      off = writeFrameHeader(out, off, flags | (i < last ? 1 : 0), f.length);
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
    const staged = this.#stage?.length ?? 0;
    if ((staged === 0 && this.#outLength === this.#outStart) || this.#socket === undefined) return;
    let chunk: Buffer;
    if (staged > 0) chunk = (this.#stage as SealStage).take();
    else {
      chunk = this.#out.subarray(this.#outStart, this.#outLength);
      this.#outStart = this.#outLength;
    }
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
      this.#handshake(name, data, body);
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
        // Straight to the handler: with CURVE this command came out of a box already.
        if (this.#state !== 'ready') throw new ZmtpProtocolError(`${name} before the handshake completed`);
        this.#deliver([msg]);
        return;
      }
      case 'ERROR':
        throw new ZmtpProtocolError(`peer error: ${data.toString('latin1', 1)}`);
      default:
        // RFC 37: unknown commands are ignored.
        return;
    }
  }

  /** One handshake command: READY (NULL), or WELCOME then READY (CURVE); ERROR ends it. */
  #handshake(name: string, data: Buffer, body: Buffer): void {
    const curve = this.#curve;
    if (name === 'ERROR') {
      if (curve !== undefined) throw CurveClient.refused(body) as Error;
      throw new ZmtpProtocolError(`peer refused: ${data.toString('latin1', 1)}`);
    }
    if (curve !== undefined && name === 'WELCOME') {
      this.#writeCommand(curve.welcome(data, socketTypeMetadata(this.#o.type)));
      return;
    }
    if (name !== 'READY') throw new ZmtpProtocolError(`expected READY, got ${name}`);
    const bad = checkReady(this.#o.type, curve === undefined ? data : curve.ready(data));
    if (bad !== undefined) throw new ZmtpProtocolError(bad);
    clearTimeout(this.#handshakeTimer);
    this.#state = 'ready';
    this.#lastError = '';
    this.onConnect();
  }

  /** Writes one plaintext command frame at once (handshake only). */
  #writeCommand(body: Buffer): void {
    const frame = Buffer.allocUnsafe(frameHeaderLength(body.length) + body.length);
    body.copy(frame, writeFrameHeader(frame, 0, 4, body.length));
    this.#socket?.write(frame);
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
    socket.on('connect', () => socket.write(buildGreeting(this.#o.curve ? 'CURVE' : 'NULL')));
    socket.on('data', (chunk: Buffer) => {
      this.#lastRx = Date.now();
      try {
        this.#data(chunk);
      } catch (err) {
        socket.destroy(err instanceof Error ? err : new Error(String(err)));
      }
    });
    socket.on('error', (err) => {
      const text = err.message;
      const what =
        err instanceof CurveRefusedError
          ? "The hub rejected the gateway's CURVE key"
          : 'ZeroMQ connection to the hub failed';
      this.#warn(text, what, { err, endpoint: t });
      this.#lastError = text;
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      const wasReady = this.#state === 'ready';
      if (this.#state === 'handshake' && this.#curve !== undefined && !socket.errored) this.#handshakeLost();
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
      const curve = this.#o.curve;
      const peer = parseGreeting(all.subarray(0, GREETING_LENGTH), curve ? 'CURVE' : 'NULL');
      if (typeof peer === 'string') throw new ZmtpProtocolError(peer);
      this.#state = 'handshake';
      if (curve !== undefined) {
        this.#curve = new CurveClient(curve.sodium, curve.keys);
        this.#stage = new SealStage(curve.sodium, this.#curve);
        this.#writeCommand(this.#curve.hello());
      } else this.#writeCommand(readyBody(this.#o.type));
      chunk = all.subarray(GREETING_LENGTH);
      if (chunk.length === 0) return;
    }
    if (this.#curveReader !== undefined) {
      this.#curveReader.push(chunk, this.#curveSink);
      return;
    }
    this.#reader.push(chunk, this.#sink);
    const curve = this.#curve;
    const sodium = this.#o.curve?.sodium;
    if (curve === undefined || sodium === undefined || this.#state !== 'ready') return;
    // The handshake is complete: the reads from here on are opened where they lie.
    this.#curveReader = new CurveReader(sodium, curve, this.#o.maxFrameBytes + MESSAGE_OVERHEAD);
    const rest = this.#reader.takeRest();
    if (rest.length > 0) this.#curveReader.push(rest, this.#curveSink);
  }

  /**
   * The hub closed the connection in the middle of the CURVE handshake without an ERROR: libzmq
   * does so when our HELLO does not open (a wrong server key) — logged once per reason.
   */
  #handshakeLost(): void {
    const text = 'The hub closed the connection during the CURVE handshake (is hubCurveServerKey its key?)';
    this.#warn(text, text, { endpoint: this.#o.target });
    this.#lastError = text;
  }

  /**
   * Logs a connection failure at most once a minute per reason: a failure repeats with every
   * reconnect (100 ms), also one that happens after a completed handshake.
   */
  #warn(reason: string, msg: string, fields: object): void {
    const now = Date.now();
    if (now - (this.#logged.get(reason) ?? -Infinity) < 60_000) return;
    if (this.#logged.size > 100) this.#logged.clear();
    this.#logged.set(reason, now);
    this.#o.log.warn(fields, msg);
  }

  /** Forgets the connection's state; unsent output is lost, as with a libzmq pipe. */
  #drop(): void {
    this.#curveReader?.dispose();
    this.#curveReader = undefined;
    this.#curve?.dispose();
    this.#curve = undefined;
    this.#stage?.dispose();
    this.#stage = undefined;
    this.#parts = [];
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
