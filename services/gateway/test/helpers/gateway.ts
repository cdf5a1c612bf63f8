import { pino } from 'pino';
import {
  createGateway,
  defaultGatewayConfig,
  type Gateway,
  type GatewayAddress,
  type GatewayConfig,
  type GatewayDeps,
} from '../../src/index.js';
import { startTestHub, type TestHub } from './hub.js';

/** A gateway on ephemeral ports in front of its own test hub. */
export interface Rig {
  readonly hub: TestHub;
  readonly gateway: Gateway;
  readonly address: GatewayAddress;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a hub and a gateway (port 0, no health port unless asked) and waits until both are ready. */
export async function startRig(
  overrides: Partial<GatewayConfig> = {},
  hub?: TestHub,
  deps: GatewayDeps = {},
): Promise<Rig> {
  const ownHub = hub === undefined;
  const h = hub ?? (await startTestHub());
  const config = defaultGatewayConfig({
    port: 0,
    healthPort: -1,
    connectXpubEndpoint: h.xsubEndpoint,
    connectXsubEndpoint: h.xpubEndpoint,
    logLevel: 'silent',
    ...overrides,
  });
  // ZR_TEST_LOG=debug shows the gateway's logs on stderr while debugging a test.
  const level = process.env.ZR_TEST_LOG;
  const gateway = createGateway(
    config,
    level ? { ...deps, log: pino({ level }, pino.destination(2)) } : deps,
  );
  const address = await gateway.start();
  await gateway.hubReady;
  return {
    hub: h,
    gateway,
    address,
    url: address.url,
    async close() {
      await gateway.close();
      if (ownHub) await h.close();
    },
  };
}
