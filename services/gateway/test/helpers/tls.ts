/**
 * Per-run TLS key material made with the `openssl` CLI (no keys in git): a throw-away CA, a
 * server certificate for localhost/127.0.0.1/::1 and a client certificate, both signed by that
 * CA, in a fresh temporary directory that `remove()` deletes. Same approach as
 * test/e2e-cli/client-tls-auth.test.ts (P-256 keys, one day validity).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether the `openssl` CLI can run here (tests needing certificates skip otherwise). */
export const hasOpenssl: boolean = spawnSync('openssl', ['version']).status === 0;

/** Paths of the generated PEM files. */
export interface TestTls {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Deletes the directory (idempotent). */
  remove(): void;
}

function openssl(args: readonly string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`openssl ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'] as const;

/** Issues `<name>.pem`/`<name>-key.pem` signed by the CA in `dir`, with the given extensions. */
function issue(dir: string, name: string, cn: string, extensions: string): void {
  const key = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['req', '-new', ...EC_KEY, '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca-key.pem'),
    '-set_serial',
    String(Date.now()),
    '-days',
    '1',
    '-extfile',
    ext,
    '-out',
    join(dir, `${name}.pem`),
  ]);
}

/**
 * Generates the CA, server and client certificates (≈ 100 ms of openssl runs). Throws with
 * openssl's stderr if a step fails; the directory is removed in that case too.
 */
export function makeTestTls(): TestTls {
  const dir = mkdtempSync(join(tmpdir(), 'zr-gateway-tls-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    openssl([
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      join(dir, 'ca-key.pem'),
      '-out',
      join(dir, 'ca.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=zeek-relay gateway test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ]);
    issue(
      dir,
      'server',
      'localhost',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n',
    );
    issue(dir, 'client', 'zeek-relay test client', 'extendedKeyUsage=clientAuth\n');
  } catch (err) {
    remove();
    throw err;
  }
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server-key.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client-key.pem'),
    remove,
  };
}
