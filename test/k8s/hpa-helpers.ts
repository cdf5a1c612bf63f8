import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ControlPlane } from '../helpers/k8s/control-plane.js';
import { repoRoot } from '../helpers/k8s/toolchain.js';

/** Helpers of the HorizontalPodAutoscaler test on the real node (real-hpa.test.ts). */

/** A watch event as the API server streams it. */
interface WatchEvent<T> {
  readonly type: string;
  readonly object: T;
}

/**
 * Lists `collection` (with `query`, e.g. a field selector), hands every item to `onEvent` as
 * ADDED, then watches from the list's resourceVersion and hands over every change (not
 * BOOKMARKs). `onEnd` hears when the API server ends the stream or the connection fails (not after
 * `stop()`).
 */
async function listAndWatch<T>(
  cp: ControlPlane,
  collection: string,
  query: string,
  onEvent: (type: string, obj: T) => void,
  onEnd: (err?: Error) => void,
): Promise<{ stop(): void }> {
  const q = query ? `${query}&` : '';
  const list = await cp.http.json<{ metadata: { resourceVersion: string }; items: T[] }>(
    'GET',
    `${collection}${query ? `?${query}` : ''}`,
  );
  for (const o of list.items) onEvent('ADDED', o);
  let stopped = false;
  const url = new URL(
    `${collection}?${q}watch=1&resourceVersion=${list.metadata.resourceVersion}`,
    cp.server,
  );
  const auth = { ca: readFileSync(cp.caCertPath), headers: { authorization: `Bearer ${cp.token}` } };
  const req = request(url, auth, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const ev = JSON.parse(buf.slice(0, nl)) as WatchEvent<T>;
        buf = buf.slice(nl + 1);
        if (ev.type !== 'BOOKMARK') onEvent(ev.type, ev.object);
      }
    });
    res.on('end', () => void (stopped ? undefined : onEnd()));
  });
  req.on('error', (e) => void (stopped ? undefined : onEnd(e)));
  req.end();
  return {
    stop() {
      stopped = true;
      req.destroy();
    },
  };
}

/**
 * Follows one object (`<collection>/<name>`) by a watch (re-watched when the API server ends the
 * stream). Resolves with the first value `until` returns for it that is not undefined; rejects
 * after `hangGuardMs` (a hang guard only: the wait is on the watch's events).
 */
export function watchObject<T, R>(
  cp: ControlPlane,
  collection: string,
  name: string,
  until: (obj: T) => R | undefined,
  hangGuardMs = 900_000,
): Promise<R> {
  const selector = `fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`;
  return new Promise<R>((resolve, reject) => {
    let done = false;
    let current: { stop(): void } | undefined;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      current?.stop();
      fn();
    };
    const guard = setTimeout(
      () => finish(() => reject(new Error(`hang guard: ${collection}/${name} never matched`))),
      hangGuardMs,
    );
    const onEvent = (type: string, obj: T): void => {
      if (type === 'DELETED') return;
      const r = until(obj);
      if (r !== undefined) finish(() => resolve(r));
    };
    const watch = (): void => {
      listAndWatch(cp, collection, selector, onEvent, (err) =>
        err ? finish(() => reject(err)) : watch(),
      ).then(
        (w) => (done ? w.stop() : (current = w)),
        (e: Error) => finish(() => reject(e)),
      );
    };
    watch();
  });
}

/**
 * Streams every change of a collection into `onEvent` (its current items first, as ADDED);
 * `stop()` ends it. For the printed timeline (the assertions wait with {@link watchObject}).
 */
export function followCollection<T>(
  cp: ControlPlane,
  collection: string,
  onEvent: (type: string, obj: T) => void,
): Promise<{ stop(): void }> {
  return listAndWatch(cp, collection, '', onEvent, () => undefined);
}

/** The fields of the sample's ZeekCluster the test adapts. */
export interface SampleCluster {
  kind: 'ZeekCluster';
  spec: {
    image?: string;
    zeekVersion?: string;
    workers: {
      replicas: number;
      maxReplicas: number;
      resources?: unknown;
      capture: { mode: string; udp: { port: number; serviceType?: string } };
    };
  };
}

/** The fields of the sample's HorizontalPodAutoscaler the test adapts. */
export interface SampleHpa {
  kind: 'HorizontalPodAutoscaler';
  spec: {
    minReplicas: number;
    maxReplicas: number;
    metrics: { resource: { name: string; target: { averageUtilization: number } } }[];
    behavior?: unknown;
  };
}

/**
 * deploy/samples/udp-mirror-hpa.yaml (the ZeekCluster and its HorizontalPodAutoscaler) as objects,
 * for the test to adapt to one small node.
 */
export function udpHpaSample(): { cluster: SampleCluster; hpa: SampleHpa } {
  const docs = parseAllDocuments(
    readFileSync(join(repoRoot(), 'deploy', 'samples', 'udp-mirror-hpa.yaml'), 'utf8'),
  ).map((d) => d.toJS() as { kind?: string });
  const cluster = docs.find((d) => d.kind === 'ZeekCluster') as SampleCluster | undefined;
  const hpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler') as SampleHpa | undefined;
  if (!cluster || !hpa) throw new Error('udp-mirror-hpa.yaml: no ZeekCluster or HorizontalPodAutoscaler');
  return { cluster, hpa };
}

/** An RFC 7348 VXLAN header (flags I, VNI) in front of a dummy inner frame. */
function vxlanDatagram(vni: number): Buffer {
  const b = Buffer.alloc(8 + 64);
  b[0] = 0x08;
  b.writeUIntBE(vni, 4, 3);
  return b;
}

/**
 * Mirrored traffic from this host to the workers' UDP Service (kube-proxy routes ClusterIPs here
 * too): `rate` VXLAN datagrams per second from `flows` sockets (outer source ports), which are
 * replaced every few seconds so new flows also land on workers that joined meanwhile, as a mirror
 * source hashing inner flows into source ports would spread them.
 */
export function mirrorTraffic(
  host: string,
  port: number,
  rate: number,
  flows = 8,
): { sent(): number; stop(): void } {
  let sockets: Socket[] = [];
  const open = (): void => {
    for (const s of sockets) s.close();
    sockets = Array.from({ length: flows }, () => createSocket('udp4').on('error', () => undefined));
  };
  open();
  let sent = 0;
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  const datagram = vxlanDatagram(42);
  const tick = setInterval(() => {
    for (let i = 0; i < perTick; i++) sockets[(sent + i) % flows]!.send(datagram, port, host);
    sent += perTick;
  }, tickMs);
  const rotate = setInterval(open, 5_000);
  return {
    sent: () => sent,
    stop() {
      clearInterval(tick);
      clearInterval(rotate);
      for (const s of sockets) s.close();
      sockets = [];
    },
  };
}

/** A Kubernetes CPU quantity (`250m`, `1`, `12345n`, `3u`) in millicores. */
export function milliCores(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(n|u|m)?$/.exec(q);
  if (!m) throw new Error(`not a CPU quantity: ${q}`);
  const v = Number(m[1]);
  return m[2] === 'n' ? v / 1e6 : m[2] === 'u' ? v / 1e3 : m[2] === 'm' ? v : v * 1000;
}
