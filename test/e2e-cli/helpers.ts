/** Helpers of the CLI end-to-end tests: free ports, child processes of the real `zeek-relay` bin. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS } from '@zeek-relay/cli/simulator';
import { createGateway, defaultGatewayConfig, type Gateway, type GatewayConfig } from '@zeek-relay/gateway';
import { createHub, type Hub } from '@zeek-relay/hub';
import { freePort as pickPort, HANG_GUARD_MS, until } from '@zeek-relay/test-support';

/** Repository root (tests run from `test/e2e-cli/dist/`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The committed bin launcher, exactly what `npx zeek-relay` runs. */
export const BIN = fileURLToPath(new URL('../../../packages/cli/bin/zeek-relay.js', import.meta.url));

/**
 * Longest wait for anything a test waits on (an output line, an exit): a hang guard, not a timing
 * claim. Tests wait on the event itself (`until` polls a condition with this guard).
 */
export { HANG_GUARD_MS, until };

/** The ports `zeek-relay up` binds by default (the quickstart test runs it on them): never handed out. */
const DEFAULTS: ReadonlySet<number> = new Set(Object.values(DEFAULT_PORTS));

/**
 * A TCP port free on 127.0.0.1 now, outside the kernel's ephemeral range (see
 * `@zeek-relay/test-support`), for a CLI child given `--port` later; never one of the defaults.
 */
export function freePort(): Promise<number> {
  return pickPort({ avoid: DEFAULTS });
}

/** A started hub in this process and its two ports on 127.0.0.1. */
export interface LocalHub {
  readonly hub: Hub;
  readonly xpub: number;
  readonly xsub: number;
}

/** Starts a hub on 127.0.0.1 at two free ports (fixed ones: a gateway restarted later finds it again). */
export async function startLocalHub(): Promise<LocalHub> {
  const [xpub, xsub] = [await freePort(), await freePort()];
  const hub = createHub({ bindAddress: '127.0.0.1', xpubPort: xpub, xsubPort: xsub });
  await hub.start();
  return { hub, xpub, xsub };
}

/**
 * Starts a gateway in this process on 127.0.0.1:`port`, connected to `hub` (no health port, silent),
 * with `extra` on top (TLS, tokens), and waits until it has joined the hub.
 */
export async function startLocalGateway(
  hub: LocalHub,
  port: number,
  extra: Partial<GatewayConfig> = {},
): Promise<Gateway> {
  const gateway = createGateway(
    defaultGatewayConfig({
      host: '127.0.0.1',
      port,
      healthPort: -1,
      connectXpubEndpoint: `tcp://127.0.0.1:${hub.xsub}`,
      connectXsubEndpoint: `tcp://127.0.0.1:${hub.xpub}`,
      logLevel: 'silent',
      ...extra,
    }),
  );
  try {
    await gateway.start();
    await gateway.hubReady;
    return gateway;
  } catch (err) {
    await gateway.close();
    throw err;
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
