/**
 * The raw TCP peer that sends hand-built ZMTP bytes (@zeek-relay/test-support's raw-zmtp, re-exported
 * here) to the hub's own ZMTP core.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { command } from '@zeek-relay/test-support';

export { command, frame, greeting, ready } from '@zeek-relay/test-support';

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
