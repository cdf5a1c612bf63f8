import { isIP } from 'node:net';

/** Where a ZeroMQ endpoint string points: a TCP host and port, or a Unix socket path. */
export type Target =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'ipc'; readonly path: string };

/**
 * Parses a ZeroMQ connect endpoint: `tcp://<host>:<port>` (host a name, an IPv4 address or a
 * bracketed IPv6 address) or `ipc://<path>`, the transports Zeek's cluster uses. Returns the reason
 * as a string for anything else (`tcp://<source>;<host>:<port>`, `*`, other transports).
 */
export function parseEndpoint(endpoint: string, ipv6: boolean): Target | string {
  if (endpoint.startsWith('ipc://')) {
    const path = endpoint.slice(6);
    if (path === '' || path === '*') return `${endpoint}: an ipc endpoint needs a path`;
    return { kind: 'ipc', path: path.startsWith('@') ? `\0${path.slice(1)}` : path };
  }
  if (!endpoint.startsWith('tcp://')) return `${endpoint}: only tcp:// and ipc:// endpoints are supported`;
  const rest = endpoint.slice(6);
  if (rest.includes(';')) return `${endpoint}: source-address endpoints are not supported`;
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return `${endpoint}: expected tcp://<host>:<port>`;
  let host = rest.slice(0, colon);
  const portText = rest.slice(colon + 1);
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port < 1 || port > 65535) return `${endpoint}: bad port ${portText}`;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':')) return `${endpoint}: put an IPv6 address in brackets`;
  if (host === '*' || host === '') return `${endpoint}: a connect endpoint needs a host`;
  if (isIP(host) === 6 && !ipv6) return `${endpoint}: an IPv6 address needs ipv6 enabled`;
  return { kind: 'tcp', host, port };
}
