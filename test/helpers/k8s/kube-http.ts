import { request } from 'node:https';

/** Minimal authenticated HTTPS client for the test API server (readiness probes, node setup). */
export interface KubeHttp {
  /** Sends a request; resolves with status and body text, never throws on HTTP errors. */
  call(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: string }>;
  /** Like {@link call} but throws unless 2xx, and parses JSON. */
  json<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
}

/** A client bound to `server` (https URL), trusting `ca` and sending `token` as bearer. */
export function kubeHttp(server: string, ca: string | Buffer, token: string): KubeHttp {
  const call: KubeHttp['call'] = (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        new URL(path, server),
        {
          method,
          ca,
          timeout: 15_000,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  return {
    call,
    async json(method, path, body, contentType) {
      const res = await call(method, path, body, contentType);
      if (res.status < 200 || res.status >= 300)
        throw new Error(`${method} ${path} → ${res.status}: ${res.body.slice(0, 500)}`);
      return JSON.parse(res.body) as never;
    },
  };
}

/**
 * GET `url` over HTTPS without verifying the certificate: for the /healthz ports of
 * kube-controller-manager and kube-scheduler, which serve self-signed certificates. True on 200.
 */
export function probeInsecure(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
