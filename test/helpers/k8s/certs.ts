import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/**
 * Generates a throw-away CA, an API-server serving certificate for 127.0.0.1/localhost (and the
 * first service IP, so in-cluster style clients would verify too) and a service-account key, using
 * the `openssl` CLI. EC keys keep this to a few hundred milliseconds even on a loaded machine.
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
  await writeFile(
    p('san.ext'),
    'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n',
  );
  await run('openssl', [
    'req',
    ...EC,
    '-keyout',
    pki.serverKey,
    '-out',
    p('apiserver.csr'),
    '-subj',
    '/CN=kube-apiserver',
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    p('apiserver.csr'),
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-CAcreateserial',
    '-out',
    pki.serverCert,
    '-days',
    '3650',
    '-extfile',
    p('san.ext'),
  ]);
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', pki.saKey]);
  return pki;
}
