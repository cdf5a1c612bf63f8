import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generatePki, signClientCert, type Pki } from './certs.js';
import {
  apiserverArgs,
  etcdArgs,
  kcmArgs,
  kubeconfig,
  kwokArgs,
  schedulerConfig,
  type Ports,
} from './components.js';
import { kubeHttp, probeInsecure, type KubeHttp } from './kube-http.js';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.js';
import { ensureNodeToolchain, ensureToolchain, type Toolchain } from './toolchain.js';
import { fakeNode, nodeIsReady, type FakeNodeOptions } from './fake-node.js';
import { prepareNodeHost, startNodeAgents, type NodeHost, type RealNode } from './real-node.js';
import { startMetricsServer } from './metrics-server.js';

const execFileP = promisify(execFile);

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /**
   * `apiserver`: etcd + kube-apiserver only (CRDs, SSA, watches; seconds to start).
   * `cluster` (default): + controller-manager, scheduler and kwok, so workloads get Running pods.
   * `node`: + controller-manager, scheduler and ONE REAL node (containerd, kubelet, kube-proxy,
   * CoreDNS): pods really run. Needs root (see `realNodeSkipReason`); one per machine (a global
   * lock, waited for); `cp.node.importImage()` brings images in (no registry).
   */
  readonly tier?: 'apiserver' | 'cluster' | 'node';
  /** Fake kwok nodes to register (cluster tier only; default 2). */
  readonly nodes?: number;
  /**
   * Node tier only: also run metrics-server and register the resource metrics API
   * (`metrics.k8s.io`: `kubectl top`, CPU HorizontalPodAutoscalers; see metrics-server.ts).
   */
  readonly metrics?: boolean;
  /** Labels, capacity etc. of the fake nodes. */
  readonly node?: FakeNodeOptions;
  /** Working directory (certs, etcd data, logs, kubeconfig); default a fresh temp dir. */
  readonly dir?: string;
  /** Keep the working directory after {@link ControlPlane.stop} (logs for debugging). */
  readonly keepDir?: boolean;
  /** Progress lines (default: silent). */
  readonly log?: (line: string) => void;
}

/** A running test control plane on 127.0.0.1. */
export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly kubeconfigPath: string;
  /** Bearer token of a `system:masters` user. */
  readonly token: string;
  readonly caCertPath: string;
  readonly dir: string;
  readonly toolchain: Toolchain;
  readonly http: KubeHttp;
  /** The real node (tier `node` only). */
  readonly node?: RealNode;
  /** Runs the toolchain's kubectl against this cluster; rejects with stderr on failure. */
  kubectl(args: readonly string[], stdin?: string): Promise<string>;
  /** Registers more kwok fake nodes and waits until they are Ready; returns their names. */
  addNodes(count: number, options?: FakeNodeOptions): Promise<string[]>;
  /** Stops and restarts kube-apiserver on the same port and etcd (tests reconnect logic). */
  restartApiServer(): Promise<void>;
  /** Stops every process it started (reverse order), removes the temp dir; idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts etcd and kube-apiserver (and for the `cluster` tier kube-controller-manager,
 * kube-scheduler, kwok and fake nodes) on free loopback ports with a generated PKI, writes a
 * kubeconfig and waits until everything answers. Builds the toolchain first when it is not cached.
 * On any start-up failure everything already started is stopped before the error propagates.
 * Always call {@link ControlPlane.stop} (e.g. in `after`); a process exit hook kills leftovers too.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  // Free ports are picked before the binaries bind them; on a busy machine another process can
  // take one in between. Such a start fails fast ("address already in use"): try again once.
  try {
    return await startOnce(options);
  } catch (err) {
    if (!/address already in use/i.test(String(err))) throw err;
    options.log?.('A port was taken during start-up; starting again on new ports');
    return startOnce(options);
  }
}

/** kube-controller-manager and kube-scheduler, waited for until /healthz answers. */
async function startControllers(
  tc: Toolchain,
  dir: string,
  pki: Pki,
  ports: Ports,
  kubeconfigPath: string,
): Promise<ManagedProcess[]> {
  const logFile = (n: string): string => join(dir, 'logs', `${n}.log`);
  const kcm = startProcess(
    'kube-controller-manager',
    tc.bin('kube-controller-manager'),
    kcmArgs(kubeconfigPath, pki, ports),
    logFile('kube-controller-manager'),
  );
  writeFileSync(join(dir, 'scheduler.yaml'), schedulerConfig(kubeconfigPath));
  const sched = startProcess(
    'kube-scheduler',
    tc.bin('kube-scheduler'),
    [
      `--config=${join(dir, 'scheduler.yaml')}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.scheduler}`,
      '--v=1',
    ],
    logFile('kube-scheduler'),
  );
  const insecure = (port: number): Promise<boolean> => probeInsecure(`https://127.0.0.1:${port}/healthz`);
  try {
    await waitFor('kube-controller-manager /healthz', () => insecure(ports.kcm), { proc: kcm });
    await waitFor('kube-scheduler /healthz', () => insecure(ports.scheduler), { proc: sched });
  } catch (err) {
    await Promise.all([kcm.stop(), sched.stop()]);
    throw err;
  }
  return [kcm, sched];
}

/** kwok with its stock stages, waited for until /healthz answers. */
async function startKwok(
  tc: Toolchain,
  dir: string,
  ports: Ports,
  kubeconfigPath: string,
): Promise<ManagedProcess> {
  // kwok v0.8.0 exits with "no stages found" without Stage objects: give it the stock ones.
  const stages = readdirSync(tc.stagesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(tc.stagesDir, f), 'utf8'))
    .filter((y) => /^kind: Stage$/m.test(y))
    .join('\n---\n');
  writeFileSync(join(dir, 'kwok.yaml'), stages);
  const kwok = startProcess(
    'kwok',
    tc.bin('kwok'),
    kwokArgs(kubeconfigPath, join(dir, 'kwok.yaml'), ports),
    join(dir, 'logs', 'kwok.log'),
  );
  try {
    await waitFor('kwok /healthz', async () => (await fetch(`http://127.0.0.1:${ports.kwok}/healthz`)).ok, {
      proc: kwok,
    });
  } catch (err) {
    await kwok.stop();
    throw err;
  }
  return kwok;
}

async function allocatePorts(): Promise<Ports> {
  return {
    etcdClient: await freePort(),
    etcdPeer: await freePort(),
    apiserver: await freePort(),
    kcm: await freePort(),
    scheduler: await freePort(),
    kwok: await freePort(),
  };
}

async function startOnce(options: ControlPlaneOptions): Promise<ControlPlane> {
  const tier = options.tier ?? 'cluster';
  const log = options.log ?? (() => {});
  const tc = tier === 'node' ? await ensureNodeToolchain() : await ensureToolchain();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'zr-k8s-'));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const procs: ManagedProcess[] = [];
  let apiserver: ManagedProcess | undefined;
  let host: NodeHost | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      for (const p of [...procs].reverse()) await p.stop();
      // The janitor undoes the node's host changes (and removes the directory).
      await host?.lock.release();
      if (!options.keepDir && options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    if (tier === 'node') {
      host = await prepareNodeHost(dir, log);
      procs.push(host.containerd);
    }
    const pki = await generatePki(join(dir, 'certs'));
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},zr-admin,zr-admin-uid,"system:masters"\n`);
    const ports = await allocatePorts();
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const http = kubeHttp(server, readFileSync(pki.caCert), token);
    const kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfig(server, pki.caCert, token));
    const logFile = (n: string): string => join(dir, 'logs', `${n}.log`);
    const nodeApi = host && {
      advertiseIp: host.layout.gatewayIp,
      kubeletClient: await signClientCert(
        pki,
        'apiserver-kubelet-client',
        '/O=system:masters/CN=kube-apiserver-kubelet-client',
      ),
      frontProxyClient: await signClientCert(pki, 'front-proxy-client', '/CN=front-proxy-client'),
    };

    log('Starting etcd');
    const client = `http://127.0.0.1:${ports.etcdClient}`;
    const etcd = startProcess('etcd', tc.bin('etcd'), etcdArgs(dir, ports), logFile('etcd'));
    procs.push(etcd);
    await waitFor(
      'etcd /health',
      async () => {
        const res = await fetch(`${client}/health`);
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      },
      { proc: etcd },
    );

    const startApiserver = async (): Promise<ManagedProcess> => {
      log('Starting kube-apiserver');
      const p = startProcess(
        'kube-apiserver',
        tc.bin('kube-apiserver'),
        apiserverArgs(dir, pki, ports, nodeApi),
        logFile('kube-apiserver'),
      );
      await waitFor(
        'kube-apiserver /readyz',
        async () => (await http.call('GET', '/readyz')).status === 200,
        { proc: p },
      );
      return p;
    };
    apiserver = await startApiserver();
    procs.push(apiserver);

    const kubectl = async (args: readonly string[], stdin?: string): Promise<string> => {
      const child = execFileP(tc.bin('kubectl'), ['--kubeconfig', kubeconfigPath, ...args], {
        maxBuffer: 64 << 20,
      });
      if (stdin !== undefined) child.child.stdin?.end(stdin);
      return (await child).stdout;
    };

    const addNodes = async (
      count: number,
      nodeOpts: FakeNodeOptions = options.node ?? {},
    ): Promise<string[]> => {
      const existing = (await http.json<{ items: unknown[] }>('GET', '/api/v1/nodes')).items.length;
      const names: string[] = [];
      for (let i = 0; i < count; i++) {
        const node = fakeNode(`kwok-node-${existing + i}`, nodeOpts);
        await http.json('POST', '/api/v1/nodes', node);
        names.push(node.metadata.name);
      }
      await waitFor(`${count} kwok nodes Ready`, async () => {
        const nodes = await http.json<{ items: unknown[] }>('GET', '/api/v1/nodes');
        return names.every((n) => nodes.items.some((o) => nodeIsReady(o, n)));
      });
      return names;
    };

    if (tier !== 'apiserver') {
      log('Starting kube-controller-manager and kube-scheduler');
      procs.push(...(await startControllers(tc, dir, pki, ports, kubeconfigPath)));
    }
    if (tier === 'cluster') {
      log('Starting kwok');
      procs.push(await startKwok(tc, dir, ports, kubeconfigPath));
      const n = options.nodes ?? 2;
      if (n > 0) {
        log(`Registering ${n} kwok nodes`);
        await addNodes(n);
      }
    }
    if (host) {
      const kubeletClient = await signClientCert(
        pki,
        'kubelet-client',
        `/O=system:nodes/CN=system:node:${host.node.name}`,
      );
      const agents = await startNodeAgents({
        host,
        tc,
        pki,
        server,
        adminKubeconfig: kubeconfigPath,
        kubeletClient,
        http,
        log,
      });
      procs.push(...agents);
      if (options.metrics) {
        procs.push(
          await startMetricsServer({
            tc,
            pki,
            http,
            dir,
            hostIp: host.layout.gatewayIp,
            adminKubeconfig: kubeconfigPath,
            log,
          }),
        );
      }
    }
    log(`Control plane ready at ${server} (kubeconfig ${kubeconfigPath})`);

    return {
      server,
      kubeconfigPath,
      token,
      caCertPath: pki.caCert,
      dir,
      toolchain: tc,
      http,
      ...(host ? { node: host.node } : {}),
      kubectl,
      addNodes,
      async restartApiServer() {
        const old = apiserver;
        if (old === undefined) throw new Error('kube-apiserver is not running');
        await old.stop();
        const next = await startApiserver();
        procs[procs.indexOf(old)] = next;
        apiserver = next;
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
