// The packed images run for real, without a cluster: each archive's layers unpacked as containerd
// would, then `runc run` with the image's own config (entrypoint with tini, uid 1000, /app,
// read-only root). Each service answers /healthz and exits 0 on SIGTERM sent to PID 1 (tini).
// Then a small Zeek cluster as the operator configures it: the hub and log-sink images with the
// env of the operator's Deployment/StatefulSet, and the zeek-sim image running the operator's
// manager and worker pod commands with its generated ConfigMap mounted, in one network namespace
// whose /etc/hosts maps the Services' DNS names to loopback. The nodes see each other (hello
// exchange through the hub) and the worker's records land in the sink's volume as Zeek TSV.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildDesired, validateSpec, type ZeekCluster } from '@zeek-relay/operator';
import { ensureImages, imagesUnavailable, type TestImages } from '../helpers/images/index.js';
import { type ControlPlane } from '../helpers/k8s/index.js';
import { readArchive } from './oci-archive.js';
import { procStatus, runContainer, runcUnavailable, unpack, type Container } from './runc.js';
import { serviceEnv, startOperatorApi } from './service-process.js';

const SKIP = imagesUnavailable() ?? runcUnavailable();
// World-readable scratch (the containers run as uid 1000), removed after all tests.
const work = mkdtempSync(join(tmpdir(), 'zr-runc-'));
chmodSync(work, 0o755);
after(() => rmSync(work, { recursive: true, force: true }));
let images: TestImages | undefined;
const containers: Container[] = [];

let unpacked: { services: string; sim: string } | undefined;
/**
 * The service images' root filesystem (unpacked once: the four share their layers, which
 * packed-images.test checks) and zeek-sim's: a hard-linked copy plus its own top layer.
 */
async function rootfses(): Promise<{ services: string; sim: string }> {
  if (unpacked) return unpacked;
  images ??= await ensureImages();
  const services = join(work, 'services-rootfs');
  const sim = join(work, 'zeek-sim-rootfs');
  unpack(images.hub.archive, services);
  assert.equal(spawnSync('cp', ['-al', services, sim]).status, 0);
  unpack(images.zeekSim.archive, sim, 3);
  unpacked = { services, sim };
  return unpacked;
}

/** Polls until `fn` returns a value (not undefined); the limit is a hang guard. */
async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  c?: Container,
): Promise<T> {
  const end = Date.now() + 120_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${c?.output() ?? ''}`);
    await sleep(100);
  }
}

async function healthy(url: string, c: Container): Promise<void> {
  let dead = false;
  void c.exited.then(() => (dead = true));
  await until(
    url,
    async () => {
      if (dead) throw new Error(`container ${c.id} exited before ${url} answered:\n${c.output()}`);
      return (await fetch(url).catch(() => undefined))?.status === 200 ? true : undefined;
    },
    c,
  );
}

describe('packed images run under runc', { skip: SKIP ?? false, timeout: 30 * 60_000 }, () => {
  let rootfs = '';
  let cp: ControlPlane | undefined;
  before(async () => {
    ({ services: rootfs } = await rootfses());
  });
  after(async () => {
    await Promise.all(containers.map((c) => c.remove()));
    await cp?.stop();
  });

  for (const svc of ['hub', 'gateway', 'log-sink', 'operator'] as const) {
    it(`${svc}: tini as PID 1, node as uid 1000, /healthz answers, SIGTERM exits 0`, async () => {
      assert.ok(images);
      const img = svc === 'log-sink' ? images.logSink : images[svc];
      const binds: { source: string; destination: string; readonly?: boolean }[] = [];
      if (svc === 'operator') {
        mkdirSync(join(work, 'kube'));
        cp = await startOperatorApi(join(work, 'kube', 'config'));
        binds.push({ source: join(work, 'kube'), destination: '/kube' });
      }
      if (svc === 'log-sink') {
        mkdirSync(join(work, 'sink-logs'));
        chownSync(join(work, 'sink-logs'), 1000, 1000);
        binds.push({ source: join(work, 'sink-logs'), destination: '/var/log/zeek', readonly: false });
      }
      const { env, health } = await serviceEnv(svc, { logDir: '/var/log/zeek', kubeconfig: '/kube/config' });
      if (svc === 'log-sink') delete env['ZR_SINK_LOG_DIR']; // the image's ENV sets it
      const c = runContainer({
        id: `zr-${svc}-${process.pid}`,
        rootfs,
        image: readArchive(img.archive).config,
        env,
        binds,
        workDir: work,
      });
      containers.push(c);
      await healthy(health, c);
      const procs = c.pids().map(procStatus);
      assert.equal(procs[0]?.name, 'tini', `PID 1 is tini: ${JSON.stringify(procs)}`);
      assert.ok(
        procs.some((p) => p.name === 'node' && p.uid === 1000),
        JSON.stringify(procs),
      );
      c.signal('TERM');
      assert.equal(await c.exited, 0, c.output());
      if (svc === 'operator') await cp?.stop();
    });
  }
});

/** Values of the fieldRefs the operator's pod templates use, for ordinal 0. */
function fieldValue(path: string, pod: string, zc: ZeekCluster): string {
  if (path === 'metadata.name') return pod;
  if (path === 'metadata.namespace') return zc.metadata.namespace ?? 'default';
  if (path === "metadata.labels['apps.kubernetes.io/pod-index']") return '0';
  if (path === 'status.podIP') return '127.0.0.1';
  throw new Error(`the operator now uses fieldRef ${path}: teach this test its value`);
}

interface Ctr {
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
function container(objects: readonly { kind: string; metadata: { name: string } }[], name: string): Ctr {
  const o = objects.find(
    (x) => x.metadata.name === name && /^(Deployment|StatefulSet)$/.test(x.kind),
  ) as unknown as {
    spec: { template: { spec: { containers: Ctr[] } } };
  };
  assert.ok(o, `the operator generates no ${name}`);
  return o.spec.template.spec.containers[0] as Ctr;
}
function envOf(c: Ctr, pod: string, zc: ZeekCluster): Record<string, string> {
  return Object.fromEntries(
    (c.env ?? []).map((e) => [
      e.name,
      e.value ?? fieldValue(e.valueFrom?.fieldRef?.fieldPath ?? '?', pod, zc),
    ]),
  );
}

describe(
  "a simulated Zeek cluster from the operator's objects runs under runc",
  { skip: SKIP ?? false, timeout: 30 * 60_000 },
  () => {
    const netns = `zr-images-${process.pid}`;
    const group: Container[] = [];
    after(async () => {
      await Promise.all(group.map((c) => c.remove()));
      spawnSync('ip', ['netns', 'del', netns]);
    });

    it('manager and worker pods find each other through the hub pod; worker logs reach the sink volume', async () => {
      images ??= await ensureImages();
      const zc: ZeekCluster = {
        apiVersion: 'zeek-relay.io/v1alpha1',
        kind: 'ZeekCluster',
        metadata: { name: 'demo', namespace: 'ns', uid: 'u1', generation: 1 },
        spec: validateSpec({
          workers: { replicas: 1 },
          proxies: { replicas: 0 },
          gateway: { enabled: false },
        }),
      };
      const refs = {
        zeek: images.zeekSim.ref,
        hub: images.hub.ref,
        gateway: images.gateway.ref,
        logSink: images.logSink.ref,
      };
      const { objects } = buildDesired(zc, { ...refs, pullPolicy: 'Never' }, { get: () => undefined });
      const cm = objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === 'demo-zeek',
      ) as unknown as {
        data: Record<string, string>;
      };
      // The pods' view: the ConfigMap's files, and the Services' names resolving to the shared loopback.
      const dir = join(work, 'zeek');
      mkdirSync(join(dir, 'config'), { recursive: true });
      for (const [k, v] of Object.entries(cm.data)) writeFileSync(join(dir, 'config', k), v);
      const names = [...`${cm.data['zeek-relay.zeek']}`.matchAll(/tcp:\/\/([a-z0-9.-]+):\d+/g)].map(
        (m) => m[1],
      );
      writeFileSync(join(dir, 'hosts'), `127.0.0.1 localhost ${[...new Set(names)].join(' ')}\n`);
      mkdirSync(join(dir, 'logs'));
      chownSync(join(dir, 'logs'), 1000, 1000);
      assert.equal(spawnSync('ip', ['netns', 'add', netns]).status, 0);
      assert.equal(spawnSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']).status, 0);
      const { services: svcRootfs, sim: simRootfs } = await rootfses();
      const simImage = readArchive(images.zeekSim.archive).config;
      type Image = typeof simImage;
      const hosts = { source: join(dir, 'hosts'), destination: '/etc/hosts' };
      const start = (
        id: string,
        rootfs: string,
        image: Image,
        c: Ctr,
        pod: string,
        binds: { source: string; destination: string; readonly?: boolean }[],
      ) => {
        const ctr = runContainer({
          id: `zr-${id}-${process.pid}`,
          rootfs,
          image,
          ...(c.command ? { args: [...c.command, ...(c.args ?? [])] } : {}),
          env: envOf(c, pod, zc),
          binds: [hosts, ...binds],
          netns: `/var/run/netns/${netns}`,
          workDir: work,
        });
        group.push(ctr);
        return ctr;
      };
      const hubC = container(objects, 'demo-hub');
      const sinkC = container(objects, 'demo-log-sink');
      const logMount = sinkC.volumeMounts?.find((m) => m.name === 'logs')?.mountPath ?? '/var/log/zeek';
      const hub = start('hub', svcRootfs, readArchive(images.hub.archive).config, hubC, 'demo-hub-0', []);
      const sink = start(
        'sink',
        svcRootfs,
        readArchive(images.logSink.archive).config,
        sinkC,
        'demo-log-sink-0',
        [{ source: join(dir, 'logs'), destination: logMount, readonly: false }],
      );
      const config = { source: join(dir, 'config'), destination: '/etc/zeek-relay' };
      const manager = start(
        'manager',
        simRootfs,
        simImage,
        container(objects, 'demo-manager'),
        'demo-manager-0',
        [config],
      );
      const worker = start(
        'worker',
        simRootfs,
        simImage,
        container(objects, 'demo-worker'),
        'demo-worker-0',
        [config],
      );
      await until(
        'manager sees worker-1',
        () => (manager.output().includes('node_up worker-1') ? true : undefined),
        manager,
      );
      await until(
        'worker-1 sees the manager',
        () => (worker.output().includes('node_up manager') ? true : undefined),
        worker,
      );
      const conn = await until(
        'conn records in the sink volume',
        () => {
          const f = readdirSync(join(dir, 'logs')).find((n) => n.startsWith('conn'));
          const text = f ? readFileSync(join(dir, 'logs', f), 'utf8') : '';
          return /^#path\tconn$/m.test(text) && /^[0-9]+\.[0-9]+\t/m.test(text) ? text : undefined;
        },
        sink,
      );
      assert.match(conn, /^#separator \\x09$/m, 'Zeek TSV');
      for (const c of [worker, manager, sink, hub]) {
        c.signal('TERM');
        assert.equal(await c.exited, 0, `${c.id}:\n${c.output()}`);
      }
      assert.match(worker.output(), /SIGTERM: stopped; .*log records [1-9]/);
    });
  },
);
