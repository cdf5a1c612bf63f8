/**
 * The log path against real PULL sockets: batches go round-robin over every log endpoint, as
 * libzmq's PUSH spreads a Zeek node's batches over its loggers, in the 4 frames of
 * zeromq-wire.md §6.2; DONTWAIT sends at a full queue lose the batch and count it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLogFrames } from '@zeek-relay/wire';
import { Pull } from 'zeromq';
import { LogPush } from '../src/index.js';

async function pullOn(): Promise<{ pull: Pull; endpoint: string }> {
  const pull = new Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  return { pull, endpoint: pull.lastEndpoint as string };
}

test('batches alternate between two log endpoints, each as Zeek frames them', async (t) => {
  const a = await pullOn();
  const b = await pullOn();
  // Connected once the handshake monitor listens (libzmq reports a handshake only once): both
  // pipes must be up before the first send, or libzmq queues everything on the first one.
  const push = new LogPush({ endpoints: [], nodeId: 'zeromq_worker-1_h_1_N1' });
  t.after(() => {
    push.close();
    a.pull.close();
    b.pull.close();
  });
  const connected = new Promise<void>((resolve) => {
    let n = 0;
    push.push.events.on('handshake', () => void (++n === 2 && resolve()));
  });
  push.connect(a.endpoint);
  push.connect(b.endpoint);
  await connected;
  for (let i = 0; i < 10; i++) await push.sendBatchBlocking(new Uint8Array([i]));
  const got = async (pull: Pull): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < 5; i++) {
      const msg = decodeLogFrames(await pull.receive());
      assert.equal(new TextDecoder().decode(msg.sender), 'zeromq_worker-1_h_1_N1');
      out.push(msg.payload[0]!);
    }
    return out;
  };
  const [fromA, fromB] = [await got(a.pull), await got(b.pull)];
  assert.deepEqual(
    [...fromA, ...fromB].sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    fromA.map((v) => v % 2),
    Array<number>(5).fill(fromA[0]! % 2),
    'every other batch to the same endpoint',
  );
  assert.equal(push.sent, 10);
});

test('a DONTWAIT send at the high-water mark loses the batch and counts it, as Zeek does', async (t) => {
  // An endpoint nobody listens on: with no peer, libzmq has no pipe to queue on (Zeek: "silently
  // with no endpoints"), so the first send already fails with EAGAIN.
  const push = new LogPush({ endpoints: [], nodeId: 'n', linger: 0 });
  t.after(() => push.close());
  assert.equal(await push.sendBatch(new Uint8Array([1])), false);
  assert.equal(push.dropped, 1);
  assert.equal(push.sent, 0);
});
