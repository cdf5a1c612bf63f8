import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A binary started in its own process group behind a tiny `sh` reaper: the reaper polls the test
 * process every second and terminates the binary when the test process is gone, so even a test
 * process killed with SIGKILL leaves no orphans behind. {@link stop} signals the whole group.
 */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the group leader exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Last `lines` lines of the log (for error messages). */
  tail(lines?: number): string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test forgot to stop (or crashed before its `after` hook): SIGKILL every group.
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

const REAPER = `"$@" & c=$!
trap 'kill -TERM $c 2>/dev/null; wait $c; exit $?' TERM INT
while kill -0 ${process.pid} 2>/dev/null && kill -0 $c 2>/dev/null; do sleep 1 & wait $!; done
kill -TERM $c 2>/dev/null; wait $c`;

/** Starts `command args…` with stdout+stderr appended to `logFile`. */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
): ManagedProcess {
  installExitHook();
  const fd = openSync(logFile, 'a');
  const child = spawn('sh', ['-c', REAPER, name, command, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: env ?? process.env,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`Could not start ${name} (${command})`);
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  let stopping: Promise<void> | undefined;
  const tail = (lines = 30): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  return {
    name,
    pid: child.pid,
    logFile,
    exited,
    tail,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (!live.has(child)) return;
        killGroup(child, 'SIGTERM');
        const timer = sleep(graceMs).then(() => 'timeout' as const);
        if ((await Promise.race([exited, timer])) === 'timeout') {
          killGroup(child, 'SIGKILL');
          await exited;
        }
        // The reaper may exit before a stubborn child: make sure nothing of the group survives.
        killGroup(child, 'SIGKILL');
      })();
      return stopping;
    },
  };
}

/**
 * Ports for the components started later (etcd, apiserver, kubelet…): outside the ephemeral range,
 * so the components' own outgoing connections cannot take one first (see @zeek-relay/test-support).
 */
export { freePort } from '@zeek-relay/test-support';

/**
 * Polls `check` until it returns true. Fails with `describe()` when `proc` exits first or after
 * `timeoutMs` (generous defaults: startup must survive a loaded 2-core machine).
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs?: number; proc?: ManagedProcess; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  let exited: number | string | undefined;
  void opts.proc?.exited.then((c) => (exited = c));
  let lastErr: unknown;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(`${what}: ${opts.proc?.name} exited (${exited}); log tail:\n${opts.proc?.tail()}`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err;
    }
    await sleep(opts.intervalMs ?? 250);
  }
  const reason = lastErr instanceof Error ? lastErr.message : String(lastErr ?? 'condition never true');
  throw new Error(
    `Timed out waiting for ${what} (${reason})${opts.proc ? `; log tail:\n${opts.proc.tail()}` : ''}`,
  );
}
