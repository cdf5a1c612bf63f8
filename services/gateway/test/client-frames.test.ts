/**
 * The gateway's own WebSocket text frames (client-frames.ts) read back by ws's Receiver, the
 * parser ws clients use: every header size (7-bit, 16-bit and 64-bit lengths and the boundaries
 * between them), frames spread over several arena chunks and queues that skip frames, and the
 * arena's state after a rendering that throws.
 */
import assert from 'node:assert/strict';
import type { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import * as ws from 'ws';
import { FrameArena, FrameQueue, type FrameSocket } from '../src/client-frames.js';

type ReceiverClass = new (options: { isServer: boolean; skipUTF8Validation?: boolean }) => Writable;
// ws exports its Receiver (the parser its clients use); @types/ws does not declare it.
const { Receiver } = ws as unknown as { Receiver: ReceiverClass };

/** A socket that keeps what is written, and the number of writes. */
function recordingSocket(): FrameSocket & { chunks: Buffer[]; corked: number } {
  const chunks: Buffer[] = [];
  const s = {
    chunks,
    corked: 0,
    write: (b: Buffer) => chunks.push(Buffer.from(b)) > 0,
    cork: () => void s.corked++,
    uncork: () => undefined,
  };
  return s;
}

/** The text messages ws's client-side Receiver reads from `bytes` (throws on a framing error). */
async function parse(bytes: Buffer): Promise<string[]> {
  const r = new Receiver({ isServer: false });
  const out: string[] = [];
  r.on('message', (data: Buffer, isBinary: boolean) => {
    assert.equal(isBinary, false, 'a text frame');
    out.push(data.toString('utf8'));
  });
  await new Promise<void>((resolve, reject) => {
    r.on('error', reject);
    r.end(bytes, () => resolve());
  });
  return out;
}

const text = (n: number, seed: number): string =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i + seed) % 26))).join('');

describe('client frames', () => {
  test('every length class, in order, read back by ws', async () => {
    const lengths = [0, 1, 125, 126, 127, 4000, 65535, 65536, 70000, 3, 200];
    const texts = lengths.map((n, i) => text(n, i));
    const arena = new FrameArena();
    const q = new FrameQueue();
    for (const t of texts) {
      arena.frame((w) => w.latin1(t));
      assert.equal(arena.textLength, t.length);
      q.add(arena);
    }
    assert.equal(
      q.bytes,
      lengths.reduce((a, n) => a + n + (n < 126 ? 2 : n < 65536 ? 4 : 10), 0),
    );
    const s = recordingSocket();
    q.flush(s);
    assert.equal(q.empty, true);
    assert.deepEqual(await parse(Buffer.concat(s.chunks)), texts);
  });

  test('consecutive frames become one write; a skipped frame splits the range', async () => {
    const arena = new FrameArena();
    const all = new FrameQueue();
    const some = new FrameQueue();
    const texts = Array.from({ length: 2000 }, (_, i) => text(150 + (i % 7), i));
    texts.forEach((t, i) => {
      arena.frame((w) => w.latin1(t));
      all.add(arena);
      if (i !== 1000) some.add(arena);
    });
    const a = recordingSocket();
    all.flush(a);
    const b = recordingSocket();
    some.flush(b);
    // 2000 frames of ≈ 160 bytes span several 64 KiB chunks: one write per chunk.
    assert.ok(a.chunks.length >= 4 && a.chunks.length <= 6, `${a.chunks.length} writes`);
    assert.equal(b.chunks.length, a.chunks.length + 1);
    assert.deepEqual(await parse(Buffer.concat(a.chunks)), texts);
    assert.deepEqual(
      await parse(Buffer.concat(b.chunks)),
      texts.filter((_, i) => i !== 1000),
    );
  });

  test('a rendering that throws leaves nothing behind; the next frame follows the last good one', async () => {
    const arena = new FrameArena();
    const q = new FrameQueue();
    arena.frame((w) => w.latin1(text(300, 0)));
    q.add(arena);
    assert.throws(
      () =>
        arena.frame((w) => {
          w.latin1('partial');
          throw new Error('bad payload');
        }),
      /bad payload/,
    );
    arena.frame((w) => w.latin1(text(300, 1)));
    q.add(arena);
    const s = recordingSocket();
    q.flush(s);
    assert.equal(s.chunks.length, 1, 'still back to back');
    assert.deepEqual(await parse(Buffer.concat(s.chunks)), [text(300, 0), text(300, 1)]);
  });

  test('a queue flushed without a socket forgets its frames', () => {
    const arena = new FrameArena();
    const q = new FrameQueue();
    arena.frame((w) => w.latin1('x'));
    q.add(arena);
    q.flush(undefined);
    assert.equal(q.empty, true);
    assert.equal(q.bytes, 0);
  });
});
