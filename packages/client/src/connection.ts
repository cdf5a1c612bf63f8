import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { CLIENT_ERROR_CODES, ClientError, serverError } from './errors.js';

/** The WebSocket API v1 path; Zeek serves no other (websocket-v1 §1.3). */
export const API_PATH = '/v1/messages/json';

/** TLS settings for `wss://` URLs (passed to Node's `tls.connect`). */
export interface TlsOptions {
  /** PEM CA bundle(s) to trust instead of the system store. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Client certificate and key for mutual TLS (Zeek's `enable_peer_verification`). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Verify the server certificate. Default true. */
  readonly rejectUnauthorized?: boolean;
  /** SNI / certificate host name, when it differs from the URL host. */
  readonly servername?: string;
}

/** What one connection attempt needs. */
export interface ConnectionOptions {
  /** `ws://host:port` or `wss://host:port`; the path defaults to {@link API_PATH}. */
  readonly url: string;
  /** Topic prefixes to subscribe to (fixed for the connection's lifetime). */
  readonly topics: readonly string[];
  /** Sent as `Authorization: Bearer <token>` (zeek-relay gateway; Zeek itself ignores it). */
  readonly token?: string;
  /** Sent as `X-Application-Name`; must match `[-/_.=:*@a-zA-Z0-9]*`. */
  readonly applicationName?: string;
  readonly tls?: TlsOptions;
  /** Time allowed for TCP/TLS/HTTP upgrade plus the subscription ack. Default 10000 ms. */
  readonly handshakeTimeoutMs?: number;
}

/** The server's ack (websocket-v1 §2.3). */
export interface Ack {
  /** The client's endpoint id on the cluster: unique per live connection. */
  readonly endpoint: string;
  /** Version string of the server (Zeek version, or what the gateway reports). */
  readonly version: string;
}

/** Handlers of an open connection; called only after the ack. */
export interface ConnectionHandlers {
  /** A text/binary data frame that is not an ack or error (raw bytes: Zeek may send invalid UTF-8). */
  onData(bytes: Buffer): void;
  /** A server error message after the ack (non-fatal). */
  onServerError(err: ClientError): void;
  /** The socket closed (after the ack); code/reason as received. */
  onClose(code: number, reason: string): void;
}

/** An acknowledged connection. */
export interface Connection {
  readonly ws: WebSocket;
  readonly ack: Ack;
}

const APP_NAME_RE = /^[-/_.=:*@a-zA-Z0-9]*$/;

/** Builds the request URL: adds the API path when the URL has none (`ws://h:p` or `ws://h:p/`). */
export function resolveUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new ClientError(CLIENT_ERROR_CODES.INVALID_ARGUMENT, `Invalid URL "${url}"`, { cause });
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new ClientError(
      CLIENT_ERROR_CODES.INVALID_ARGUMENT,
      `URL must start with ws:// or wss://, got "${url}"`,
    );
  }
  if (u.pathname === '/' || u.pathname === '') u.pathname = API_PATH;
  return u;
}

/** Validates options that can be checked without the network; throws INVALID_ARGUMENT. */
export function checkConnectionOptions(o: ConnectionOptions): void {
  resolveUrl(o.url);
  if (!Array.isArray(o.topics) || o.topics.some((t) => typeof t !== 'string')) {
    throw new ClientError(CLIENT_ERROR_CODES.INVALID_ARGUMENT, 'topics must be an array of strings');
  }
  if (o.applicationName !== undefined && !APP_NAME_RE.test(o.applicationName)) {
    throw new ClientError(
      CLIENT_ERROR_CODES.INVALID_ARGUMENT,
      `Invalid application name "${o.applicationName}": only letters, digits and -/_.=:*@ are allowed`,
    );
  }
}

function bytesOf(data: WebSocket.RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return data;
}

const DATA_PREFIX = Buffer.from('{"type":"data-message"');

/**
 * Classifies a server message. Zeek's output is compact with `type` first, so data messages are
 * recognised by their first bytes without parsing; anything else is parsed as plain JSON (control
 * messages carry no numbers that need BigInt).
 */
function controlMessage(bytes: Buffer): { type: 'ack' | 'error'; obj: Record<string, unknown> } | undefined {
  if (bytes.subarray(0, DATA_PREFIX.length).equals(DATA_PREFIX)) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) return undefined; // e.g. Zeek's bare `nan`: a data message, decoded there
    throw err;
  }
  if (typeof obj !== 'object' || obj === null) return undefined;
  const type = (obj as Record<string, unknown>)['type'];
  if (type === 'ack' || type === 'error') return { type, obj: obj as Record<string, unknown> };
  return undefined;
}

/** The WebSocket for `o` (headers, TLS), connecting. */
function openSocket(o: ConnectionOptions, url: URL, timeoutMs: number): WebSocket {
  const headers: Record<string, string> = {};
  if (o.token !== undefined) headers['Authorization'] = `Bearer ${o.token}`;
  if (o.applicationName !== undefined) headers['X-Application-Name'] = o.applicationName;
  const tls = o.tls ?? {};
  return new WebSocket(url, {
    headers,
    perMessageDeflate: false,
    maxPayload: 0x7fffffff,
    handshakeTimeout: timeoutMs,
    ...(tls.ca !== undefined ? { ca: tls.ca as string | Buffer | Array<string | Buffer> } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  });
}

/** Routes the ways a connection fails before its ack (refused upgrade, socket error, close) to `fail`. */
function onHandshakeFailure(ws: WebSocket, url: URL, fail: (err: ClientError) => void): void {
  ws.on('unexpected-response', (_req, res: IncomingMessage) => {
    const status = res.statusCode ?? 0;
    res.resume();
    const code =
      status === 401 || status === 403 ? CLIENT_ERROR_CODES.UNAUTHORIZED : CLIENT_ERROR_CODES.CONNECT_FAILED;
    fail(
      new ClientError(
        code,
        `Upgrade to ${url.href} refused with HTTP ${status} ${res.statusMessage ?? ''}`.trim(),
      ),
    );
  });
  ws.on('error', (cause) => {
    fail(
      new ClientError(
        CLIENT_ERROR_CODES.CONNECT_FAILED,
        `Could not connect to ${url.href}: ${cause.message}`,
        {
          cause,
        },
      ),
    );
  });
  ws.on('close', (code, reason) => {
    fail(
      new ClientError(
        CLIENT_ERROR_CODES.CONNECT_FAILED,
        `Connection to ${url.href} closed before the ack (code ${code}${reason.length ? `, ${reason.toString()}` : ''})`,
      ),
    );
  });
}

/** The first server message: the ack, or the error it stands for (server error, anything else). */
function readAck(bytes: Buffer, url: URL): Ack | ClientError {
  const ctl = controlMessage(bytes);
  const text = (): string => bytes.subarray(0, 200).toString('utf8');
  if (ctl?.type === 'error')
    return serverError(String(ctl.obj['code'] ?? ''), String(ctl.obj['context'] ?? ''), true);
  if (ctl?.type !== 'ack')
    return new ClientError(CLIENT_ERROR_CODES.PROTOCOL, `Expected an ack from ${url.href}, got: ${text()}`);
  const endpoint = ctl.obj['endpoint'];
  const version = ctl.obj['version'];
  if (typeof endpoint !== 'string' || typeof version !== 'string')
    return new ClientError(CLIENT_ERROR_CODES.PROTOCOL, `Malformed ack: ${text()}`);
  return { endpoint, version };
}

/**
 * Opens one WebSocket, sends the subscription list and waits for the ack (websocket-v1 §2).
 * Data frames the server sends before the ack never exist (Zeek discards them), so none are lost
 * by installing `handlers` only afterwards. Rejects with a {@link ClientError}: CONNECT_FAILED,
 * UNAUTHORIZED, HANDSHAKE_TIMEOUT, or the typed server error (INVALID_URI, …); the socket is
 * closed in every failure case.
 */
export function openConnection(o: ConnectionOptions, handlers: ConnectionHandlers): Promise<Connection> {
  checkConnectionOptions(o);
  const url = resolveUrl(o.url);
  const timeoutMs = o.handshakeTimeoutMs ?? 10_000;
  const ws = openSocket(o, url, timeoutMs);
  return new Promise<Connection>((resolve, reject) => {
    let settled = false;
    const fail = (err: ClientError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => {}); // late socket errors after giving up are expected and irrelevant
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          new ClientError(
            CLIENT_ERROR_CODES.HANDSHAKE_TIMEOUT,
            `No ack from ${url.href} within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    onHandshakeFailure(ws, url, fail);
    ws.on('open', () => ws.send(JSON.stringify(o.topics)));
    ws.on('message', (data) => {
      const ack = readAck(bytesOf(data), url);
      if (ack instanceof ClientError) return fail(ack);
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners();
      attach(ws, handlers);
      resolve({ ws, ack });
    });
  });
}

function attach(ws: WebSocket, h: ConnectionHandlers): void {
  ws.on('message', (data) => {
    const bytes = bytesOf(data);
    const ctl = controlMessage(bytes);
    if (ctl === undefined) h.onData(bytes);
    else if (ctl.type === 'error')
      h.onServerError(serverError(String(ctl.obj['code'] ?? ''), String(ctl.obj['context'] ?? ''), false));
    else h.onServerError(new ClientError(CLIENT_ERROR_CODES.PROTOCOL, 'Unexpected second ack'));
  });
  ws.on('error', () => {}); // always followed by 'close', which carries the outcome
  ws.on('close', (code, reason) => h.onClose(code, reason.toString()));
}
