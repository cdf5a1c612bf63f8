import { sealedLength, type CurveClient, type Sodium } from '@zeek-relay/zmtp/curve';

/** The region's usual size (one write's worth); a larger message grows it for a while. */
const INITIAL = 64 * 1024;

/**
 * A CURVE connection's output between writes, kept in libsodium's memory. Each message is laid
 * out there at once, where its MESSAGE frames will go on the wire ({@link CurveClient.layInto}:
 * the caller's frames are copied before {@link stage} returns); {@link take} boxes the whole
 * region in one go ({@link CurveClient.sealLaid}, nonces in order) and copies it out in one piece
 * for the socket. So a write costs one copy out of libsodium's memory and one Buffer, not one of
 * each per message, and the boxing of a turn's messages runs back to back, with libsodium's code
 * and the keys in the CPU's caches, instead of between the parsing and transcoding of each event.
 *
 * {@link dispose} wipes and frees the region (what was staged and not taken is dropped). Growing
 * libsodium's memory (another allocation) keeps the region's contents.
 */
export class SealStage {
  readonly #na: Sodium;
  readonly #curve: CurveClient;
  #at: number;
  #size = INITIAL;
  #length = 0;
  #disposed = false;

  constructor(na: Sodium, curve: CurveClient) {
    this.#na = na;
    this.#curve = curve;
    this.#at = na.alloc(INITIAL);
  }

  /** Bytes staged (as they will go on the wire) and not yet taken. */
  get length(): number {
    return this.#length;
  }

  /**
   * Stages one message (its frames in order; `command`: ZMTP commands) after what is staged,
   * growing the region to its `sealedLength` first. The frames are copied: the caller may reuse
   * them at once.
   */
  stage(frames: readonly Uint8Array[], command: boolean): void {
    if (this.#disposed) throw new Error('SealStage used after dispose');
    const size = sealedLength(frames);
    if (this.#length + size > this.#size) this.#resize(Math.max(this.#length + size, 2 * this.#size));
    this.#length = this.#curve.layInto(this.#at + this.#length, frames, command) - this.#at;
  }

  /** Everything staged, boxed and copied out into a new Buffer; the stage is empty afterwards. */
  take(): Buffer {
    const end = this.#at + this.#length;
    this.#curve.sealLaid(this.#at, end);
    const out = Buffer.allocUnsafe(this.#length);
    this.#na.heap.copy(out, 0, this.#at, end);
    this.#length = 0;
    // A very large message grew the region: give the memory back once it has left.
    if (this.#size > 4 * INITIAL) this.#resize(INITIAL);
    return out;
  }

  /** Wipes and frees the region (what was staged is dropped). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    // Staged messages are plaintext until taken.
    this.#na.heap.fill(0, this.#at, this.#at + this.#length);
    this.#length = 0;
    this.#na.free(this.#at);
  }

  /** Moves the staged bytes into a new region of `size` bytes (≥ the staged length). */
  #resize(size: number): void {
    const na = this.#na;
    const at = na.alloc(size);
    // Read the heap after the allocation: it may have grown libsodium's memory (a new buffer).
    const heap = na.heap;
    heap.copy(heap, at, this.#at, this.#at + this.#length);
    heap.fill(0, this.#at, this.#at + this.#length);
    na.free(this.#at);
    this.#at = at;
    this.#size = size;
  }
}
