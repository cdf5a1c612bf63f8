import type { SecureContextOptions } from 'node:tls';
import fastifyWebsocket, { type WebsocketPluginOptions } from '@fastify/websocket';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import type { Logger } from 'pino';
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

/**
 * Builds the WebSocket API app without listening (tests use `inject`/`injectWS`). Every path is
 * upgraded, as Zeek does, so a wrong path gets Zeek's `invalid_uri` error over the WebSocket;
 * requests that cannot be upgraded get Zeek's 400 texts; auth (401) and the client limit (503)
 * are decided before the upgrade. Closing the app closes every client with 1001 `Terminating`.
 */
export async function buildApp(o: AppOptions): Promise<GatewayApp> {
  const sessions = new Set<Session>();
  const principals = new WeakMap<object, Principal>();
  let connections = 0;
  let upgrading = 0;
  const counted = new WeakSet<object>();
  const uncount = (raw: object): void => {
    if (counted.delete(raw)) upgrading--;
  };
  let allClosed: (() => void) | undefined;

  const app = Fastify({
    loggerInstance: o.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Request lines would be one log line per connection. fastify 5's non-deprecated way to turn
    // them off (the top-level `disableRequestLogging` warns FSTDEP023).
    logController: new LogController({ disableRequestLogging: true }),
    ...(o.tls ? { https: o.tls } : {}),
  });

  const lifecycle = (s: Session, ev: ZeekEvent): void => {
    if (o.lifecycleTopic !== undefined) o.router.publishAbout(s, o.lifecycleTopic, ev);
  };
  const info = (s: Session) => ({
    id: s.id,
    address: s.info.address,
    port: s.info.port,
    applicationName: s.info.applicationName,
  });
  const env: SessionEnv = {
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
      sessions.delete(s);
      o.metrics.connectionClosed();
      if (sessions.size === 0) allClosed?.();
    },
  };

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
      for (const s of sessions) s.terminate();
      if (sessions.size === 0) return done();
      allClosed = () => done();
    },
  });

  app.addHook('onRequest', (req, reply, done) => {
    if (!req.ws) return done();
    const problem = upgradeProblem(req.raw);
    if (problem !== undefined) {
      GatewayMetrics.bump(o.metrics.rejected, 'bad_upgrade');
      return void reject(reply, 400, problem);
    }
    if (sessions.size + upgrading >= o.maxClients) {
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
      principals.set(req.raw, principal);
    }
    upgrading++;
    counted.add(req.raw);
    req.raw.socket.once('close', () => uncount(req.raw));
    done();
  });

  app.setNotFoundHandler((req, reply) =>
    reject(reply, 400, upgradeProblem(req.raw) ?? 'Not a WebSocket request'),
  );

  app.route({
    method: 'GET',
    url: '/*',
    handler: (req, reply) =>
      reject(reply, 400, upgradeProblem(req.raw) ?? 'Connection header must be Upgrade'),
    wsHandler: (socket, req) => {
      uncount(req.raw);
      const n = connections++;
      const header = req.headers['x-application-name'];
      const applicationName = typeof header === 'string' ? header.trim() : undefined;
      const session = new Session(
        socket,
        {
          id: websocketEndpointId(o.nodeId, n),
          address: remoteAddress(req.raw),
          port: req.raw.socket.remotePort ?? 0,
          applicationName,
          principal: principals.get(req.raw) ?? ANONYMOUS,
        },
        env,
      );
      sessions.add(session);
      o.metrics.connectionOpened();
      o.router.add(session);
      session.start();
      if (req.raw.url !== API_PATH) session.reject('uri');
      else if (applicationName !== undefined && !isValidApplicationName(applicationName))
        session.reject('app');
    },
  });

  return { app, sessions };
}
