/**
 * ZMTP 3.x handshake pieces (ZeroMQ RFC 23/ZMTP and RFC 37/ZMTP 3.1): the 64-byte greeting, the
 * READY / ERROR commands of the NULL mechanism, the metadata both mechanisms carry. Pure: no
 * sockets. The CURVE handshake is in curve/.
 */

/** Length of a ZMTP 3.x greeting. */
export const GREETING_LENGTH = 64;

/** ZeroMQ socket types the gateway speaks as (and the peers each accepts). */
export type ZmtpSocketType = 'XSUB' | 'XPUB' | 'PULL';

/** Peer socket types a socket of each type may talk to (RFC 29/PUBSUB). */
export const COMPATIBLE_PEERS: Readonly<Record<ZmtpSocketType, readonly string[]>> = {
  XSUB: ['PUB', 'XPUB'],
  XPUB: ['SUB', 'XSUB'],
  PULL: ['PUSH'],
};

/** The security mechanisms spoken (RFC 23 NULL, RFC 26 CURVE: the gateway as client, the hub as server). */
export type ZmtpMechanism = 'NULL' | 'CURVE';

/** What the peer's greeting says. */
export interface PeerGreeting {
  readonly major: number;
  readonly minor: number;
  readonly mechanism: string;
}

/**
 * Our greeting: signature `FF 00×8 7F`, version 3.1, the mechanism, the as-server flag (1 for the
 * server of a CURVE handshake, 0 otherwise). libzmq 4.3 peers then use ZMTP 3.1; we accept either
 * subscription form they send.
 */
export function buildGreeting(mechanism: ZmtpMechanism = 'NULL', asServer = false): Buffer {
  const g = Buffer.alloc(GREETING_LENGTH);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 1;
  g.write(mechanism, 12, 'latin1');
  g[32] = asServer ? 1 : 0;
  return g;
}

/**
 * Parses the peer's 64-byte greeting; returns the reason it is unusable as a string (the caller
 * drops the connection, as libzmq does on a protocol error).
 */
export function parseGreeting(g: Buffer, ours: ZmtpMechanism = 'NULL'): PeerGreeting | string {
  if (g[0] !== 0xff || ((g[9] ?? 0) & 1) !== 1) return 'not a ZMTP 3 greeting (signature)';
  const major = g[10] ?? 0;
  const minor = g[11] ?? 0;
  if (major < 3) return `peer speaks ZMTP ${major}.${minor}, 3.0 or later is needed`;
  const end = g.indexOf(0, 12);
  const mechanism = g.toString('latin1', 12, end < 0 || end > 32 ? 32 : end);
  if (mechanism !== ours) return `peer wants security mechanism ${mechanism}, we speak ${ours}`;
  return { major, minor, mechanism };
}

/** Body of a command frame: name length, name, data. */
export function commandBody(name: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const body = Buffer.allocUnsafe(1 + name.length + data.length);
  body[0] = name.length;
  body.write(name, 1, 'latin1');
  data.copy(body, 1 + name.length);
  return body;
}

/** The metadata of our handshake: the Socket-Type property (NULL's READY, CURVE's INITIATE). */
export function socketTypeMetadata(type: ZmtpSocketType): Buffer {
  const name = 'Socket-Type';
  const prop = Buffer.allocUnsafe(1 + name.length + 4 + type.length);
  prop[0] = name.length;
  prop.write(name, 1, 'latin1');
  prop.writeUInt32BE(type.length, 1 + name.length);
  prop.write(type, 5 + name.length, 'latin1');
  return prop;
}

/** READY command body with the Socket-Type property (RFC 23 §"NULL"). */
export function readyBody(type: ZmtpSocketType): Buffer {
  return commandBody('READY', socketTypeMetadata(type));
}

/** A parsed command: its name and data. */
export interface Command {
  readonly name: string;
  readonly data: Buffer;
}

/** Splits a command body into name and data; undefined when the body is too short. */
export function parseCommand(body: Buffer): Command | undefined {
  const n = body[0];
  if (n === undefined || body.length < 1 + n) return undefined;
  return { name: body.toString('latin1', 1, 1 + n), data: body.subarray(1 + n) };
}

/**
 * Properties of a READY command (name → value), or the reason they are malformed.
 * Names are compared case-insensitively by ZMTP; they are returned lower-cased.
 */
export function parseProperties(data: Buffer): Map<string, Buffer> | string {
  const props = new Map<string, Buffer>();
  let off = 0;
  while (off < data.length) {
    const n = data[off] as number;
    if (off + 1 + n + 4 > data.length) return 'truncated READY property';
    const name = data.toString('latin1', off + 1, off + 1 + n).toLowerCase();
    const len = data.readUInt32BE(off + 1 + n);
    const start = off + 5 + n;
    if (start + len > data.length) return 'truncated READY property value';
    props.set(name, data.subarray(start, start + len));
    off = start + len;
  }
  return props;
}

/**
 * Checks the peer's READY: it must name a socket type this socket may talk to. Returns the
 * reason it may not, or undefined.
 */
export function checkReady(type: ZmtpSocketType, data: Buffer): string | undefined {
  const props = parseProperties(data);
  if (typeof props === 'string') return props;
  const peer = props.get('socket-type')?.toString('latin1');
  if (peer === undefined) return 'READY without Socket-Type';
  if (!COMPATIBLE_PEERS[type].includes(peer)) return `a ${type} cannot talk to a ${peer} socket`;
  return undefined;
}
