/** An emulated Zeek node in a child process, so that tests can SIGKILL or SIGSTOP it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ZeekNodeOptions } from './node.js';

/** A node process: its stdout JSON lines (ready, lifecycle, warning) as they arrive. */
export interface ZeekNodeProcess {
  readonly proc: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  /** The node id, once the process printed `ready`. */
  readonly id: Promise<string>;
  /** `up:<name>` / `down:<name>` in the order the node raised them. */
  lifecycle(): string[];
  /** Warnings Zeek's scripts would have logged. */
  warnings(): string[];
  kill(signal?: NodeJS.Signals): void;
}

type Line = { type?: string; id?: string; entry?: string; text?: string };

/** Starts `node-process.js` with `options`; the caller kills it (SIGTERM closes cleanly). */
export function spawnZeekNode(options: ZeekNodeOptions): ZeekNodeProcess {
  const script = fileURLToPath(new URL('./node-process.js', import.meta.url));
  const proc = spawn(process.execPath, [script, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const parsed = (): Line[] => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
  const id = new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      lines.push(l);
      const p = l.startsWith('{') ? (JSON.parse(l) as Line) : {};
      if (p.type === 'ready' && p.id !== undefined) resolve(p.id);
    });
    proc.on('exit', (code) =>
      reject(new Error(`emulated node ${options.name} exited (${code}) before ready`)),
    );
  });
  id.catch(() => undefined);
  return {
    proc,
    lines,
    id,
    exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))),
    lifecycle: () => parsed().flatMap((l) => (l.type === 'lifecycle' && l.entry ? [l.entry] : [])),
    warnings: () => parsed().flatMap((l) => (l.type === 'warning' && l.text ? [l.text] : [])),
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
}
