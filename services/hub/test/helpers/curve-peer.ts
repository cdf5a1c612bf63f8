/**
 * A CURVE peer on a raw TCP socket: the package's CurveZMQ client (the gateway's,
 * `@zeek-relay/zmtp/curve`) does the handshake with the hub, then messages are sealed and opened
 * by hand, so a test can also write a box with one byte flipped — what no libzmq peer sends.
 */
import { connect, type Socket } from 'node:net';
import {
  FrameReader,
  GREETING_LENGTH,
  buildGreeting,
  frameHeaderLength,
  parseCommand,
  parseZ85Key,
  socketTypeMetadata,
  writeFrameHeader,
  type ZmtpSocketType,
} from '@zeek-relay/zmtp';
import { CurveClient, CurveReader, MESSAGE_OVERHEAD, Sodium, sealedLength } from '@zeek-relay/zmtp/curve';

/** Z85 key texts, as zeromq.js's curveKeyPair gives them. */
export interface PeerKeys {
  readonly serverKey: string;
  readonly publicKey: string;
  readonly secretKey: string;
}

const raw = (z85: string): Buffer => parseZ85Key(z85) ?? Buffer.alloc(0);

/** A connected, handshaken raw CURVE peer. */
export class RawCurvePeer {
  readonly received: Buffer[][] = [];
  /** Resolves when the hub closed the connection. */
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #client: CurveClient;

  private constructor(socket: Socket, client: CurveClient) {
    this.#socket = socket;
    this.#client = client;
    this.closed = new Promise((r) => socket.once('close', () => r()));
  }

  /** Connects to `tcp://host:port` as `type`, completes the CURVE handshake (rejects on failure). */
  static async connect(endpoint: string, type: ZmtpSocketType, keys: PeerKeys): Promise<RawCurvePeer> {
    const na = await Sodium.load();
    const [host, port] = /^tcp:\/\/(.+):(\d+)$/.exec(endpoint)!.slice(1) as [string, string];
    const socket = connect(Number(port), host);
    const client = new CurveClient(na, {
      serverKey: raw(keys.serverKey),
      publicKey: raw(keys.publicKey),
      secretKey: raw(keys.secretKey),
    });
    const peer = new RawCurvePeer(socket, client);
    await peer.#handshake(na, type);
    return peer;
  }

  /**
   * Greeting, HELLO, WELCOME → INITIATE, READY. Frames after READY in the same read were parsed as
   * plain frames (each MESSAGE is one): they go to the CURVE reader, re-framed, before the rest.
   */
  #handshake(na: Sodium, type: ZmtpSocketType): Promise<void> {
    const socket = this.#socket;
    const client = this.#client;
    socket.write(buildGreeting('CURVE'));
    const reader = new FrameReader(1 << 20);
    let greeting = Buffer.alloc(0);
    let ready = false;
    const early: Buffer[] = [];
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed during the handshake')));
      const sink = {
        message: (f: Buffer[]) =>
          ready ? early.push(frame(0, f[0]!)) : reject(new Error('a message before READY')),
        dropped: () => undefined,
        command: (body: Buffer) => {
          const cmd = parseCommand(body)!;
          if (cmd.name === 'WELCOME')
            socket.write(frame(4, client.welcome(cmd.data, socketTypeMetadata(type))));
          else if (cmd.name === 'READY') ready = (client.ready(cmd.data), true);
          else reject(CurveClient.refused(body) ?? new Error(`unexpected ${cmd.name}`));
        },
      };
      const opened = new CurveReader(na, client, (1 << 20) + MESSAGE_OVERHEAD);
      const boxed = (d: Buffer) =>
        opened.push(d, {
          message: (f) => this.received.push(f.map((x) => Buffer.from(x))),
          command: () => undefined,
        });
      const onData = (d: Buffer) => {
        if (greeting.length < GREETING_LENGTH) {
          greeting = Buffer.concat([greeting, d]);
          if (greeting.length < GREETING_LENGTH) return;
          socket.write(frame(4, client.hello()));
          d = greeting.subarray(GREETING_LENGTH);
        }
        reader.push(d, sink);
        if (!ready) return;
        socket.off('data', onData);
        socket.on('data', boxed);
        boxed(Buffer.concat([...early, reader.takeRest()]));
        resolve();
      };
      socket.on('data', onData);
    });
  }

  /** Sends one message, sealed; `flip` changes one byte of its last frame's ciphertext on the way. */
  send(frames: Buffer[], flip = false): void {
    const out = Buffer.alloc(sealedLength(frames));
    this.#client.seal(out, 0, frames, false);
    if (flip) out[out.length - 1]! ^= 0x01;
    this.#socket.write(out);
  }

  close(): void {
    this.#socket.destroy();
    this.#client.dispose();
  }
}

/** One frame of any length with its header (`flags`: 4 COMMAND; the order of test-support's `frame`). */
function frame(flags: number, body: Buffer): Buffer {
  const out = Buffer.alloc(frameHeaderLength(body.length) + body.length);
  body.copy(out, writeFrameHeader(out, 0, flags, body.length));
  return out;
}
