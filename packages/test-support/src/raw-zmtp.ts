/**
 * ZMTP bytes built by hand from ZeroMQ RFC 23 / RFC 37, not with the code under test: for tests
 * that play a raw peer of the hub's or the log sink's own ZMTP side.
 */
import assert from 'node:assert/strict';

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
