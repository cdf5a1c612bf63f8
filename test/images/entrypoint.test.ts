// Each service entrypoint, from the built output, starts (health endpoint answers) and stops with
// exit code 0 on SIGTERM: once plainly from the work tree, and once the way the image runs it —
// files laid out by the Dockerfile's COPY lines, uid 1000, node as PID 1 of its own PID namespace,
// where the kernel drops any signal the process has no handler for.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, type ControlPlane } from '../helpers/k8s/index.js';
import {
  canIsolate,
  layoutImage,
  serviceEnv,
  startOperatorApi,
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

/** Starts, waits for health, sends SIGTERM to the node process, expects a clean exit. */
async function startAndStop(svc: Service, mode: 'work-tree' | 'image'): Promise<void> {
  const dir = mkdtempSync(join(work, `${svc}-${mode}-`));
  chmodSync(dir, 0o777);
  let cwd = root;
  if (mode === 'image') {
    cwd = join(dir, 'app');
    layoutImage(svc, cwd);
  }
  const { env: zr, health } = await serviceEnv(svc, { logDir: dir, kubeconfig });
  const env = { PATH: process.env.PATH, NODE_ENV: 'production', HOME: dir, ...zr };
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
    // The operator needs an API server to talk to.
    kubeconfig = join(work, 'kubeconfig');
    cp = await startOperatorApi(kubeconfig);
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
