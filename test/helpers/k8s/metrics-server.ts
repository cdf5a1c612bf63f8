import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { signClientCert, signServerCert, type Pki } from './certs.js';
import type { KubeHttp } from './kube-http.js';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.js';
import type { Toolchain } from './toolchain.js';

/**
 * The resource metrics API (`metrics.k8s.io`) of the real node: metrics-server (built by the
 * toolchain's `--node`) as a host process on the bridge IP, like CoreDNS, registered with the API
 * server's aggregation layer. Pieces:
 * - metrics-server serves TLS with a certificate of the test CA for
 *   `metrics-server.kube-system.svc` (the name the aggregator verifies) and the bridge IP;
 * - it scrapes the kubelet's `/metrics/resource` with a client certificate of the test CA (the
 *   kubelet accepts x509 only) and verifies the kubelet's serving certificate against the test CA
 *   (no `--kubelet-insecure-tls`): the harness gives the kubelet one for every host address;
 * - it trusts the aggregator's request headers (the front-proxy client certificate, see
 *   components.ts) and delegates authentication and authorization to the API server;
 * - a selector-less Service `kube-system/metrics-server` with an EndpointSlice to the bridge IP,
 *   and the APIService `v1beta1.metrics.k8s.io` with the CA bundle; the API server routes to the
 *   EndpointSlice (`--enable-aggregator-routing`).
 */

export const METRICS_NAMESPACE = 'kube-system';
export const METRICS_SERVICE = 'metrics-server';
export const METRICS_APISERVICE = 'v1beta1.metrics.k8s.io';
/** metrics-server's smallest scrape interval (it refuses less than 10 s). */
export const METRIC_RESOLUTION_SECONDS = 10;

/** What {@link startMetricsServer} needs. */
export interface MetricsServerContext {
  readonly tc: Toolchain;
  readonly pki: Pki;
  readonly http: KubeHttp;
  readonly dir: string;
  /** The bridge IP: metrics-server listens there (the API server reaches it directly). */
  readonly hostIp: string;
  readonly adminKubeconfig: string;
  readonly log: (l: string) => void;
}

/** metrics-server's flags (pure; see the module comment for why each is there). */
export function metricsServerArgs(o: {
  readonly kubeconfig: string;
  readonly caCert: string;
  readonly hostIp: string;
  readonly port: number;
  readonly serving: { readonly cert: string; readonly key: string };
  readonly kubeletClient: { readonly cert: string; readonly key: string };
  readonly certDir: string;
}): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--authentication-kubeconfig=${o.kubeconfig}`,
    `--authorization-kubeconfig=${o.kubeconfig}`,
    `--requestheader-client-ca-file=${o.caCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    `--bind-address=${o.hostIp}`,
    `--secure-port=${o.port}`,
    `--tls-cert-file=${o.serving.cert}`,
    `--tls-private-key-file=${o.serving.key}`,
    `--cert-dir=${o.certDir}`,
    `--kubelet-certificate-authority=${o.caCert}`,
    `--kubelet-client-certificate=${o.kubeletClient.cert}`,
    `--kubelet-client-key=${o.kubeletClient.key}`,
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    '--kubelet-use-node-status-port',
    `--metric-resolution=${METRIC_RESOLUTION_SECONDS}s`,
    // Must be below the resolution (it refuses to start otherwise; the default is 10 s).
    '--kubelet-request-timeout=5s',
    '--v=1',
  ];
}

/** The Service, EndpointSlice and APIService that put metrics-server behind the aggregator. */
export function metricsApiObjects(
  hostIp: string,
  port: number,
  caBundle: string,
): {
  service: unknown;
  endpointSlice: unknown;
  apiService: unknown;
} {
  const meta = { name: METRICS_SERVICE, namespace: METRICS_NAMESPACE };
  return {
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta,
      spec: { ports: [{ name: 'https', port: 443, targetPort: port, protocol: 'TCP' }] },
    },
    endpointSlice: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { ...meta, labels: { 'kubernetes.io/service-name': METRICS_SERVICE } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [hostIp], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    },
    apiService: {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: METRICS_APISERVICE },
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        service: { namespace: METRICS_NAMESPACE, name: METRICS_SERVICE, port: 443 },
        caBundle: Buffer.from(caBundle).toString('base64'),
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    },
  };
}

/** GET `url` over TLS trusting `ca`; true on 200 (metrics-server's /readyz). */
function readyz(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { ca, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Starts metrics-server, waits for its /readyz (it has scraped the kubelet), registers it with
 * the aggregator and waits until the APIService is Available. Stops it again on failure.
 */
export async function startMetricsServer(ctx: MetricsServerContext): Promise<ManagedProcess> {
  const { pki, http, hostIp, log } = ctx;
  const port = await freePort();
  const serving = await signServerCert(pki, 'metrics-server', '/CN=metrics-server', [
    `DNS:${METRICS_SERVICE}.${METRICS_NAMESPACE}.svc`,
    `IP:${hostIp}`,
  ]);
  const kubeletClient = await signClientCert(
    pki,
    'metrics-server-kubelet-client',
    '/CN=system:metrics-server',
  );
  log('Starting metrics-server');
  const proc = startProcess(
    'metrics-server',
    ctx.tc.bin('metrics-server'),
    metricsServerArgs({
      kubeconfig: ctx.adminKubeconfig,
      caCert: pki.caCert,
      hostIp,
      port,
      serving,
      kubeletClient,
      certDir: join(ctx.dir, 'certs', 'metrics-server'),
    }),
    join(ctx.dir, 'logs', 'metrics-server.log'),
  );
  try {
    const ca = readFileSync(pki.caCert, 'utf8');
    // Ready once it stored a scrape of the node (two cycles of the resolution at most).
    await waitFor('metrics-server /readyz', () => readyz(`https://${hostIp}:${port}/readyz`, ca), { proc });
    const objs = metricsApiObjects(hostIp, port, ca);
    await http.json('POST', `/api/v1/namespaces/${METRICS_NAMESPACE}/services`, objs.service);
    await http.json(
      'POST',
      `/apis/discovery.k8s.io/v1/namespaces/${METRICS_NAMESPACE}/endpointslices`,
      objs.endpointSlice,
    );
    await http.json('POST', '/apis/apiregistration.k8s.io/v1/apiservices', objs.apiService);
    await waitFor(
      `APIService ${METRICS_APISERVICE} Available`,
      async () => {
        const s = await http.json<{ status?: { conditions?: { type: string; status: string }[] } }>(
          'GET',
          `/apis/apiregistration.k8s.io/v1/apiservices/${METRICS_APISERVICE}`,
        );
        return s.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
      },
      { proc },
    );
    return proc;
  } catch (err) {
    await proc.stop(5_000);
    throw err;
  }
}
