// Each service entrypoint, from the built output, starts (health endpoint answers) and stops with
// exit code 0 on SIGTERM: once plainly from the work tree, and once the way the image runs it —
// files laid out by the Dockerfile's COPY lines, uid 1000, node as PID 1 of its own PID namespace,
// where the kernel drops any signal the process has no handler for.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, repoRoot, startControlPlane, type ControlPlane } from '../helpers/k8s/index.js';
import {
  canIsolate,
  layoutImage,
  startService,
  waitHealthy,
  type ServiceProcess,
} from './service-process.js';

const root = repoRoot();
const SERVICES = ['hub', 'gateway', 'log-sink', 'operator'] as const;
type Service = (typeof SERVICES)[number];
const ISOLATE = canIsolate();
const work = mkdtempSync(join(tmpdir(), 'zr-image-test-'));
chmodSync(work, 0o755);
let cp: ControlPlane | undefined;
let kubeconfig = '';
const started: ServiceProcess[] = [];

/** Environment that makes the service listen on free loopback ports only; returns its health URL. */
async function serviceEnv(svc: Service, dir: string): Promise<{ env: NodeJS.ProcessEnv; health: string }> {
  const http = await freePort();
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, NODE_ENV: 'production', HOME: dir };
  switch (svc) {
    case 'hub':
      return {
        env: {
          ...base,
          ZR_HUB_BIND_ADDRESS: '127.0.0.1',
          ZR_HUB_XPUB_PORT: String(await freePort()),
          ZR_HUB_XSUB_PORT: String(await freePort()),
          ZR_HUB_HTTP_HOST: '127.0.0.1',
          ZR_HUB_HTTP_PORT: String(http),
        },
        health: `http://127.0.0.1:${http}/healthz`,
      };
    case 'gateway':
      return {
        env: {
          ...base,
          ZR_GATEWAY_HOST: '127.0.0.1',
          ZR_GATEWAY_PORT: String(await freePort()),
          ZR_GATEWAY_HEALTH_HOST: '127.0.0.1',
          ZR_GATEWAY_HEALTH_PORT: String(http),
          ZR_GATEWAY_CONNECT_XPUB_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
          ZR_GATEWAY_CONNECT_XSUB_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
        },
        health: `http://127.0.0.1:${http}/healthz`,
      };
    case 'log-sink':
      return {
        env: {
          ...base,
          ZR_SINK_PULL_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
          ZR_SINK_LOG_DIR: dir,
          ZR_SINK_HTTP_HOST: '127.0.0.1',
          ZR_SINK_HTTP_PORT: String(http),
        },
        health: `http://127.0.0.1:${http}/healthz`,
      };
    case 'operator':
      return {
        env: {
          ...base,
          ZR_OPERATOR_KUBECONFIG: kubeconfig,
          ZR_OPERATOR_LEASE_NAMESPACE: 'default',
          ZR_OPERATOR_HEALTH_HOST: '127.0.0.1',
          ZR_OPERATOR_HEALTH_PORT: String(http),
        },
        health: `http://127.0.0.1:${http}/healthz`,
      };
  }
}

/** Starts, waits for health, sends SIGTERM to the node process, expects a clean exit. */
async function startAndStop(svc: Service, mode: 'work-tree' | 'image'): Promise<void> {
  const dir = mkdtempSync(join(work, `${svc}-${mode}-`));
  chmodSync(dir, 0o777);
  let cwd = root;
  if (mode === 'image') {
    cwd = join(dir, 'app');
    layoutImage(svc, cwd);
  }
  const { env, health } = await serviceEnv(svc, dir);
  const proc = startService(`services/${svc}/dist/src/main.js`, {
    cwd,
    env,
    ...(mode === 'image' ? { pid1: true, user: 1000 } : {}),
  });
  started.push(proc);
  await waitHealthy(health, proc);
  if (mode === 'image') {
    const status = readFileSync(`/proc/${proc.nodePid()}/status`, 'utf8');
    assert.match(status, /^NSpid:\s+\d+\s+1$/m, 'node is PID 1 in its namespace');
    assert.match(status, /^Uid:\s+1000\s/m, 'node runs as uid 1000');
  }
  process.kill(proc.nodePid(), 'SIGTERM');
  const code = await proc.exited;
  assert.equal(code, 0, `exit ${code} after SIGTERM:\n${proc.output()}`);
}

describe('service entrypoints start and stop cleanly on SIGTERM', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    // The operator needs an API server to talk to: the apiserver tier of the test control plane,
    // with the CRD installed so its ZeekCluster watch starts.
    cp = await startControlPlane({ tier: 'apiserver' });
    await cp.kubectl([
      'apply',
      '--server-side',
      '-f',
      join(root, 'deploy', 'crds', 'zeekclusters.zeek-relay.io.yaml'),
    ]);
    kubeconfig = join(work, 'kubeconfig');
    const ca = readFileSync(cp.caCertPath).toString('base64');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server: cp.server, 'certificate-authority-data': ca } }],
        users: [{ name: 'admin', user: { token: cp.token } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
        'current-context': 'test',
      }),
      { mode: 0o644 },
    );
  });
  after(async () => {
    for (const p of started) p.kill();
    await Promise.all(started.map((p) => p.exited));
    await cp?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  for (const svc of SERVICES) {
    it(`${svc}: from the work tree`, () => startAndStop(svc, 'work-tree'));
    it(
      `${svc}: as in the image (COPY layout, uid 1000, PID 1)`,
      { skip: ISOLATE ? false : 'needs root and unshare(1)' },
      () => startAndStop(svc, 'image'),
    );
  }
});
