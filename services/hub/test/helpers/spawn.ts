/** Child processes for tests: line-oriented JSON stdout, always killed in `after`. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '@zeek-relay/test-support';

export interface Child {
  readonly proc: ChildProcess;
  readonly lines: string[];
  /** Everything written to stderr so far. */
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function spawnNode(script: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => lines.push(l));
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    stderr: () => err,
    exited,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
}

/** Parsed JSON lines of a child. */
export function jsonLines(child: Child): Array<Record<string, unknown>> {
  // Only our own JSON lines start with '{'; anything else (warnings) is skipped.
  return child.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Path of the compiled hub entry point. */
export const HUB_MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** Environment of a `zeek-relay-hub` process on fresh loopback ports, its endpoints and URL. */
export async function hubProcessSetup(extra: Record<string, string> = {}): Promise<{
  env: Record<string, string>;
  url: string;
  endpoints: { connectXpub: string; connectXsub: string };
}> {
  const [xpub, xsub, http] = [await freePort(), await freePort(), await freePort()];
  return {
    env: {
      ZR_HUB_BIND_ADDRESS: '127.0.0.1',
      ZR_HUB_XPUB_PORT: String(xpub),
      ZR_HUB_XSUB_PORT: String(xsub),
      ZR_HUB_HTTP_HOST: '127.0.0.1',
      ZR_HUB_HTTP_PORT: String(http),
      ...extra,
    },
    url: `http://127.0.0.1:${http}`,
    endpoints: { connectXpub: `tcp://127.0.0.1:${xsub}`, connectXsub: `tcp://127.0.0.1:${xpub}` },
  };
}
