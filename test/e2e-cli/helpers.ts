/** Helpers of the CLI end-to-end tests: free ports, child processes of the real `zeek-relay` bin. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS } from '@zeek-relay/cli/simulator';

/** Repository root (tests run from `test/e2e-cli/dist/`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The committed bin launcher, exactly what `npx zeek-relay` runs. */
export const BIN = fileURLToPath(new URL('../../../packages/cli/bin/zeek-relay.js', import.meta.url));

/**
 * Longest wait for anything a test waits on (an output line, an exit): a hang guard, not a timing
 * claim. Tests wait on the event itself; a loaded machine (load 10+) is slow, never wrong.
 */
export const HANG_GUARD_MS = 120_000;

/** Polls `cond` every 20 ms until it holds; the limit is only a hang guard (rejects naming `what`). */
export async function until(what: string, cond: () => boolean, limitMs = HANG_GUARD_MS): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The kernel's ephemeral port range: where `connect()` and `bind(0)` take their ports from. */
export function ephemeralPortRange(): readonly [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (lo !== undefined && hi !== undefined && lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // not Linux: the IANA range most systems use
  }
  return [49152, 65535];
}

/** The ports `zeek-relay up` binds by default (the quickstart test runs it on them): never handed out. */
const DEFAULTS: ReadonlySet<number> = new Set(Object.values(DEFAULT_PORTS));

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A TCP port free on 127.0.0.1 now, for a process the test starts later (a CLI child given
 * `--port`). It lies below the kernel's ephemeral range, so no outgoing connection (whose source
 * port comes from that range) and no `bind(0)` of any process can take it before the child binds
 * it: a port from `listen(0)` could be, and the child then failed with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  const [lo] = ephemeralPortRange();
  const first = 10_000;
  for (;;) {
    const port = first + Math.floor(Math.random() * (lo - first));
    if (!DEFAULTS.has(port) && (await listenable(port))) return port;
  }
}

/** A child process with its output collected. */
export interface Child {
  readonly proc: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (signals map to null). */
  readonly exited: Promise<number | null>;
  /** Resolves once `pattern` appears on stdout or stderr; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp | ((c: Child) => boolean), timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGINT) and waits for the exit code; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Runs `zeek-relay <args>` with `cwd`. */
export function runCli(args: readonly string[], cwd: string = REPO_ROOT): Child {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const waiters = new Set<() => void>();
  const child: Child = {
    proc,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))),
    waitFor(pattern, timeoutMs = HANG_GUARD_MS) {
      const ok = (): boolean =>
        typeof pattern === 'function'
          ? pattern(child)
          : pattern.test(child.stdout) || pattern.test(child.stderr);
      return new Promise<void>((resolve, reject) => {
        if (ok()) return resolve();
        const check = (): void => {
          if (ok()) done(undefined);
        };
        const timer = setTimeout(
          () =>
            done(
              new Error(
                `timed out waiting for ${String(pattern)}\nstdout: ${child.stdout}\nstderr: ${child.stderr}`,
              ),
            ),
          timeoutMs,
        );
        const onExit = (): void => {
          setImmediate(() =>
            ok()
              ? done(undefined)
              : done(
                  new Error(
                    `process exited before ${String(pattern)}\nstdout: ${child.stdout}\nstderr: ${child.stderr}`,
                  ),
                ),
          );
        };
        const done = (err: Error | undefined): void => {
          clearTimeout(timer);
          waiters.delete(check);
          proc.off('exit', onExit);
          if (err) reject(err);
          else resolve();
        };
        waiters.add(check);
        proc.once('exit', onExit);
      });
    },
    async stop(signal = 'SIGINT', graceMs = HANG_GUARD_MS) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await child.exited;
      clearTimeout(t);
      return code;
    },
  };
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    child.stdout += d;
    for (const w of waiters) w();
  });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    child.stderr += d;
    for (const w of waiters) w();
  });
  return child;
}
