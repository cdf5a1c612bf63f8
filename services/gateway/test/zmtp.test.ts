/**
 * The gateway's ZMTP 3.1 connections (src/zmtp) against real libzmq sockets (zeromq.js) and
 * against a raw TCP server that checks the handshake bytes as RFC 23/37 lay them out.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { Pull, XPublisher, XSubscriber } from 'zeromq';
import { ZmtpLink } from '../src/zmtp-link.js';
import { parseEndpoint } from '../src/zmtp/endpoint.js';
import { FrameReader } from '@zeek-relay/zmtp';
import { command, greeting, ready } from '@zeek-relay/test-support';
import { ZmtpPeer, type ZmtpPeerOptions } from '../src/zmtp/peer.js';
import { waitUntil } from './helpers/scenario.js';

const silent = pino({ level: 'silent' });
const portOf = (endpoint: string): number => Number(endpoint.split(':').pop());

/** A pino logger whose lines are kept. */
function capturingLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

function peer(type: 'XSUB' | 'XPUB', port: number, extra: Partial<ZmtpPeerOptions> = {}): ZmtpPeer {
  return new ZmtpPeer({
    type,
    target: { kind: 'tcp', host: '127.0.0.1', port },
    ipv6: false,
    maxFrameBytes: 1 << 20,
    log: silent,
    ...extra,
  });
}

/** Messages of every frame-size class: empty, 1 byte, 255/256 (short/long header), 64 KiB+, multi-part. */
function sampleMessages(): Buffer[][] {
  return [
    [Buffer.alloc(0)],
    [Buffer.from('a')],
    [randomBytes(255)],
    [randomBytes(256)],
    [Buffer.from('/topic'), Buffer.from('sender'), Buffer.from('broker-bin-v1'), randomBytes(200)],
    [randomBytes(70_000)],
    [Buffer.from('t'), randomBytes(300_000), Buffer.alloc(0)],
  ];
}

/** A TCP relay that records every byte flowing from `target` to the client. */
async function recordingRelay(
  target: number,
): Promise<{ port: number; bytes: Buffer[]; close(): Promise<void> }> {
  const bytes: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    sockets.add(client).add(upstream);
    upstream.on('data', (d: Buffer) => bytes.push(Buffer.from(d)));
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    bytes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('ZMTP against libzmq', () => {
  test('receives every frame size a real XPUB sends, in order, byte for byte', async () => {
    const xpub = new XPublisher({ linger: 0 });
    await xpub.bind('tcp://127.0.0.1:0');
    const relay = await recordingRelay(portOf(xpub.lastEndpoint as string));
    const p = peer('XSUB', relay.port);
    const got: Buffer[][] = [];
    p.onMessage = (frames) => got.push(frames.map((f) => Buffer.from(f)));
    p.onConnect = () => p.send([Buffer.from('\x01', 'latin1')]);
    try {
      p.start();
      assert.deepEqual(await xpub.receive(), [Buffer.from([1])], 'the subscription reached libzmq');
      const sent = sampleMessages();
      for (const m of sent) await xpub.send(m);
      await waitUntil(() => got.length === sent.length, 'all messages');
      assert.deepEqual(got, sent);

      // The recorded stream (libzmq's own framing) parses the same however TCP splits it.
      const stream = Buffer.concat(relay.bytes);
      // [0x04 flags][size][0x05]READY…: the first frame after the 64-byte greeting.
      const start = stream.indexOf(Buffer.from('\x05READY', 'latin1'), 64) - 2;
      const body = stream.subarray(start);
      const chunkings: number[][] = [[1], [2, 3, 5, 7, 11], [9], [4096], [65536]];
      for (const sizes of chunkings) {
        const reader = new FrameReader(1 << 20);
        const msgs: Buffer[][] = [];
        const cmds: string[] = [];
        const sink = {
          message: (f: Buffer[]) => msgs.push(f.map((x) => Buffer.from(x))),
          command: (b: Buffer) => cmds.push(b.toString('latin1', 1, 1 + (b[0] as number))),
          dropped: () => assert.fail('nothing is dropped'),
        };
        for (let off = 0, i = 0; off < body.length; i++) {
          const n = sizes[i % sizes.length] as number;
          reader.push(body.subarray(off, off + n), sink);
          off += n;
        }
        assert.deepEqual(cmds, ['READY'], `commands, chunks of ${sizes.join('/')}`);
        assert.deepEqual(msgs, sent, `messages, chunks of ${sizes.join('/')}`);
      }
    } finally {
      await p.close(0);
      await relay.close();
      xpub.close();
    }
  });

  test('sends every frame size a real XSUB receives; subscriptions forwarded to it arrive', async () => {
    const xsub = new XSubscriber({ linger: 0 });
    await xsub.bind('tcp://127.0.0.1:0');
    const p = peer('XPUB', portOf(xsub.lastEndpoint as string));
    const subs: string[] = [];
    p.onMessage = (frames) => subs.push(Buffer.concat(frames).toString('latin1'));
    let connected = false;
    p.onConnect = () => (connected = true);
    try {
      // libzmq attaches our connection to the XSUB through its command queue, which zeromq.js
      // drains only while a send or receive is pending. The subscription is made before we even
      // connect (what a slow machine did by chance: it once left the handshake finishing after
      // the send), so it waits in the socket for the attach; the receive pending from the start
      // lets zeromq.js see the attach, and libzmq then sends it on. It is also the first message's
      // receive. A cancel must wait for the notice: before the attach it would just erase it.
      const first = xsub.receive();
      first.catch(() => undefined); // awaited below; a failure before that closes the socket
      await xsub.send(Buffer.from('\x01/a/'));
      p.start();
      await waitUntil(() => connected, 'handshake');
      await waitUntil(() => subs.length === 1, 'the subscription notice');
      await xsub.send(Buffer.from('\x00/a/'));
      await waitUntil(() => subs.length === 2, 'the cancel notice');
      assert.deepEqual(subs, ['\x01/a/', '\x00/a/']);
      const sent = sampleMessages();
      for (const m of sent) assert.equal(p.send(m), true);
      for (const [i, m] of sent.entries()) assert.deepEqual(i === 0 ? await first : await xsub.receive(), m);
      await p.drained();
      assert.equal(p.pending, 0);
    } finally {
      await p.close(0);
      xsub.close();
    }
  });

  test('an oversized frame skips its whole message; the stream goes on', async () => {
    const xpub = new XPublisher({ linger: 0 });
    await xpub.bind('tcp://127.0.0.1:0');
    const p = peer('XSUB', portOf(xpub.lastEndpoint as string), { maxFrameBytes: 1000 });
    const got: string[] = [];
    const dropped: string[] = [];
    p.onMessage = (frames) => got.push(frames.map((f) => f.toString('latin1', 0, 8)).join('|'));
    p.onDropped = (why) => dropped.push(why);
    p.onConnect = () => p.send([Buffer.from('\x01', 'latin1')]);
    try {
      p.start();
      await xpub.receive();
      await xpub.send([Buffer.from('first')]);
      await xpub.send([Buffer.alloc(2000, 'x')]);
      await xpub.send([Buffer.from('head'), Buffer.alloc(5000, 'y'), Buffer.from('tail')]);
      await xpub.send([Buffer.from('last'), Buffer.alloc(1000, 'z')]);
      await waitUntil(() => got.length === 2, 'the two small messages');
      assert.deepEqual(got, ['first', 'last|zzzzzzzz']);
      assert.deepEqual(dropped, ['frame_size', 'frame_size']);
      assert.equal(p.connected, true);
    } finally {
      await p.close(0);
      xpub.close();
    }
  });

  test('answers libzmq heartbeats: a peer with a heartbeat timeout keeps the connection', async () => {
    const xpub = new XPublisher({
      linger: 0,
      heartbeatInterval: 100,
      // Long enough that a test process starved by a busy machine (load 20+) still answers in time.
      heartbeatTimeout: 1500,
    });
    let disconnects = 0;
    xpub.events.on('disconnect', () => disconnects++);
    await xpub.bind('tcp://127.0.0.1:0');
    const p = peer('XSUB', portOf(xpub.lastEndpoint as string));
    const got: string[] = [];
    p.onMessage = (frames) => got.push(Buffer.concat(frames).toString());
    p.onConnect = () => p.send([Buffer.from('\x01', 'latin1')]);
    try {
      p.start();
      await xpub.receive();
      // Three heartbeat timeouts long (the test's subject is time passing, not a deadline): without
      // PONGs libzmq would have dropped us by now.
      await new Promise((r) => setTimeout(r, 4500));
      await xpub.send('still here');
      await waitUntil(() => got.length === 1, 'a message after the heartbeats');
      assert.equal(disconnects, 0);
      assert.deepEqual(got, ['still here']);
    } finally {
      await p.close(0);
      xpub.close();
    }
  });

  test('a handler that throws loses that message only; the connection and the stream go on', async () => {
    const xpub = new XPublisher({ linger: 0 });
    await xpub.bind('tcp://127.0.0.1:0');
    const { log, lines } = capturingLog();
    const p = peer('XSUB', portOf(xpub.lastEndpoint as string), { log });
    const got: string[] = [];
    let connects = 0;
    p.onMessage = (frames) => {
      const text = Buffer.concat(frames).toString();
      if (text === 'boom') throw new Error('handler bug');
      got.push(text);
    };
    p.onConnect = () => {
      connects++;
      p.send([Buffer.from('\x01', 'latin1')]);
    };
    try {
      p.start();
      await xpub.receive();
      // One burst, so all three arrive in the same read as far as TCP allows.
      await xpub.send('before');
      await xpub.send('boom');
      await xpub.send('after');
      await waitUntil(() => got.length === 2, 'the two other messages');
      assert.deepEqual(got, ['before', 'after']);
      assert.equal(connects, 1);
      assert.ok(lines.some((l) => l.includes('handler bug')));
    } finally {
      await p.close(0);
      xpub.close();
    }
  });

  test('refuses a peer of the wrong socket type and says why', async () => {
    const pull = new Pull({ linger: 0 });
    await pull.bind('tcp://127.0.0.1:0');
    const { log, lines } = capturingLog();
    const p = peer('XSUB', portOf(pull.lastEndpoint as string), { log });
    let connected = false;
    p.onConnect = () => (connected = true);
    try {
      p.start();
      await waitUntil(
        () => lines.some((l) => l.includes('a XSUB cannot talk to a PULL socket')),
        'the reason',
      );
      assert.equal(connected, false);
    } finally {
      await p.close(0);
      pull.close();
    }
  });

  test('ipc:// endpoints', async () => {
    const path = join(tmpdir(), `zr-zmtp-${process.pid}.ipc`);
    const xpub = new XPublisher({ linger: 0 });
    await xpub.bind(`ipc://${path}`);
    const target = parseEndpoint(`ipc://${path}`, false);
    assert.ok(typeof target !== 'string');
    const p = new ZmtpPeer({ type: 'XSUB', target, ipv6: false, maxFrameBytes: 1 << 20, log: silent });
    const got: string[] = [];
    p.onMessage = (frames) => got.push(frames.map(String).join('|'));
    p.onConnect = () => p.send([Buffer.from('\x01', 'latin1')]);
    try {
      p.start();
      await xpub.receive();
      await xpub.send(['/t', 'over ipc']);
      await waitUntil(() => got.length === 1, 'the message');
      assert.deepEqual(got, ['/t|over ipc']);
    } finally {
      await p.close(0);
      xpub.close();
      rmSync(path, { force: true }); // libzmq leaves the socket file behind
    }
  });
});

describe('ZMTP bytes on the wire', () => {
  /** A raw server that answers as a ZMTP 3.1 PUB and hands over what it read. */
  async function rawPub(onClient: (s: Socket, received: () => Buffer) => void): Promise<Server> {
    const server = createServer((s) => {
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d));
      s.write(Buffer.concat([greeting(3, 1), ready('PUB')]));
      onClient(s, () => Buffer.concat(chunks));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return server;
  }

  test('greeting and READY as RFC 23; SUBSCRIBE commands; PING answered; the peer TTL enforced', async () => {
    let client: Socket | undefined;
    let received: () => Buffer = () => Buffer.alloc(0);
    const server = await rawPub((s, r) => {
      client = s;
      received = r;
    });
    const p = peer('XSUB', (server.address() as AddressInfo).port);
    const msgs: string[] = [];
    let connects = 0;
    let disconnects = 0;
    p.onMessage = (frames) => msgs.push(frames.map((f) => f.toString('latin1')).join('|'));
    p.onConnect = () => connects++;
    p.onDisconnect = () => disconnects++;
    try {
      p.start();
      const readyXsub = ready('XSUB');
      await waitUntil(() => received().length >= 64 + readyXsub.length, 'greeting and READY');
      assert.deepEqual(received().subarray(0, 64), greeting(3, 1));
      assert.deepEqual(received().subarray(64), readyXsub);
      await waitUntil(() => connects === 1, 'handshake');

      // The 3.1 command form of (un)subscribing reaches the owner as the classic message.
      const s = client as Socket;
      s.write(Buffer.concat([command('SUBSCRIBE', Buffer.from('/x')), command('CANCEL', Buffer.from('/x'))]));
      // A multi-part data message: MORE flag on the first frame.
      s.write(Buffer.from([0x01, 2, 0x2f, 0x74, 0x00, 3, 0x61, 0x62, 0x63]));
      await waitUntil(() => msgs.length === 3, 'three messages');
      assert.deepEqual(msgs, ['\x01/x', '\x00/x', '/t|abc']);

      // PING with TTL 3 (300 ms) and a context: PONG carries the context back; then silence
      // beyond the TTL drops the connection and a new one is made.
      const before = received().length;
      s.write(command('PING', Buffer.from([0, 3, 0x63, 0x74, 0x78])));
      const pong = command('PONG', Buffer.from('ctx'));
      await waitUntil(() => received().length >= before + pong.length, 'PONG');
      assert.deepEqual(received().subarray(before, before + pong.length), pong);
      await waitUntil(
        () => disconnects === 1 && connects === 2,
        'dropped after the TTL, then reconnected',
        5000,
      );
    } finally {
      await p.close(0);
      server.close();
      client?.destroy();
    }
  });

  test('a stream that is not ZMTP framing ends the connection, not the process', async () => {
    let client: Socket | undefined;
    const server = await rawPub((s) => (client = s));
    const { log, lines } = capturingLog();
    const p = peer('XSUB', (server.address() as AddressInfo).port, { log });
    let connects = 0;
    p.onConnect = () => connects++;
    try {
      p.start();
      await waitUntil(() => connects === 1, 'handshake');
      client?.write(Buffer.from([0xf0, 0x01, 0x00]));
      await waitUntil(
        () => lines.some((l) => l.includes('reserved frame flag bits set (0xf0)')),
        'the reason',
      );
    } finally {
      await p.close(0);
      server.close();
      client?.destroy();
    }
  });
});

describe('hub endpoints', () => {
  test('tcp (names, IPv4, bracketed IPv6) and ipc; everything else a typed error', () => {
    assert.deepEqual(parseEndpoint('tcp://hub.zeek.svc:27760', false), {
      kind: 'tcp',
      host: 'hub.zeek.svc',
      port: 27760,
    });
    assert.deepEqual(parseEndpoint('tcp://[::1]:5', true), { kind: 'tcp', host: '::1', port: 5 });
    assert.deepEqual(parseEndpoint('ipc:///run/zeek/hub', false), { kind: 'ipc', path: '/run/zeek/hub' });
    for (const [endpoint, why] of [
      ['tcp://[::1]:5', 'needs ipv6 enabled'],
      ['tcp://::1:5', 'brackets'],
      ['tcp://127.0.0.1:0', 'bad port'],
      ['tcp://127.0.0.1:70000', 'bad port'],
      ['tcp://*:27760', 'needs a host'],
      ['tcp://eth0;10.0.0.1:27760', 'source-address'],
      ['inproc://hub', 'only tcp:// and ipc://'],
      ['udp://1.2.3.4:5', 'only tcp:// and ipc://'],
    ] as const) {
      const r = parseEndpoint(endpoint, false);
      assert.ok(typeof r === 'string' && r.includes(why), `${endpoint}: ${String(r)}`);
    }
    assert.throws(
      () =>
        new ZmtpLink({
          connectXpubEndpoint: 'tcp://127.0.0.1:1',
          connectXsubEndpoint: 'inproc://hub',
          ipv6: false,
          hubMaxMessageBytes: 1024,
          lingerMs: 0,
          nodeId: 'n',
          log: silent,
        }),
      { code: 'ZR_GATEWAY_HUB_CONNECT', message: /inproc:\/\/hub: only tcp:\/\/ and ipc:\/\// },
    );
  });
});
