import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lockPath, readMarker, teardownHost } from './node-host.js';

/**
 * The real node's janitor: a detached process that holds the machine-wide lock (flock(1) on
 * {@link lockPath}) for as long as one real node exists. It first tears down whatever a previous
 * run left behind (its marker), then waits for its stdin to close, which happens when the test
 * process calls {@link NodeLock.release} or dies, even by SIGKILL. It then undoes everything the
 * marker records and exits, which releases the lock. So the next real node always starts clean.
 */

/** The held machine-wide lock; `release()` tears the node down and frees the lock. */
export interface NodeLock {
  release(): Promise<void>;
}

const JANITOR = fileURLToPath(import.meta.url);

/**
 * Waits (up to `waitMs`; default 2 h, other test files may hold the node) for the machine-wide
 * lock, with the janitor behind it. `log` hears once that the wait started.
 */
export async function acquireNodeLock(log: (line: string) => void, waitMs = 7_200_000): Promise<NodeLock> {
  const child = spawn(
    'flock',
    ['-o', '-w', String(Math.ceil(waitMs / 1000)), lockPath(), process.execPath, JANITOR, '--janitor'],
    { detached: true, stdio: ['pipe', 'pipe', 'ignore'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waiting = setTimeout(() => log(`Waiting for the real-node lock ${lockPath()}`), 2_000);
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('ready\n')) resolve();
      });
      child.once('error', reject);
      void exited.then((code) =>
        reject(new Error(`real-node janitor exited (${code}) before taking the lock ${lockPath()}`)),
      );
    });
  } finally {
    clearTimeout(waiting);
  }
  // From here on the janitor must not keep a test process alive, nor die with it.
  child.unref();
  child.stdout.destroy();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= (async () => {
        child.ref(); // keep this process alive until the janitor is done
        child.stdin.end();
        await exited;
      })();
      return released;
    },
  };
}

function janitorMain(): void {
  const clean = (): void => {
    const record = readMarker();
    if (record) teardownHost(record);
  };
  clean(); // a run whose janitor was killed too
  process.stdout.write('ready\n');
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clean();
    process.exit(0);
  };
  process.stdin.on('data', () => undefined);
  process.stdin.once('end', finish);
  process.stdin.once('close', finish);
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(s, finish);
}

if (process.argv[2] === '--janitor' && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  janitorMain();
}
