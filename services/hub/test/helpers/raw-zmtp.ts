/**
 * ZMTP bytes built by hand from ZeroMQ RFC 23 / RFC 37 (not with the code under test), and the raw
 * TCP peer that sends them to the hub's own ZMTP core.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** A 64-byte ZMTP greeting: signature, version, mechanism, as-server 0. */
export function greeting(major = 3, minor = 1, mechanism = 'NULL'): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = major;
  g[11] = minor;
  g.write(mechanism, 12, 'latin1');
  return g;
}

/** A short frame (`flags` 1 MORE, 4 COMMAND) of at most 255 bytes. */
export function frame(flags: number, body: Buffer): Buffer {
  assert.ok(body.length <= 255);
  return Buffer.concat([Buffer.from([flags, body.length]), body]);
}

/** A command frame: name length, name, data. */
export const command = (name: string, data: Buffer = Buffer.alloc(0)): Buffer =>
  frame(4, Buffer.concat([Buffer.from([name.length]), Buffer.from(name, 'latin1'), data]));

/** READY with the Socket-Type property. */
export function ready(type: string): Buffer {
  const name = Buffer.from('Socket-Type', 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(type.length);
  return command('READY', Buffer.concat([Buffer.from([name.length]), name, len, Buffer.from(type)]));
}

/** A raw TCP peer of the hub that keeps everything it receives. */
export class RawPeer {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  /** Resolves when the connection closed (the hub closed it, or the test did). */
  readonly closed: Promise<void>;
  isClosed = false;

  /** Connects to `tcp://host:port`. */
  constructor(endpoint: string) {
    const url = new URL(endpoint.replace('tcp://', 'http://'));
    this.socket = connect({ host: url.hostname, port: Number(url.port) });
    this.socket.on('data', (c: Buffer) => (this.received = Buffer.concat([this.received, c])));
    this.socket.on('error', () => undefined);
    this.closed = once(this.socket, 'close').then(() => void (this.isClosed = true));
  }

  send(...chunks: Buffer[]): void {
    this.socket.write(Buffer.concat(chunks));
  }

  /** Sends a PING (TTL 0) every 50 ms: traffic that keeps the hub's heartbeat check satisfied. */
  keepAlive(): void {
    const t = setInterval(() => this.send(command('PING', Buffer.alloc(2))), 50);
    void this.closed.then(() => clearInterval(t));
  }

  /** Whether the hub's greeting and then `text` (a READY's socket type, a command name) arrived. */
  handshaken(text: string): boolean {
    return this.received.length >= 64 && this.received.includes(Buffer.from(text, 'latin1'), 64);
  }
}
