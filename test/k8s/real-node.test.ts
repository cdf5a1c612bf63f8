import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../helpers/k8s/control-plane.js';
import {
  HARD_CODED_PATHS,
  TOUCHED_SYSCTLS,
  foreignChains,
  lockPath,
  markerPath,
  mountsUnder,
  pidsMentioning,
  readSysctl,
  serviceRouted,
} from '../helpers/k8s/node-host.js';
import { waitFor } from '../helpers/k8s/processes.js';
import { BUSYBOX_IMAGE, realNodeSkipReason } from '../helpers/k8s/real-node.js';

// The real-node tier: containerd + runc + CNI bridge + kubelet + kube-proxy + CoreDNS on this
// machine, pods that really run. Skips (with the reason) only where the host cannot run containers.
const skip = await realNodeSkipReason();

const sysctlsNow = (): Record<string, string> =>
  Object.fromEntries(
    TOUCHED_SYSCTLS.filter((k) => existsSync(`/proc/sys/${k.replace(/\./g, '/')}`)).map((k) => [
      k,
      readSysctl(k),
    ]),
  );

describe('real node', { skip }, () => {
  let cp: ControlPlane;
  let sysctlsBefore: Record<string, string>;
  let pathsBefore: string[];
  const ns = 'smoke';
  const k = (args: readonly string[], stdin?: string): Promise<string> =>
    cp.kubectl(['-n', ns, ...args], stdin);

  before(async () => {
    const t0 = Date.now();
    // With the resource metrics API, so that the clean-up below covers metrics-server too.
    cp = await startControlPlane({
      tier: 'node',
      metrics: true,
      // The host as it is once this run holds the node lock: another test file's real node (run
      // beside this one) may have it changed while this one waited.
      onHostLocked: () => {
        sysctlsBefore = sysctlsNow();
        pathsBefore = HARD_CODED_PATHS.filter((p) => existsSync(p));
      },
      log: (l) => process.stderr.write(`[real-node] ${l}\n`),
    });
    process.stderr.write(`[real-node] cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    await cp.kubectl(['create', 'namespace', ns]);
  });
  after(() => cp?.stop());

  it('registers a Ready node whose kubelet is the toolchain build', async () => {
    const node = await cp.http.json<{
      status: { nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string } };
    }>('GET', `/api/v1/nodes/${cp.node!.name}`);
    assert.equal(node.status.nodeInfo.kubeletVersion, 'v1.34.4');
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
  });

  it('runs pods from a locally packed image; a ClusterIP Service routes and its DNS name resolves', async () => {
    await k(['apply', '-f', '-'], webManifest());
    await k(['rollout', 'status', 'deployment/web', '--timeout=300s']);
    await k(['wait', 'pod/client', '--for=condition=Ready', '--timeout=300s']);
    // The pods really run: the log line comes from the process in the container.
    assert.match(await k(['logs', 'client']), /client up/);
    // kube-proxy programs the Service on its own schedule, after the pods are Ready.
    const svc = JSON.parse(await k(['get', 'svc', 'web', '-o', 'json'])) as {
      spec: { clusterIP: string; ports: { port: number }[] };
    };
    await waitFor('kube-proxy routing the web Service', () =>
      Promise.resolve(serviceRouted(svc.spec.clusterIP, svc.spec.ports[0]!.port)),
    );
    const backends = new Set<string>();
    for (const host of ['web', `web.${ns}.svc.cluster.local`]) {
      for (let i = 0; i < 4; i++) {
        const body = await k(['exec', 'client', '--', 'timeout', '10', 'wget', '-qO-', `http://${host}/`]);
        assert.match(body, /^web web-/);
        backends.add(body.trim());
      }
    }
    const svcIp = (await k(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const lookup = await k(['exec', 'client', '--', 'nslookup', `web.${ns}.svc.cluster.local`]);
    assert.ok(lookup.includes(svcIp), `cluster DNS answers ${svcIp}: ${lookup}`);
    assert.ok(backends.size >= 1);
  });

  it('stops without leaving anything on the host', async () => {
    const rss = cp.node!.memory();
    const total = Object.values(rss).reduce((a, b) => a + b, 0);
    process.stderr.write(`[real-node] RSS ${Math.round(total / 1024)} MiB: ${JSON.stringify(rss)}\n`);
    assert.ok(rss['metrics-server'], 'metrics-server runs (a host process of the node)');
    const dir = cp.dir;
    const t0 = Date.now();
    await cp.stop();
    process.stderr.write(`[real-node] stop + clean-up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    assert.deepEqual(pidsMentioning(dir), [], 'no process of the node survives');
    assert.deepEqual(mountsUnder(dir), [], 'no mount below the state directory');
    assert.equal(existsSync(dir), false, 'state directory removed');
    assert.equal(existsSync(markerPath()), false, 'marker removed');
    assert.throws(() => execFileSync('ip', ['link', 'show', 'zr0'], { stdio: 'ignore' }), 'bridge removed');
    assert.deepEqual(foreignChains(), [], 'no KUBE-* or CNI-* iptables chains');
    assert.deepEqual(sysctlsNow(), sysctlsBefore, 'sysctls restored');
    assert.deepEqual(
      HARD_CODED_PATHS.filter((p) => existsSync(p)),
      pathsBefore,
      'host paths created by containerd/kubelet/libcni removed',
    );
  });
});

describe('real node killed with SIGKILL', { skip }, () => {
  it('its janitor undoes the host changes and frees the lock', async () => {
    const helper = new URL('../helpers/k8s/real-node.js', import.meta.url).href;
    // A test process that prepares a node (lock, bridge, sysctls, containerd) and is then killed.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { prepareNodeHost } from ${JSON.stringify(helper)};
         import { mkdtempSync, mkdirSync } from 'node:fs';
         const dir = mkdtempSync(${JSON.stringify(join(tmpdir(), 'zr-k8s-'))});
         mkdirSync(dir + '/logs');
         await prepareNodeHost(dir, () => {});
         process.stdout.write(dir + '\\n');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const dir = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.endsWith('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`node start failed (${code})`)));
    });
    assert.ok(pidsMentioning(dir).length > 0, 'containerd runs');
    execFileSync('ip', ['link', 'show', 'zr0'], { stdio: 'ignore' });
    child.kill('SIGKILL');
    // The lock is free only once the janitor has finished (it holds the lock while it cleans).
    await waitFor('the real-node lock to be free', async () => {
      try {
        execFileSync('flock', ['-n', lockPath(), 'true']);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(pidsMentioning(dir), []);
    assert.equal(existsSync(dir), false);
    assert.equal(existsSync(markerPath()), false);
    assert.throws(() => execFileSync('ip', ['link', 'show', 'zr0'], { stdio: 'ignore' }));
  });
});

function webManifest(): string {
  const pod = (name: string, command: string, extra = ''): string => `
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: ${name}
        image: ${BUSYBOX_IMAGE}
        imagePullPolicy: Never
        command: ["sh", "-c", ${JSON.stringify(command)}]${extra}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
${pod(
  'httpd',
  'mkdir -p /tmp/www && echo "web $(hostname)" > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www',
  `
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}`,
)}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
${pod('client', 'echo client up; exec sleep 3600').replace(/^ {4}/gm, '')}
`;
}
