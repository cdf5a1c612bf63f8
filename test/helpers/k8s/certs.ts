import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the PKI a test control plane uses (all PEM files in one directory). */
export interface Pki {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Service-account signing key (EC P-256; its public half is derived by the API server). */
  readonly saKey: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Names and addresses the API server answers as: loopback, the real node's bridge IP, the Service. */
const SERVER_SAN =
  'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,IP:10.244.0.1,DNS:localhost,DNS:kubernetes,' +
  'DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local';

/** Signs `<dir>/<name>.crt` (+ `.key`) for `subject` with the CA of `dir`; `ext` = x509 extensions. */
async function sign(dir: string, name: string, subject: string, ext: string): Promise<void> {
  const p = (f: string): string => join(dir, f);
  await writeFile(p(`${name}.ext`), ext);
  await run('openssl', [
    'req',
    ...EC,
    '-keyout',
    p(`${name}.key`),
    '-out',
    p(`${name}.csr`),
    '-subj',
    subject,
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    p(`${name}.csr`),
    '-CA',
    p('ca.crt'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p(`${name}.crt`),
    '-days',
    '3650',
    '-extfile',
    p(`${name}.ext`),
  ]);
}

/**
 * Generates a throw-away CA, an API-server serving certificate for 127.0.0.1/localhost (and the
 * first service IP, the real node's bridge IP and the `kubernetes` Service names, so in-cluster
 * clients verify it too) and a service-account key, using the `openssl` CLI. EC keys keep this to
 * a few hundred milliseconds even on a loaded machine.
 */
export async function generatePki(dir: string): Promise<Pki> {
  const p = (f: string): string => join(dir, f);
  const pki: Pki = {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    saKey: p('sa.key'),
  };
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    pki.caKey,
    '-out',
    pki.caCert,
    '-days',
    '3650',
    '-subj',
    '/CN=zeek-relay-test-ca',
  ]);
  await sign(dir, 'apiserver', '/CN=kube-apiserver', `${SERVER_SAN}\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', pki.saKey]);
  return pki;
}

/**
 * Signs a client certificate with the PKI's CA: `<name>.crt` and `.key` beside it. The subject
 * carries the identity, e.g. `/O=system:nodes/CN=system:node:zr-node` for a kubelet.
 */
export async function signClientCert(
  pki: Pki,
  name: string,
  subject: string,
): Promise<{ cert: string; key: string }> {
  const dir = dirname(pki.caCert);
  await sign(dir, name, subject, 'extendedKeyUsage=clientAuth\n');
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/**
 * Signs a serving certificate with the PKI's CA for the given subjectAltNames (`IP:…`, `DNS:…`):
 * `<name>.crt` and `.key` beside it. Used for the kubelet and metrics-server, so that their
 * clients (metrics-server, the API server's aggregator) verify them against the test CA.
 */
export async function signServerCert(
  pki: Pki,
  name: string,
  subject: string,
  sans: readonly string[],
): Promise<{ cert: string; key: string }> {
  const dir = dirname(pki.caCert);
  await sign(dir, name, subject, `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\n`);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}
