import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { metrics as otel } from '@opentelemetry/api';
import type { Readiness, Service, ServiceDeps } from '@zeek-relay/runtime';
import { makeNodeId } from '@zeek-relay/wire';
import { pino, type Logger } from 'pino';
import { buildApp, type AppOptions, type GatewayApp } from './app.js';
import { loadAuthenticator } from './auth.js';
import { ZmtpLink, type HubLink } from './zmtp-link.js';
import { Codec } from './codec.js';
import type { GatewayConfig } from './config.js';
import { GATEWAY_ERROR_CODES, GatewayError } from './errors.js';
import { rawCurveKeys, resolveHubCurve } from './hub-curve-keys.js';
import { GatewayMetrics } from './metrics.js';
import { Router } from './router.js';
import { Signatures, loadSignatureChecker } from './signatures.js';
import { Sodium } from '@zeek-relay/zmtp/curve';

/** What the gateway needs from its host; everything optional (default: silent, the global meter). */
export type GatewayDeps = Partial<ServiceDeps>;

/** Where a started gateway listens. */
export interface GatewayAddress {
  /** `ws://host:port/v1/messages/json` (or `wss://`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

/** A gateway instance: `start()` once, `close()` any number of times. */
export interface Gateway extends Service, AsyncDisposable {
  /** This replica's ZeroMQ node id; client ids are `<nodeId>-websocket-<n>`. */
  readonly nodeId: string;
  /**
   * Loads TLS/token/signature/CURVE key files, connects to the hub, listens. Rejects with a
   * `GatewayError` (`ZR_GATEWAY_TLS_CONFIG`, `_TOKENS_INVALID`, `_SIGNATURES_INVALID`,
   * `_CURVE_CONFIG`, `_HUB_CONNECT`, `_LISTEN`) after releasing whatever it had opened.
   */
  start(): Promise<GatewayAddress>;
  /** Resolves once the hub echoed the gateway's readiness probe. */
  readonly hubReady: Promise<void>;
  /** Ready = listening, hub reached, not closing. */
  readiness(): Readiness;
  /** Connected clients. */
  readonly clientCount: number;
  /**
   * Graceful shutdown, in order: readiness fails; clients get close 1001 `Terminating` (no lost
   * events, as Zeek); events already accepted are handed to the hub; sockets and ports close.
   * Idempotent.
   */
  close(): Promise<void>;
}

async function readTls(config: GatewayConfig) {
  const { tlsCertFile: cert, tlsKeyFile: key } = config;
  if (cert === '' && key === '') return undefined;
  // Zeek's own messages for half a TLS configuration (websocket-v1.md §1.6).
  if (key === '')
    throw new GatewayError(GATEWAY_ERROR_CODES.TLS_CONFIG, 'Invalid tls_options: No key_file field');
  if (cert === '')
    throw new GatewayError(GATEWAY_ERROR_CODES.TLS_CONFIG, 'Invalid tls_options: No cert_file field');
  try {
    const ca = config.tlsCaFile === '' ? undefined : await readFile(config.tlsCaFile);
    return {
      cert: await readFile(cert),
      key: await readFile(key),
      ...(ca ? { ca, requestCert: true, rejectUnauthorized: true } : {}),
      ...(config.tlsCiphers === '' ? {} : { ciphers: config.tlsCiphers }),
    };
  } catch (err) {
    throw new GatewayError(GATEWAY_ERROR_CODES.TLS_CONFIG, `Cannot read TLS files: ${String(err)}`, {
      cause: err,
    });
  }
}

/** The hub connection: the gateway's own ZMTP link, with CURVE when a hub server key is set. */
async function openHubLink(config: GatewayConfig, nodeId: string, log: Logger): Promise<ZmtpLink> {
  const curve = await resolveHubCurve(config);
  const sodium = curve ? await Sodium.load() : undefined;
  const link = new ZmtpLink({
    ...config,
    nodeId,
    log,
    curve: curve && sodium ? { sodium, keys: rawCurveKeys(curve) } : undefined,
  });
  log.info(
    curve
      ? { curve: true, ephemeralClientKey: curve.ephemeral, publicKey: curve.publicKey }
      : { curve: false },
    'Hub transport',
  );
  return link;
}

/** Builds the app and listens; a listener that cannot start is `ZR_GATEWAY_LISTEN`. */
async function listenApp(
  config: GatewayConfig,
  parts: Pick<AppOptions, 'log' | 'router' | 'codec' | 'metrics' | 'nodeId' | 'authenticator' | 'tls'>,
): Promise<GatewayApp> {
  try {
    const gw = await buildApp({
      ...config,
      ...parts,
      lifecycleTopic: config.lifecycleTopic === '' ? undefined : config.lifecycleTopic,
    });
    await gw.app.listen({ host: config.host, port: config.port });
    return gw;
  } catch (err) {
    if ((err as { code?: unknown }).code === GATEWAY_ERROR_CODES.CLOSED) throw err;
    throw new GatewayError(
      GATEWAY_ERROR_CODES.LISTEN,
      `Cannot listen on ${config.host}:${config.port}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** Where a started gateway listens (the bound port when `port` was 0). */
function addressOf(config: GatewayConfig, gw: GatewayApp, tls: boolean): GatewayAddress {
  const addr = gw.app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `${tls ? 'wss' : 'ws'}://${host}:${port}/v1/messages/json`,
    host: config.host,
    port,
  };
}

/**
 * Creates a gateway: Zeek's WebSocket API v1 on `config.host:port`, relaying to the hub at
 * `connectXpubEndpoint`/`connectXsubEndpoint`. Stateless: any number of replicas may share a hub.
 */
export function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  const log = (deps.log ?? pino({ level: 'silent' })).child({ component: 'gateway' });
  const nodeId = makeNodeId({ node: config.nodeName, hostname: hostname(), pid: process.pid });
  const meter = deps.meter ?? otel.getMeter('zeek-relay-gateway');
  let link: HubLink | undefined;
  let gw: GatewayApp | undefined;
  let listening = false;
  let closing: Promise<void> | undefined;
  let hubResolve: () => void = () => {};
  const hubReady = new Promise<void>((r) => (hubResolve = r));

  async function close(): Promise<void> {
    listening = false;
    await gw?.app.close();
    await link?.close(Math.min(config.shutdownGraceMs, 2000));
  }

  const gateway: Gateway = {
    nodeId,
    hubReady,
    get clientCount() {
      return gw?.sessions.size ?? 0;
    },
    readiness(): Readiness {
      if (closing !== undefined) return { ready: false, reason: 'shutting down' };
      if (!listening) return { ready: false, reason: 'not listening' };
      if (!link?.ready) return { ready: false, reason: 'waiting for the hub' };
      return { ready: true };
    },
    async start() {
      if (closing !== undefined) throw new GatewayError(GATEWAY_ERROR_CODES.CLOSED, 'Gateway closed');
      const tls = await readTls(config);
      const authenticator = config.tokensFile === '' ? undefined : await loadAuthenticator(config.tokensFile);
      const signatures = new Signatures(
        config.signaturesFile === '' ? undefined : await loadSignatureChecker(config.signaturesFile),
      );
      link = await openHubLink(config, nodeId, log);
      const metrics = new GatewayMetrics(meter, () => link?.backlog ?? 0);
      const codec = new Codec(signatures, config.jsonDialect);
      const router = new Router(link, codec, metrics, config, signatures);
      try {
        link.start().ready.then(
          () => {
            router.requestSignatures(nodeId);
            hubResolve();
          },
          (err: unknown) => log.debug({ err }, 'Start-up probe ended'),
        );
        gw = await listenApp(config, { log, router, codec, metrics, nodeId, authenticator, tls });
      } catch (err) {
        // Release whatever was opened before reporting (ZR_GATEWAY_HUB_CONNECT, _LISTEN, _CLOSED).
        await close();
        throw err;
      }
      listening = true;
      const address = addressOf(config, gw, tls !== undefined);
      log.info(
        { nodeId, port: address.port, tls: tls !== undefined, auth: authenticator !== undefined },
        'Gateway listening',
      );
      return address;
    },
    close() {
      closing ??= close();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return gateway.close();
    },
  };
  return gateway;
}
