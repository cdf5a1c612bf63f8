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
import { ZmtpProtocolError } from '../frame-reader.js';
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
/** The smallest MESSAGE body: `\x07MESSAGE`, nonce, MAC, flags. */
const MIN_BOX = 33;
/** At most this many frames in one message (as FrameReader). */
const MAX_PARTS = 64;

/**
 * Opens the frames of successive reads of one connection. A frame split across reads stays in
 * libsodium's memory (moved to the front of the input region) until the rest arrives.
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
  /** Output region: one frame's Poly1305 key and plaintext at a time. */
  #outAt = 0;
  #outSize = 0;
  #parts: Buffer[] = [];
  /**
   * Where plaintext goes: slabs of {@link SLAB} bytes, filled read after read and never reused
   * (a handler may keep a frame), so one allocation serves many reads.
   */
  #slab = Buffer.alloc(0);
  #slabUsed = 0;
  /** The slab of the current read, and how much of it is filled. */
  #plain = this.#slab;
  #used = 0;

  /** Large bodies are opened natively when this is set (and the opener can). */
  readonly #native: NativeSecretbox | undefined;

  constructor(na: Sodium, curve: CurveOpener, maxBody: number, native?: NativeSecretbox) {
    this.#na = na;
    this.#curve = curve;
    this.#maxBody = maxBody;
    this.#native = curve.openNative ? native : undefined;
  }

  /** Feeds one read; calls `sink` for everything it completes. Throws ZmtpProtocolError. */
  push(chunk: Buffer, sink: CurveSink): void {
    const end = this.#kept + chunk.length;
    this.#reserveIn(end);
    this.#na.heap.set(chunk, this.#in + this.#kept);
    // Plaintext is shorter than the frames it came in: `end` bytes of the slab hold a read's.
    if (this.#slab.length - this.#slabUsed < end) {
      this.#slab = Buffer.allocUnsafe(Math.max(SLAB, end));
      this.#slabUsed = 0;
    }
    this.#plain = this.#slab;
    this.#used = this.#slabUsed;
    let off = 0;
    for (let next = this.#frame(off, end, sink); next > 0; next = this.#frame(off, end, sink)) off = next;
    this.#slabUsed = this.#used;
    this.#kept = end - off;
    if (off > 0 && this.#kept > 0) this.#na.heap.copyWithin(this.#in, this.#in + off, this.#in + end);
  }

  /**
   * Opens the frame at `off` of the input region (which ends at `end`) into the read's plaintext
   * buffer and hands it on; returns the offset after it, or 0 when it is not complete yet.
   */
  #frame(off: number, end: number, sink: CurveSink): number {
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
    if (this.#native !== undefined && size >= NATIVE_MIN_BYTES && size >= MIN_BOX) {
      this.#openNative(p + header, size, sink);
      return off + header + size;
    }
    this.#reserveOut(ZEROS + size);
    const len = this.#curve.openAt(p + header, size, this.#outAt) - 1;
    const from = this.#outAt + ZEROS;
    const heap = this.#na.heap;
    const used = this.#used;
    heap.copy(this.#plain, used, from + 1, from + 1 + len);
    this.#used = used + len;
    this.#deliver(heap[from] as number, this.#plain.subarray(used, used + len), sink);
    return off + header + size;
  }

  /** A large MESSAGE body at `body` opened natively, straight into the read's plaintext buffer. */
  #openNative(body: number, size: number, sink: CurveSink): void {
    const used = this.#used;
    const out = this.#plain.subarray(used, used + size - ZEROS);
    this.#curve.openNative!(body, size, out, this.#native!);
    this.#used = used + out.length;
    this.#deliver(out[0] as number, out.subarray(1), sink);
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
    const n = Math.max(size, 4 * 1024, this.#outSize * 2);
    if (this.#outSize > 0) this.#wipeOut();
    this.#outAt = this.#na.alloc(n);
    this.#outSize = n;
  }

  #wipeOut(): void {
    this.#na.heap.fill(0, this.#outAt, this.#outAt + this.#outSize);
    this.#na.free(this.#outAt);
  }

  /** Frees the regions (wiping the plaintext and keys left there). Idempotent. */
  dispose(): void {
    if (this.#inSize > 0) {
      this.#na.heap.fill(0, this.#in, this.#in + this.#inSize);
      this.#na.free(this.#in);
    }
    if (this.#outSize > 0) this.#wipeOut();
    this.#inSize = 0;
    this.#outSize = 0;
    this.#kept = 0;
    this.#parts = [];
  }
}
