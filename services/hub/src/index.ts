/**
 * @zeek-relay/hub: a standalone, Zeek-compatible ZeroMQ XPUB/XSUB hub. Import `createHub` to
 * embed it (the CLI does); `main.ts` is the `zeek-relay-hub` process.
 */
export { createHub, type Hub, type HubDeps, type HubAddresses } from './hub.js';
export {
  HubConfigSchema,
  HUB_ENV_PREFIX,
  loadHubConfig,
  resolveHubConfig,
  type HubConfig,
  type HubConfigInput,
} from './config.js';
export { HubError, HUB_ERROR_CODES, type HubErrorCode } from './errors.js';
export { NodeRegistry, type NodeInfo, type RegistryUpdate } from './registry.js';
export * from './metrics.js';
