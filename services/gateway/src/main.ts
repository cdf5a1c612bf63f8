#!/usr/bin/env node
/**
 * `zeek-relay-gateway`: the gateway as a process (settings from `ZR_GATEWAY_*` variables and
 * flags; `--help` lists them). Start-up, the health server and shutdown are @zeek-relay/runtime's
 * `runService`; exit codes: its `EXIT_CODES`.
 */
import { runService } from '@zeek-relay/runtime';
import { ENV_PREFIX, GatewayConfigSchema, loadGatewayConfig } from './config.js';
import { GATEWAY_ERROR_CODES } from './errors.js';
import { createGateway } from './gateway.js';

await runService({
  name: 'gateway',
  summary: "Zeek's WebSocket API v1 in front of a zeek-relay hub",
  schema: GatewayConfigSchema,
  envPrefix: ENV_PREFIX,
  loadConfig: loadGatewayConfig,
  health: (c) => (c.healthPort < 0 ? undefined : { host: c.healthHost, port: c.healthPort }),
  create: (config, deps) => {
    const gateway = createGateway(config, deps);
    return {
      start: async () => ({ ...(await gateway.start()), nodeId: gateway.nodeId }),
      close: () => gateway.close(),
      readiness: () => gateway.readiness(),
    };
  },
  configErrorCodes: [
    GATEWAY_ERROR_CODES.TLS_CONFIG,
    GATEWAY_ERROR_CODES.TOKENS_INVALID,
    GATEWAY_ERROR_CODES.SIGNATURES_INVALID,
    GATEWAY_ERROR_CODES.CURVE_CONFIG,
  ],
});
