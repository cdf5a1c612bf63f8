import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { KubeApiError, KubeconfigError } from '../errors.js';
import type { OperatorMetrics } from '../metrics.js';
import type { K8sObject } from '../controller/resources/meta.js';

/** The one server-side-apply field manager of the operator. */
export const FIELD_MANAGER = 'zeek-relay-operator';

/** Raw JSON response of {@link KubeClient.request}. */
export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * All API requests of the operator go through here (so every one is counted). Children are
 * applied with server-side apply through client-node's KubernetesObjectApi; status, events and
 * leases use plain requests authenticated from the same KubeConfig.
 */
export class KubeClient {
  readonly objects: KubernetesObjectApi;
  constructor(
    readonly kc: KubeConfig,
    private readonly metrics: OperatorMetrics,
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
  }

  /** Loads a KubeConfig from `path`, else in-cluster, else the default locations. */
  static loadConfig(path: string | undefined): KubeConfig {
    const kc = new KubeConfig();
    try {
      if (path) kc.loadFromFile(path);
      else kc.loadFromDefault();
    } catch (err) {
      const where = path ?? 'the default locations';
      throw new KubeconfigError(`Could not load a kubeconfig from ${where}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return kc;
  }

  /** Server-side apply with our field manager, forcing ownership of the fields we set. */
  async apply(obj: K8sObject): Promise<void> {
    this.metrics.apiCall('apply');
    try {
      await this.objects.patch(
        obj as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
    } catch (err) {
      throw toApiError(`Could not apply ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`, err);
    }
  }

  /** Deletes a child (background propagation); a missing object counts as deleted. */
  async delete(obj: K8sObject): Promise<void> {
    this.metrics.apiCall('delete');
    try {
      await this.objects.delete(
        obj as KubernetesObject,
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
      );
    } catch (err) {
      const e = toApiError(
        `Could not delete ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`,
        err,
      );
      if (e.status !== 404) throw e;
    }
  }

  /** A plain request against the API server; `verb` names it in the API-call metric (`get` = read). */
  async request(
    verb: string,
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<RawResponse> {
    this.metrics.apiCall(verb);
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new KubeApiError('No current cluster in the kubeconfig', 0);
    const url = new URL(path, cluster.server);
    const opts: Parameters<typeof request>[1] = { method, headers: { accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined)
      Object.assign(opts.headers ?? {}, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(payload),
      });
    const send = url.protocol === 'https:' ? request : httpRequest;
    return new Promise<RawResponse>((resolve, reject) => {
      const req = send(url, { ...opts, timeout: 30_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new KubeApiError(`${method} ${path} timed out`, 0)));
      req.on('error', (err) => reject(toApiError(`${method} ${path} failed`, err)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Like {@link request} but throws a KubeApiError unless 2xx, and parses the JSON body. */
  async json<T>(
    verb: string,
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T> {
    const res = await this.request(verb, method, path, body, contentType);
    if (res.status < 200 || res.status >= 300)
      throw new KubeApiError(`${method} ${path} → ${res.status}: ${res.body.slice(0, 300)}`, res.status);
    return JSON.parse(res.body) as T;
  }
}

/** Wraps client-node / socket errors into a KubeApiError carrying the HTTP status (0 = none). */
export function toApiError(message: string, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : 0;
  const detail =
    typeof e.body === 'string'
      ? e.body.slice(0, 300)
      : typeof e.message === 'string'
        ? e.message
        : String(err);
  return new KubeApiError(`${message}: ${detail}`, status, { cause: err });
}
