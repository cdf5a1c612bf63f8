/**
 * @zeek-relay/gateway — Zeek's WebSocket API v1 as a service in front of a zeek-relay hub.
 * `createGateway(config, deps)` is the embeddable factory (the CLI runs it in-process);
 * `buildApp` builds the fastify app alone (tests); `main.ts` is the `zeek-relay-gateway` binary.
 */
export { createGateway, type Gateway, type GatewayAddress, type GatewayDeps } from './gateway.js';
export { buildApp, type AppOptions, type GatewayApp } from './app.js';
export {
  GatewayConfigSchema,
  ENV_PREFIX,
  defaultGatewayConfig,
  loadGatewayConfig,
  type GatewayConfig,
} from './config.js';
export { GatewayError, GATEWAY_ERROR_CODES, type GatewayErrorCode } from './errors.js';
export { API_PATH, CLOSE, ERROR_CODES, ERROR_CONTEXTS } from './protocol.js';
export { createAuthenticator, type Authenticator, type Principal, type TokenFile } from './auth.js';
export {
  REQUEST_SIGNATURES_EVENT,
  REQUEST_SIGNATURES_TOPIC,
  SIGNATURES_EVENT,
  SIGNATURES_TOPIC,
  Signatures,
  createSignatureChecker,
  parseEventType,
  parsePublishedSignatures,
  parseZeekType,
  type SignatureChecker,
} from './signatures.js';
export * from './metrics.js';
