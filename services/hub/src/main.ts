#!/usr/bin/env node
/**
 * `zeek-relay-hub`: the hub as a process (settings from `ZR_HUB_*` variables and flags; `--help`
 * lists them). Start-up, the health server and shutdown are @zeek-relay/runtime's `runService`;
 * exit codes: its `EXIT_CODES`.
 */
import { runService } from '@zeek-relay/runtime';
import { HUB_ENV_PREFIX, HubConfigSchema, loadHubConfig, type HubConfig } from './config.js';
import { HUB_ERROR_CODES } from './errors.js';
import { createHub } from './hub.js';

await runService<HubConfig>({
  name: 'hub',
  summary: 'Zeek-compatible ZeroMQ XPUB/XSUB hub',
  schema: HubConfigSchema,
  envPrefix: HUB_ENV_PREFIX,
  loadConfig: loadHubConfig,
  health: (c) => ({ host: c.httpHost, port: c.httpPort }),
  create: createHub,
  configErrorCodes: [HUB_ERROR_CODES.CURVE_KEY_INVALID, HUB_ERROR_CODES.CURVE_CONFIG_INVALID],
});
