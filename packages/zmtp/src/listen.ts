/**
 * TCP/IPC listeners of the services' own ZMTP servers (the hub's `forwarding=zmtp`, the log
 * sink's `intake=zmtp`), bound to endpoints as libzmq binds them:
 * `tcp://<address>:<port>` (`*` = every interface, IPv6 too with `ipv6`; port 0 = ephemeral) and
 * `ipc://<path>` (a stale socket file is replaced; `@name` is Linux's abstract namespace). The
 * bound endpoint is reported in libzmq's `ZMQ_LAST_ENDPOINT` form.
 */
import { rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A listening server and its resolved endpoint. */
export interface Listener {
  readonly server: Server;
  readonly endpoint: string;
  /** Stops accepting; removes an ipc socket file. */
  close(): Promise<void>;
}

type BindTarget = { host: string | undefined; port: number } | { path: string };

function parseBindEndpoint(endpoint: string, ipv6: boolean): BindTarget | string {
  if (endpoint.startsWith('ipc://')) {
    const path = endpoint.slice(6);
    if (path === '' || path === '*') return 'an ipc endpoint needs a path';
    return { path: path.startsWith('@') ? `\0${path.slice(1)}` : path };
  }
  if (!endpoint.startsWith('tcp://')) return 'only tcp:// and ipc:// endpoints are supported';
  const rest = endpoint.slice(6);
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return 'expected tcp://<address>:<port>';
  const portText = rest.slice(colon + 1);
  const port = portText === '*' ? 0 : Number(portText);
  if (!/^(\*|[0-9]+)$/.test(portText) || port > 65535) return `bad port ${portText}`;
  let host = rest.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '*') return { host: ipv6 ? '::' : '0.0.0.0', port };
  return { host, port };
}

/**
 * The owner's error for an endpoint that could not be bound: `why` when the endpoint itself is
 * wrong (no `cause`), else the listen error as `cause`.
 */
export type BindErrorFactory = (why: string, cause?: unknown) => Error;

/** Binds `endpoint`; `onConnection` gets every accepted socket. Throws what `fail` makes. */
export async function listen(
  endpoint: string,
  ipv6: boolean,
  fail: BindErrorFactory,
  onConnection: (socket: Socket) => void,
): Promise<Listener> {
  const target = parseBindEndpoint(endpoint, ipv6);
  if (typeof target === 'string') throw fail(target);
  const server = createServer({ noDelay: true }, onConnection);
  const ipcPath = 'path' in target && !target.path.startsWith('\0') ? target.path : undefined;
  if (ipcPath !== undefined) rmSync(ipcPath, { force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if ('path' in target) server.listen(target.path, resolve);
      else server.listen({ host: target.host, port: target.port, ipv6Only: false }, resolve);
    });
  } catch (err) {
    throw fail((err as Error).message, err);
  }
  server.on('error', () => undefined);
  const bound = boundEndpoint(server, endpoint, target);
  let closing: Promise<void> | undefined;
  return {
    server,
    endpoint: bound,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          if (ipcPath !== undefined) rmSync(ipcPath, { force: true });
          resolve();
        });
      })),
  };
}

function boundEndpoint(server: Server, endpoint: string, target: BindTarget): string {
  if ('path' in target) return endpoint;
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `tcp://${host}:${a.port}`;
}
