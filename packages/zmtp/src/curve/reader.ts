/**
 * The read side of an established CurveZMQ connection: parses the ZMTP frames of the stream and
 * opens each MESSAGE (session.ts) where it lies, in libsodium's memory. Pure: no sockets.
 *
 * Why not FrameReader + `open` per frame: every read is copied into libsodium's
 * memory once, as a whole, instead of each box's parts separately, and the frame views of the
 * parser and of the unboxing are one view per frame; the plaintext of a read is copied out into
 * one buffer, so handlers get ordinary Buffers that no later allocation in libsodium's memory
 * invalidates.
 */
import { ZmtpProtocolError, type FrameTarget } from '../frame-reader.js';
import { NATIVE_MIN_BYTES, type NativeSecretbox } from './native.js';
import type { Sodium } from './sodium.js';

/** Either side of an established connection (CurveClient, CurveServer, CurveSession). */
export interface CurveOpener {
  openAt(body: number, length: number, to: number): number;
  /** Opens a large body with native libsodium into `out` (flags octet, then the frame). */
  openNative?(body: number, length: number, out: Buffer, native: NativeSecretbox): void;
}

/** What an opened stream produces. */
export interface CurveSink {
  /** A complete message (its frames are views of one buffer per read). */
  message(frames: Buffer[]): void;
  /** A command that came boxed (PING, SUBSCRIBE, …). */
  command(body: Buffer): void;
}

/** The 32 bytes Salsa20 writes before each plaintext (the Poly1305 key). */
const ZEROS = 32;
/** 2^32, for 8-octet sizes. */
const HI = 0x1_0000_0000;
/** Size of a plaintext slab: a Buffer per 64 KiB read cost ≈ 13 % of opening it (profile). */
const SLAB = 1024 * 1024;
/** At most this many frames in one message (as FrameReader). */
const MAX_PARTS = 64;

/**
 * Opens the frames of successive reads of one connection. A frame split across reads stays in
 * libsodium's memory (moved to the front of the input region) until the rest arrives.
 *
 * The frames of a read are opened one after another into the output region, each where the one
 * before it ended (its 32 Poly1305-key bytes, then its flags octet and frame), and the region is
 * copied out once per read: a copy per frame cost ≈ 60 ns, a quarter of what a 4-frame event's
 * read path spent beyond the crypto. The key bytes go along into the plaintext slab between the
 * frames; each was the one-time key of a box already verified under a nonce the session has
 * passed, so it opens nothing.
 *
 * With a {@link FrameTarget} (the log sink's render pool lends its buffers), a large frame
 * (natively opened, at least the target's `minBytes`) is opened straight into a buffer the target
 * allocates instead: its flags octet first, the frame after it, handed on as a view of that buffer
 * from offset 1; no copy of it into the output region, the slab, or the owner's buffer.
 */
export class CurveReader {
  readonly #na: Sodium;
  readonly #curve: CurveOpener;
  /** Largest MESSAGE body accepted (the frame limit plus the MESSAGE overhead). */
  readonly #maxBody: number;
  /** Input region: the kept bytes of a split frame, then the newest read. */
  #in = 0;
  #inSize = 0;
  #kept = 0;
  /** Output region: the opened frames of one read, each after its Poly1305 key. */
  #outAt = 0;
  #outSize = 0;
  #outUsed = 0;
  /**
   * Per opened frame of the read: where its flags octet and where its frame ends, in the region;
   * -1, -1 for a frame opened into the target (the next of {@link #direct}).
   */
  #opened: number[] = [];
  /** The read's frames opened into buffers of the target (flags octet, then the frame), in order. */
  #direct: Buffer[] = [];
  #parts: Buffer[] = [];
  /**
   * Where plaintext goes: slabs of {@link SLAB} bytes, filled read after read and never reused
   * (a handler may keep a frame), so one allocation serves many reads.
   */
  #slab = Buffer.alloc(0);
  #slabUsed = 0;

  /** Large bodies are opened natively when this is set (and the opener can). */
  readonly #native: NativeSecretbox | undefined;
  /** Where large natively opened frames go (the owner's buffers), if anywhere. */
  readonly #target: FrameTarget | undefined;

  constructor(
    na: Sodium,
    curve: CurveOpener,
    maxBody: number,
    native?: NativeSecretbox,
    target?: FrameTarget,
  ) {
    this.#na = na;
    this.#curve = curve;
    this.#maxBody = maxBody;
    this.#native = curve.openNative ? native : undefined;
    this.#target = target;
  }

  /**
   * Feeds one read; calls `sink` for everything it completes. Throws ZmtpProtocolError, after
   * handing on what the read held before the frame at fault.
   */
  push(chunk: Buffer, sink: CurveSink): void {
    const end = this.#kept + chunk.length;
    this.#reserveIn(end);
    // An opened frame takes its MESSAGE body's size there: a read's fit in `end` bytes.
    this.#reserveOut(end);
    this.#na.heap.set(chunk, this.#in + this.#kept);
    let off = 0;
    try {
      for (let next = this.#frame(off, end); next > 0; next = this.#frame(off, end)) off = next;
    } finally {
      this.#hand(sink);
    }
    // A handler disposed of the reader (its connection closed): its regions are gone.
    if (this.#inSize === 0) return;
    this.#kept = end - off;
    if (off > 0 && this.#kept > 0) this.#na.heap.copyWithin(this.#in, this.#in + off, this.#in + end);
  }

  /**
   * Opens the frame at `off` of the input region (which ends at `end`) into the output region;
   * returns the offset after it, or 0 when it is not complete yet.
   */
  #frame(off: number, end: number): number {
    const h = this.#na.heap;
    const p = this.#in + off;
    const avail = end - off;
    if (avail < 2) return 0;
    const flags = h[p] as number;
    if ((flags & 0xf8) !== 0)
      throw new ZmtpProtocolError(`reserved frame flag bits set (0x${flags.toString(16)})`);
    let header = 2;
    let size = h[p + 1] as number;
    if ((flags & 2) !== 0) {
      header = 9;
      if (avail < 9) return 0;
      size = h.readUInt32BE(p + 1) * HI + h.readUInt32BE(p + 5);
    }
    if (size > this.#maxBody) throw new ZmtpProtocolError('CURVE frame over the size limit');
    if (avail - header < size) return 0;
    // MORE and COMMAND of the frame itself say nothing here: both are inside every box.
    const native = this.#native !== undefined && size >= NATIVE_MIN_BYTES;
    if (native && this.#target !== undefined && size - ZEROS - 1 >= this.#target.minBytes) {
      this.#openTarget(p + header, size, this.#target);
      return off + header + size;
    }
    const to = this.#outUsed;
    const len = native
      ? this.#openNative(p + header, size, this.#outAt + to + ZEROS)
      : this.#curve.openAt(p + header, size, this.#outAt + to);
    this.#opened.push(to + ZEROS, to + ZEROS + len);
    this.#outUsed = to + ZEROS + len;
    return off + header + size;
  }

  /**
   * A large MESSAGE body at `body` opened by native libsodium (native.ts) to `at` of the output
   * region, where {@link openAt} puts its flags octet and frame; returns their length.
   */
  #openNative(body: number, size: number, at: number): number {
    const len = size - ZEROS;
    this.#curve.openNative!(body, size, this.#na.heap.subarray(at, at + len), this.#native!);
    return len;
  }

  /**
   * A large MESSAGE body at `body` opened natively into a buffer of `target` (its flags octet,
   * then the frame), kept for {@link #hand}. A box that does not open throws as before; the
   * buffer is then left unused.
   */
  #openTarget(body: number, size: number, target: FrameTarget): void {
    const out = target.allocate(size - ZEROS);
    this.#curve.openNative!(body, size, out, this.#native!);
    this.#opened.push(-1, -1);
    this.#direct.push(out);
  }

  /** Copies the read's opened frames into the slab and hands them on, in order. */
  #hand(sink: CurveSink): void {
    const opened = this.#opened;
    if (opened.length === 0) return;
    const n = this.#outUsed;
    const direct = this.#direct;
    this.#opened = [];
    this.#direct = [];
    this.#outUsed = 0;
    const slab = n > 0 ? this.#toSlab(n) : this.#slab;
    const base = this.#slabUsed - n;
    let d = 0;
    for (let i = 0; i < opened.length && this.#inSize > 0; i += 2) {
      const at = opened[i] as number;
      if (at < 0) {
        const out = direct[d++] as Buffer;
        this.#deliver(out[0] as number, out.subarray(1), sink);
      } else {
        const from = base + at;
        this.#deliver(slab[from] as number, slab.subarray(from + 1, base + (opened[i + 1] as number)), sink);
      }
    }
  }

  /** Copies `n` bytes of the output region to the slab (a new one when it is full); returns the slab. */
  #toSlab(n: number): Buffer {
    if (this.#slab.length - this.#slabUsed < n) {
      this.#slab = Buffer.allocUnsafe(Math.max(SLAB, n));
      this.#slabUsed = 0;
    }
    this.#na.heap.copy(this.#slab, this.#slabUsed, this.#outAt, this.#outAt + n);
    this.#slabUsed += n;
    return this.#slab;
  }

  /** One opened frame: a command, or a part of the current message (delivered at its end). */
  #deliver(flags: number, frame: Buffer, sink: CurveSink): void {
    if ((flags & 2) !== 0) {
      sink.command(frame);
      return;
    }
    this.#parts.push(frame);
    if ((flags & 1) !== 0) {
      if (this.#parts.length >= MAX_PARTS) throw new ZmtpProtocolError('CURVE message of too many frames');
      return;
    }
    const frames = this.#parts;
    this.#parts = [];
    sink.message(frames);
  }

  /** An input region of at least `size` bytes, with the kept bytes at its start. */
  #reserveIn(size: number): void {
    if (size <= this.#inSize) return;
    const n = Math.max(size, 64 * 1024, this.#inSize * 2);
    const p = this.#na.alloc(n);
    if (this.#kept > 0) this.#na.heap.copyWithin(p, this.#in, this.#in + this.#kept);
    if (this.#inSize > 0) this.#na.free(this.#in);
    this.#in = p;
    this.#inSize = n;
  }

  #reserveOut(size: number): void {
    if (size <= this.#outSize) return;
    const n = Math.max(size, 64 * 1024, this.#outSize * 2);
    if (this.#outSize > 0) this.#wipeOut();
    this.#outAt = this.#na.alloc(n);
    this.#outSize = n;
  }

  #wipeOut(): void {
    this.#na.heap.fill(0, this.#outAt, this.#outAt + this.#outSize);
    this.#na.free(this.#outAt);
  }

  /**
   * Frees the regions (wiping the plaintext and keys left there). Idempotent. From a handler,
   * during {@link push}: nothing more of that read is handed on.
   */
  dispose(): void {
    if (this.#inSize > 0) {
      this.#na.heap.fill(0, this.#in, this.#in + this.#inSize);
      this.#na.free(this.#in);
    }
    if (this.#outSize > 0) this.#wipeOut();
    this.#inSize = 0;
    this.#outSize = 0;
    this.#kept = 0;
    this.#outUsed = 0;
    this.#opened = [];
    this.#direct = [];
    this.#parts = [];
  }
}
