import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BlobStore, putImage, writeArchive, type RuntimeConfig } from '../images/oci.js';

const execFileP = promisify(execFile);

/** The real node's own small images, packed from the host's static busybox (Debian busybox-static). */
export const PAUSE_IMAGE = 'localhost/zeek-relay/pause:test';
export const BUSYBOX_IMAGE = 'localhost/zeek-relay/busybox:test';

const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];

/** The static busybox binary of the host, or undefined. */
export async function staticBusybox(): Promise<string | undefined> {
  for (const p of BUSYBOX_PATHS) {
    try {
      const { stdout } = await execFileP('file', ['-L', p]);
      if (/statically linked|static-pie/.test(stdout)) return p;
    } catch {
      // missing
    }
  }
  return undefined;
}

/**
 * Packs two OCI archives (importable with `ctr images import`) of images that share one busybox
 * layer: {@link PAUSE_IMAGE}, containerd's pod sandbox (PID 1 sleeping; the CRI stops sandboxes
 * with SIGKILL), and {@link BUSYBOX_IMAGE} (sh, httpd, wget, nslookup … for tests). The OCI
 * primitives are the test images' (test/helpers/images/oci.ts). Returns the archive paths.
 */
export async function packBusyboxImages(outDir: string): Promise<string[]> {
  const busybox = await staticBusybox();
  if (!busybox) throw new Error('no static busybox on this host (apt-get install busybox-static)');
  const work = mkdtempSync(join(outDir, 'oci-'));
  try {
    const root = join(work, 'rootfs');
    for (const d of ['bin', 'etc', 'tmp', 'root']) mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    copyFileSync(busybox, join(root, 'bin', 'busybox'));
    chmodSync(join(root, 'bin', 'busybox'), 0o755);
    const applets = (await execFileP(busybox, ['--list'])).stdout
      .split('\n')
      .filter((a) => a && a !== 'busybox');
    for (const a of applets) symlinkSync('busybox', join(root, 'bin', a));
    writeFileSync(
      join(root, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
    );
    writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnobody:x:65534:\n');
    const store = new BlobStore(join(work, 'store'));
    const layer = await store.putLayer(root, ['.'], true);
    const runtime = (entrypoint: string[]): RuntimeConfig => ({
      User: '0:0',
      WorkingDir: '/',
      Env: ['PATH=/bin'],
      Entrypoint: entrypoint,
      StopSignal: 'SIGTERM',
    });
    const out: string[] = [];
    for (const [ref, entrypoint] of [
      [PAUSE_IMAGE, ['/bin/sleep', 'infinity']],
      [BUSYBOX_IMAGE, ['/bin/sh']],
    ] as const) {
      const { manifest } = await putImage(store, [layer], runtime([...entrypoint]), ['busybox-static']);
      const archive = join(outDir, `${ref.split('/').pop()!.replace(':', '-')}.tar`);
      await writeArchive(store, [{ manifest, ref }], archive);
      out.push(archive);
    }
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
