/**
 * The frame reader's `raw` view (what the hub's zmtp path forwards without re-encoding): the exact
 * wire bytes of a message that lies in one read, nothing for one that spans reads or has a
 * command frame in its middle. The wire bytes are written out here from RFC 23's framing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameReader } from '../src/index.js';

/** A short frame: flags (1 MORE, 4 COMMAND), one-octet size, body. */
const short = (flags: number, body: string) =>
  Buffer.concat([Buffer.from([flags, body.length]), Buffer.from(body, 'latin1')]);

/** A LONG frame: flags with bit 1, eight-octet size, body. */
function long(flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h[0] = flags | 2;
  h.writeUInt32BE(body.length, 5);
  return Buffer.concat([h, body]);
}

interface Seen {
  frames: string[];
  raw: string | undefined;
}

function read(chunks: Buffer[]): { messages: Seen[]; commands: string[] } {
  const messages: Seen[] = [];
  const commands: string[] = [];
  const r = new FrameReader(1 << 20);
  for (const c of chunks)
    r.push(c, {
      message: (frames, raw) =>
        messages.push({ frames: frames.map((f) => f.toString('latin1')), raw: raw?.toString('hex') }),
      command: (body) => commands.push(body.toString('latin1')),
      dropped: () => assert.fail('nothing is dropped here'),
    });
  return { messages, commands };
}

describe('FrameReader raw wire bytes', () => {
  it('gives each message of one read its exact bytes, short and LONG frames alike', () => {
    const a = Buffer.concat([short(1, 'topic.a'), short(1, 'sender'), short(0, 'body')]);
    const big = Buffer.alloc(300, 7);
    const b = Buffer.concat([short(1, 'topic.b'), long(0, big)]);
    const ping = short(4, '\x04PING\x00\x00');
    const { messages, commands } = read([Buffer.concat([a, ping, b])]);
    assert.deepEqual(
      messages.map((m) => m.raw),
      [a.toString('hex'), b.toString('hex')],
    );
    assert.deepEqual(messages[1]!.frames, ['topic.b', big.toString('latin1')]);
    assert.deepEqual(commands, ['\x04PING\x00\x00']);
  });

  it('has no raw bytes for a message whose frames came in different reads', () => {
    const a = Buffer.concat([short(1, 'topic.a'), short(0, 'body')]);
    const b = Buffer.concat([short(1, 'topic.b'), short(0, 'next')]);
    const first = short(1, 'topic.a').length;
    // Cut inside the first frame (it is kept and joined: the message lies in one buffer again),
    // between the frames, inside the last frame.
    for (const [cut, whole] of [
      [3, true],
      [first, false],
      [a.length - 2, false],
    ] as const) {
      const { messages } = read([a.subarray(0, cut), Buffer.concat([a.subarray(cut), b])]);
      assert.deepEqual(messages[0]!.frames, ['topic.a', 'body']);
      assert.equal(messages[0]!.raw, whole ? a.toString('hex') : undefined, `cut at ${cut}`);
      assert.equal(messages[1]!.raw, b.toString('hex'));
    }
  });

  it('has no raw bytes for a message with a command frame between its parts', () => {
    const m = Buffer.concat([short(1, 'topic'), short(4, '\x04PONG'), short(0, 'body')]);
    const { messages } = read([m]);
    assert.deepEqual(messages, [{ frames: ['topic', 'body'], raw: undefined }]);
  });
});

describe('FrameReader assembling large frames in the owner’s buffer', () => {
  /** Splits `wire` into reads of `size` bytes and collects what a reader with a target makes. */
  function assemble(wire: Buffer, size: number, minBytes: number) {
    const allocated: Buffer[] = [];
    const r = new FrameReader(1 << 20, 64, {
      minBytes,
      allocate: (n) => {
        const b = Buffer.alloc(n + 16).subarray(0, n); // the owner's buffer may be larger
        allocated.push(b);
        return b;
      },
    });
    const messages: { frames: Buffer[]; raw: Buffer | undefined }[] = [];
    for (let off = 0; off < wire.length; off += size)
      r.push(wire.subarray(off, off + size), {
        message: (frames, raw) => messages.push({ frames: [...frames], raw }),
        command: () => undefined,
        dropped: () => assert.fail('nothing is dropped here'),
      });
    return { messages, allocated };
  }

  it('delivers a frame spanning reads as the allocated buffer, bytes exact, no raw; small and one-read frames as views', () => {
    const big = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 251));
    const small = Buffer.alloc(1000, 3);
    const wire = Buffer.concat([
      short(1, 'log-write'),
      short(1, 'worker-1'),
      long(0, big),
      short(1, 'log-write'),
      long(0, small),
      long(0, big),
    ]);
    for (const readSize of [1, 7, 4096, 65536]) {
      const { messages, allocated } = assemble(wire, readSize, 32 * 1024);
      assert.equal(messages.length, 3, `reads of ${readSize}`);
      assert.deepEqual(
        messages[0]!.frames.map((f) => f.length),
        [9, 8, 70_000],
      );
      assert.ok(messages[0]!.frames[2]!.equals(big));
      const f = messages[0]!.frames[2]!;
      assert.ok(
        f.buffer === allocated[0]!.buffer && f.byteOffset === allocated[0]!.byteOffset,
        'the frame is the owner’s buffer',
      );
      assert.equal(messages[0]!.raw, undefined);
      assert.ok(messages[1]!.frames[1]!.equals(small));
      assert.ok(messages[2]!.frames[0]!.equals(big));
      assert.equal(allocated.length, 2, 'only the two large frames were assembled');
    }
  });

  it('does not assemble a frame that arrives in one read', () => {
    const big = Buffer.alloc(40_000, 9);
    const wire = Buffer.concat([short(1, 't'), long(0, big)]);
    const { messages, allocated } = assemble(wire, wire.length, 1024);
    assert.equal(allocated.length, 0);
    assert.equal(messages[0]!.raw?.length, wire.length);
  });
});

describe('FrameReader with kept bytes and a large next read', () => {
  it('completes the kept frame from the start of the read and parses the rest where it lies: every message exact', () => {
    const msgs = Array.from({ length: 3000 }, (_, i) =>
      Buffer.concat([short(1, `topic.${i}`), short(0, 'x'.repeat(i % 200))]),
    );
    const wire = Buffer.concat(msgs);
    for (const size of [20_000, 65_536, 100_003]) {
      const seen: string[] = [];
      let withRaw = 0;
      const r = new FrameReader(1 << 20);
      for (let off = 0; off < wire.length; off += size)
        r.push(wire.subarray(off, off + size), {
          message: (frames, raw) => {
            seen.push(frames.map((f) => f.toString('latin1')).join('|'));
            if (raw !== undefined) withRaw++;
          },
          command: () => undefined,
          dropped: () => assert.fail('nothing is dropped here'),
        });
      assert.deepEqual(
        seen,
        msgs.map((_, i) => `topic.${i}|${'x'.repeat(i % 200)}`),
        `reads of ${size}`,
      );
      // Only the messages cut by a read lose their contiguous bytes.
      assert.ok(withRaw >= msgs.length - 2 * Math.ceil(wire.length / size), `raw kept at ${size}`);
    }
  });
});
