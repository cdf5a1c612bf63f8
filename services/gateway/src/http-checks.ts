import type { IncomingMessage } from 'node:http';

/**
 * The HTTP upgrade checks of Zeek's WebSocket server, in its order (websocket-v1.md §1.4), with
 * its exact 400 reason texts. Returns the reason phrase of the 400 answer, or undefined when the
 * request may be upgraded. `Connection`, `Host`, `Origin` and the path are not checked here.
 */
export function upgradeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return `Invalid HTTP method, need GET, got ${req.method ?? ''}`;
  if (req.httpVersion !== '1.1') return `Invalid HTTP version, need HTTP/1.1, got: HTTP/${req.httpVersion}`;
  if (!req.headers['sec-websocket-key']) return 'Missing Sec-WebSocket-Key value';
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined) return 'Missing Upgrade header';
  if (upgrade.trim().toLowerCase() !== 'websocket')
    return `Invalid Upgrade header, need WebSocket, got ${upgrade}`;
  const version = req.headers['sec-websocket-version'];
  if (version === undefined) return 'Missing Sec-WebSocket-Version value';
  if (Number(version) !== 13) return `Invalid Sec-WebSocket-Version, need 13, got ${version}`;
  return undefined;
}

/** Remote IP as Zeek reports it: IPv4-mapped IPv6 addresses as dotted quads. */
export function remoteAddress(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
