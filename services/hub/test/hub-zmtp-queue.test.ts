/**
 * `forwarding=zmtp`: heartbeats are not stuck behind a subscriber's queued events. libzmq's stream
 * engine produces a PONG (or its own PING) as the very next message it encodes, ahead of the
 * messages still waiting in the pipe (the HWM queue); only what already sits in its encoder batch
 * and in the kernel goes first. A hub that wrote the PONG behind every queued event would answer a
 * slowly reading peer only after its whole backlog, late enough for the peer's heartbeat timeout
 * to drop a live connection under load.
 *
 * A raw ZMTP subscriber (bytes written out here from RFC 23/37) stops reading while a libzmq
 * publisher sends it 10 000 events of 4 KiB (40 MiB, far more than loopback TCP buffers hold), so
 * nearly all of them wait in the hub's queue for it. It then sends a PING and reads everything: the
 * PONG must come before most of the backlog (here: with at least half of the events still behind
 * it), and every event must still arrive, in order. With `sendHighWaterMark` set, the events that
 * come after the PONG are those the hub held for the subscriber: at most that many (and nearly
 * that many, the queue being full), every other one dropped and counted.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { XPublisher } from 'zeromq';
import { counter, scrapeUntil, startMeteredHub } from './helpers/hub.js';
import { command, frame, greeting, ready } from './helpers/raw-zmtp.js';
import { waitFor } from './helpers/wait.js';

const EVENTS = 10_000;
const PAYLOAD = 4096;

/** A raw ZMTP XSUB that parses what it reads: commands by name, data messages by their last frame. */
class RawSubscriber {
  readonly socket: Socket;
  /** Data messages and commands in arrival order: message payload sequence numbers or command names. */
  readonly log: Array<number | string> = [];
  #rest: Buffer = Buffer.alloc(0);
  #greeted = false;
  #parts: Buffer[] = [];

  constructor(endpoint: string) {
    const url = new URL(endpoint.replace('tcp://', 'http://'));
    this.socket = connect({ host: url.hostname, port: Number(url.port) });
    this.socket.on('error', () => undefined);
    this.socket.on('data', (c: Buffer) => this.#data(c));
    this.socket.write(Buffer.concat([greeting(), ready('XSUB')]));
  }

  get messages(): number {
    return this.log.filter((e) => typeof e === 'number').length;
  }

  #data(chunk: Buffer): void {
    let b = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    if (!this.#greeted) {
      if (b.length < 64) return void (this.#rest = b);
      this.#greeted = true;
      b = b.subarray(64);
    }
    let off = 0;
    for (;;) {
      if (b.length - off < 2) break;
      const flags = b[off]!;
      const long = (flags & 2) !== 0;
      const head = long ? 9 : 2;
      if (b.length - off < head) break;
      const size = long ? Number(b.readBigUInt64BE(off + 1)) : b[off + 1]!;
      if (b.length - off < head + size) break;
      this.#frame(flags, b.subarray(off + head, off + head + size));
      off += head + size;
    }
    this.#rest = Buffer.from(b.subarray(off));
  }

  #frame(flags: number, body: Buffer): void {
    if ((flags & 4) !== 0) {
      this.log.push(body.toString('latin1', 1, 1 + body[0]!));
      return;
    }
    this.#parts.push(body);
    if ((flags & 1) !== 0) return;
    const last = this.#parts[this.#parts.length - 1]!;
    this.#parts = [];
    this.log.push(last.readUInt32BE(0));
  }
}

/** What the stuck subscriber got once it read again, and what the hub dropped for it. */
interface Backlog {
  /** Event sequence numbers in arrival order. */
  events: number[];
  /** Events that arrived before the PONG (those in the kernel's buffers and the socket's). */
  beforePong: number;
  drops: number;
}

/**
 * A raw subscriber stops reading, a libzmq publisher sends it {@link EVENTS} events through a zmtp
 * hub with `sendHighWaterMark` = `hwm` (drop mode); once the hub has read them all the subscriber
 * sends a PING and reads everything the hub kept for it.
 */
async function backlog(hwm: number): Promise<Backlog> {
  // Heartbeats off: the subscriber is not dropped while it does not read; PINGs are still answered.
  const h = await startMeteredHub({ forwarding: 'zmtp', sendHighWaterMark: hwm, heartbeatIntervalMs: 0 });
  const sub = new RawSubscriber(h.sub);
  const pub = new XPublisher({ linger: 0, sendHighWaterMark: 0 });
  try {
    await waitFor(() => sub.log.includes('READY'), "the hub's READY");
    sub.socket.write(frame(0, Buffer.from([1]))); // subscribe to everything
    pub.connect(h.pub);
    for (;;) if ((await pub.receive())[0]!.toString('hex') === '01') break;
    sub.socket.pause();
    for (let i = 0; i < EVENTS; i++) {
      const payload = Buffer.alloc(PAYLOAD, 0x61); // zeromq.js may send without copying: one each
      payload.writeUInt32BE(i, 0);
      await pub.send([
        Buffer.from('zeek.test.prio.'),
        Buffer.from('sender'),
        Buffer.from('broker-bin-v1'),
        payload,
      ]);
    }
    const received = 'zeek_cluster_zeromq_proxy_frontend_messages_received_total';
    const text = await scrapeUntil(h.metrics, (t) => counter(t, received) >= EVENTS);
    const drops = counter(text, 'zeek_relay_hub_subscriber_drops_total');
    sub.socket.write(command('PING', Buffer.from([0, 0, 0x70, 0x6f])));
    sub.socket.resume();
    await waitFor(
      () => sub.messages === EVENTS - drops && sub.log.includes('PONG'),
      'the events kept and the PONG',
    );
    const at = sub.log.indexOf('PONG');
    return {
      events: sub.log.filter((e): e is number => typeof e === 'number'),
      beforePong: sub.log.slice(0, at).filter((e) => typeof e === 'number').length,
      drops,
    };
  } finally {
    pub.close();
    sub.socket.destroy();
    await once(sub.socket, 'close').catch(() => undefined);
    await h.close();
  }
}

describe('forwarding=zmtp: heartbeats ahead of queued events, queues bounded in events', () => {
  it('a PONG overtakes the events queued for a subscriber that is not reading', async (t) => {
    const r = await backlog(0);
    t.diagnostic(`the PONG came after ${r.beforePong} of the ${EVENTS} events`);
    assert.ok(
      EVENTS - r.beforePong >= EVENTS / 2,
      `the PONG came after ${r.beforePong} of ${EVENTS} queued events (at most half may precede it)`,
    );
    assert.equal(r.drops, 0);
    assert.deepEqual(
      r.events,
      Array.from({ length: EVENTS }, (_, i) => i),
      'every event, in order',
    );
  });

  it('sendHighWaterMark: at most that many events wait in the hub for one subscriber; the rest is dropped and counted', async (t) => {
    const HWM = 2000;
    const r = await backlog(HWM);
    // What arrived after the PONG was in the hub's queue when the PING came (the socket's buffer,
    // ahead of the PONG, holds one pump: 256 KiB plus at most one read's batch, ≤ 80 of these events).
    const held = r.events.length - r.beforePong;
    t.diagnostic(`kernel: ${r.beforePong} events, hub queue: ${held}, dropped: ${r.drops}`);
    assert.ok(held <= HWM, `${held} events waited in the hub, more than sendHighWaterMark ${HWM}`);
    assert.ok(held >= HWM - 80, `${held} events waited in the hub: the queue was not full`);
    assert.equal(r.events.length + r.drops, EVENTS, 'every event either delivered or counted as dropped');
    const ascending = r.events.every((e, i) => i === 0 || e > r.events[i - 1]!);
    assert.ok(ascending, 'in order');
  });
});
