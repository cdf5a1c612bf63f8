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
