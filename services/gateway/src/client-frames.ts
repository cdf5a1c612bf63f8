/**
 * The cluster → client write path of the fan-out: complete WebSocket text frames (RFC 6455
 * section 5.2, server to client: FIN, opcode 1, no mask) rendered once, one after the other, into
 * a shared arena, and per client a queue of arena ranges written at the end of the burst.
 *
 * Why not `ws.send` per delivery: it builds a header buffer per message and hands header and
 * payload to the socket as two writes (≈ 1 µs per delivery in the profile, plus the garbage).
 * Frames rendered in a row sit side by side in the arena, so the frames a client receives in one
 * burst are usually ONE range: a client's whole burst is one `write`, whatever its length, and
 * every client of the same subscriptions writes the same range.
 *
 * Writing to the socket beside `ws` keeps its order because `ws` writes synchronously when it
 * has nothing queued, which holds here: permessage-deflate is never negotiated and the gateway
 * sends no Blobs (the only cases in which ws's sender queues). The session writes its queue before
 * anything it sends through `ws` (errors, the close frame), and drops it once the connection is
 * no longer open.
 */
import { ByteWriter } from '@zeek-relay/wire';

/** A frame in the arena: `buf[start, end)` is the whole frame, header included. */
export interface ArenaFrame {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  /** Bytes of its text (the frame without its header). */
  readonly textLength: number;
}

/** Arena chunk size, as wire's and Node's own pools: a chunk lives while a queue holds any frame of it. */
const CHUNK = 64 * 1024;
/** Below this much room left, the next frame starts a new chunk (it would most likely not fit). */
const MIN_ROOM = 4 * 1024;
/** Header room reserved before the text: FIN|opcode, 126, 16-bit length. */
const RESERVED = 4;

/**
 * Renders frames one after the other. {@link frame} exposes the last one as an {@link ArenaFrame}
 * (`this`, valid until the next call); chunks are never written twice, so a range handed to a
 * socket stays as it was.
 */
export class FrameArena implements ArenaFrame {
  #w = new ByteWriter(CHUNK);
  /** The writer's storage, and a Buffer over it (replaced when it grew or a chunk began). */
  #view: Uint8Array = this.#w.buf;
  #chunk: Buffer = Buffer.from(this.#view.buffer, this.#view.byteOffset, this.#view.byteLength);
  buf: Buffer = this.#chunk;
  start = 0;
  end = 0;
  textLength = 0;

  /**
   * Appends one text frame whose payload `write` appends to the writer it is given. What `write`
   * throws is thrown on, and nothing of that frame is kept.
   */
  frame(write: (w: ByteWriter) => void): void {
    let w = this.#w;
    if (w.capacity - w.length < MIN_ROOM) w = this.#fresh();
    const at = w.length;
    w.length += RESERVED;
    try {
      write(w);
    } catch (err) {
      w.length = at;
      throw err;
    }
    const n = w.length - at - RESERVED;
    if (n >= 0x10000) {
      this.#long(w, at, n);
      return;
    }
    if (n < 126) {
      // Two header bytes: move the text two bytes down so that frames stay back to back.
      w.buf.copyWithin(at + 2, at + RESERVED, w.length);
      w.length -= 2;
      w.buf[at + 1] = n;
    } else {
      w.buf[at + 1] = 126;
      w.buf[at + 2] = n >>> 8;
      w.buf[at + 3] = n & 0xff;
    }
    w.buf[at] = 0x81;
    this.buf = this.#chunkBuffer();
    this.start = at;
    this.end = w.length;
    this.textLength = n;
  }

  /** A text of 64 KiB or more (a 10-byte header): rare, so a buffer of its own instead of a shift. */
  #long(w: ByteWriter, at: number, n: number): void {
    const frame = Buffer.allocUnsafe(10 + n);
    frame[0] = 0x81;
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 0x1_0000_0000), 2);
    frame.writeUInt32BE(n >>> 0, 6);
    frame.set(w.buf.subarray(at + RESERVED, w.length), 10);
    w.length = at;
    // The writer grew for it: do not keep a large chunk alive for the small frames after it.
    if (w.capacity > CHUNK) this.#fresh();
    this.buf = frame;
    this.start = 0;
    this.end = frame.length;
    this.textLength = n;
  }

  /** Starts a new chunk (the old one stays with the queues that reference it). */
  #fresh(): ByteWriter {
    this.#w = new ByteWriter(CHUNK);
    return this.#w;
  }

  #chunkBuffer(): Buffer {
    const b = this.#w.buf;
    if (b !== this.#view) {
      this.#view = b;
      this.#chunk = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.#chunk;
  }
}

/** The socket calls a queue needs (ws keeps its net.Socket / TLSSocket private). */
export interface FrameSocket {
  write(chunk: Buffer): boolean;
  cork(): void;
  uncork(): void;
}

/**
 * One client's frames of the current burst, as arena ranges: consecutive frames of one chunk
 * merge into one range, so a burst is usually one write.
 */
export class FrameQueue {
  #buf: Buffer | undefined;
  #start = 0;
  #end = 0;
  #done: Buffer[] = [];
  /** Bytes queued (for the per-client send limit). */
  bytes = 0;

  add(f: ArenaFrame): void {
    this.bytes += f.end - f.start;
    if (f.buf === this.#buf && f.start === this.#end) {
      this.#end = f.end;
      return;
    }
    if (this.#buf !== undefined) this.#done.push(this.#buf.subarray(this.#start, this.#end));
    this.#buf = f.buf;
    this.#start = f.start;
    this.#end = f.end;
  }

  get empty(): boolean {
    return this.#buf === undefined;
  }

  /** Writes everything queued to `socket` (undefined: forgets it) and empties the queue. */
  flush(socket: FrameSocket | undefined): void {
    const buf = this.#buf;
    if (buf === undefined) return;
    const done = this.#done;
    const last = buf.subarray(this.#start, this.#end);
    this.#buf = undefined;
    this.#done = [];
    this.bytes = 0;
    if (socket === undefined) return;
    if (done.length === 0) {
      socket.write(last);
      return;
    }
    socket.cork();
    for (const chunk of done) socket.write(chunk);
    socket.write(last);
    socket.uncork();
  }
}
