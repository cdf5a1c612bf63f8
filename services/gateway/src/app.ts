import type { SecureContextOptions } from 'node:tls';
import fastifyWebsocket, { type WebsocketPluginOptions } from '@fastify/websocket';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type onRequestHookHandler,
} from 'fastify';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import {
  websocketClientAddedEvent,
  websocketClientLostEvent,
  websocketEndpointId,
  type ZeekEvent,
} from '@zeek-relay/wire';
import { ANONYMOUS, type Authenticator, type Principal } from './auth.js';
import type { Codec } from './codec.js';
import { remoteAddress, upgradeProblem } from './http-checks.js';
import { GatewayMetrics } from './metrics.js';
import { API_PATH, isValidApplicationName } from './protocol.js';
import type { Router } from './router.js';
import { Session, type SessionEnv } from './session.js';

/** Everything {@link buildApp} wires together; built by `createGateway` (or a test). */
export interface AppOptions {
  readonly log: Logger;
  readonly router: Router;
  readonly codec: Codec;
  readonly metrics: GatewayMetrics;
  /** Gateway node id; client ids are `<nodeId>-websocket-<n>`. */
  readonly nodeId: string;
  readonly zeekVersion: string;
  readonly pingIntervalSeconds: number;
  readonly sendQueueBytes: number;
  readonly maxPendingMessages: number;
  readonly maxClients: number;
  /** 0 = unlimited. */
  readonly maxMessageBytes: number;
  readonly authenticator?: Authenticator | undefined;
  /** Topic for client added/lost events; undefined = not published. */
  readonly lifecycleTopic?: string | undefined;
  /** TLS server options (cert/key/ca/ciphers), undefined = plain `ws://`. */
  readonly tls?: (SecureContextOptions & { requestCert?: boolean }) | undefined;
  /** How long a closing client may take to answer the close frame before the socket is destroyed. */
  readonly closeTimeoutMs?: number;
}

/** The fastify app plus the live sessions (for shutdown and tests). */
export interface GatewayApp {
  readonly app: FastifyInstance;
  readonly sessions: ReadonlySet<Session>;
}

function reject(reply: FastifyReply, status: number, text: string): FastifyReply {
  // Zeek puts the reason in the status line (`HTTP/1.1 400 Missing Sec-WebSocket-Key value`)
  // and closes the connection.
  reply.raw.statusMessage = text;
  return reply
    .code(status)
    .header('content-type', 'text/plain; charset=utf-8')
    .header('connection', 'close')
    .send(text);
}

/** What the parts of the app share: the live sessions and the connections being upgraded. */
interface AppState {
  readonly sessions: Set<Session>;
  /** Who each admitted request is (from its bearer token), until its session starts. */
  readonly principals: WeakMap<object, Principal>;
  /** Requests admitted and not yet upgraded (they count against `maxClients`). */
  readonly upgradingRequests: WeakSet<object>;
  upgrading: number;
  /** Connections so far: `n` of client id `<nodeId>-websocket-<n>`. */
  connections: number;
  /** Set while the app closes: called when the last session has ended. */
  allClosed: (() => void) | undefined;
}

function upgraded(st: AppState, raw: object): void {
  if (st.upgradingRequests.delete(raw)) st.upgrading--;
}

/** What every session needs: the router, the codec, limits, and the lifecycle events. */
function sessionEnv(o: AppOptions, st: AppState): SessionEnv {
  const lifecycle = (s: Session, ev: ZeekEvent): void => {
    if (o.lifecycleTopic !== undefined) o.router.publishAbout(s, o.lifecycleTopic, ev);
  };
  const info = (s: Session) => ({
    id: s.id,
    address: s.info.address,
    port: s.info.port,
    applicationName: s.info.applicationName,
  });
  return {
    router: o.router,
    codec: o.codec,
    metrics: o.metrics,
    log: o.log,
    pingIntervalSeconds: o.pingIntervalSeconds,
    sendQueueBytes: o.sendQueueBytes,
    maxPendingMessages: o.maxPendingMessages,
    zeekVersion: o.zeekVersion,
    onAdded: (s, prefixes) => lifecycle(s, websocketClientAddedEvent(info(s), prefixes)),
    onLost: (s, code, reason) => lifecycle(s, websocketClientLostEvent(info(s), code, reason)),
    onClosed: (s) => {
      st.sessions.delete(s);
      o.metrics.connectionClosed();
      if (st.sessions.size === 0) st.allClosed?.();
    },
  };
}

/** The `ws` server settings Zeek's behaviour asks for, and shutdown: every client gets 1001. */
async function registerWebsocket(app: FastifyInstance, o: AppOptions, st: AppState): Promise<void> {
  // `closeTimeout` is a ws option @types/ws does not list.
  const wsOptions = {
    maxPayload: o.maxMessageBytes,
    perMessageDeflate: false,
    // Zeek never selects a subprotocol (§1.1), and checks UTF-8 itself to close with its reason.
    handleProtocols: () => false,
    skipUTF8Validation: true,
    closeTimeout: o.closeTimeoutMs ?? 2000,
  } as WebsocketPluginOptions['options'];
  await app.register(fastifyWebsocket, {
    options: wsOptions,
    // Protocol errors of one client (oversized or malformed frames) are its problem: ws has already
    // sent the close frame (1009, 1002, …); count it, never log per client at error level.
    errorHandler(err) {
      GatewayMetrics.bump(o.metrics.rejected, 'protocol_error');
      o.log.debug({ err }, 'WebSocket protocol error');
    },
    preClose(done) {
      for (const s of st.sessions) s.terminate();
      if (st.sessions.size === 0) return done();
      st.allClosed = () => done();
    },
  });
}

/**
 * The checks before an upgrade, in Zeek's order where Zeek has them: a request that cannot be
 * upgraded (400 with Zeek's text), the client limit (503), the bearer token (401).
 */
function admission(o: AppOptions, st: AppState): onRequestHookHandler {
  return (req, reply, done) => {
    if (!req.ws) return done();
    const problem = upgradeProblem(req.raw);
    if (problem !== undefined) {
      GatewayMetrics.bump(o.metrics.rejected, 'bad_upgrade');
      return void reject(reply, 400, problem);
    }
    if (st.sessions.size + st.upgrading >= o.maxClients) {
      GatewayMetrics.bump(o.metrics.rejected, 'max_clients');
      return void reject(reply, 503, 'Too many clients');
    }
    if (o.authenticator !== undefined) {
      const principal = o.authenticator.authenticate(req.headers.authorization);
      if (principal === undefined) {
        GatewayMetrics.bump(o.metrics.rejected, 'unauthorized');
        reply.header('www-authenticate', 'Bearer realm="zeek-relay"');
        return void reject(reply, 401, 'Unauthorized');
      }
      st.principals.set(req.raw, principal);
    }
    st.upgrading++;
    st.upgradingRequests.add(req.raw);
    req.raw.socket.once('close', () => upgraded(st, req.raw));
    done();
  };
}

/** An upgraded connection becomes a session; a wrong path or application name is refused as Zeek does. */
function startSession(o: AppOptions, st: AppState, env: SessionEnv) {
  return (socket: WebSocket, req: FastifyRequest): void => {
    upgraded(st, req.raw);
    const n = st.connections++;
    const header = req.headers['x-application-name'];
    const applicationName = typeof header === 'string' ? header.trim() : undefined;
    const session = new Session(
      socket,
      {
        id: websocketEndpointId(o.nodeId, n),
        address: remoteAddress(req.raw),
        port: req.raw.socket.remotePort ?? 0,
        applicationName,
        principal: st.principals.get(req.raw) ?? ANONYMOUS,
      },
      env,
    );
    st.sessions.add(session);
    o.metrics.connectionOpened();
    o.router.add(session);
    session.start();
    if (req.raw.url !== API_PATH) session.reject('uri');
    else if (applicationName !== undefined && !isValidApplicationName(applicationName)) session.reject('app');
  };
}

/**
 * Builds the WebSocket API app without listening (tests use `inject`/`injectWS`). Every path is
 * upgraded, as Zeek does, so a wrong path gets Zeek's `invalid_uri` error over the WebSocket;
 * requests that cannot be upgraded get Zeek's 400 texts; auth (401) and the client limit (503)
 * are decided before the upgrade. Closing the app closes every client with 1001 `Terminating`.
 */
export async function buildApp(o: AppOptions): Promise<GatewayApp> {
  const st: AppState = {
    sessions: new Set(),
    principals: new WeakMap(),
    upgradingRequests: new WeakSet(),
    upgrading: 0,
    connections: 0,
    allClosed: undefined,
  };
  const app = Fastify({
    loggerInstance: o.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Request lines would be one log line per connection. fastify 5's non-deprecated way to turn
    // them off (the top-level `disableRequestLogging` warns FSTDEP023).
    logController: new LogController({ disableRequestLogging: true }),
    ...(o.tls ? { https: o.tls } : {}),
  });
  await registerWebsocket(app, o, st);
  app.addHook('onRequest', admission(o, st));
  app.setNotFoundHandler((req, reply) =>
    reject(reply, 400, upgradeProblem(req.raw) ?? 'Not a WebSocket request'),
  );
  app.route({
    method: 'GET',
    url: '/*',
    handler: (req, reply) =>
      reject(reply, 400, upgradeProblem(req.raw) ?? 'Connection header must be Upgrade'),
    wsHandler: startSession(o, st, sessionEnv(o, st)),
  });
  return { app, sessions: st.sessions };
}
