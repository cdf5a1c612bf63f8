/** Process helpers for the benchmark: CPU time from /proc, forked roles, readiness lines. */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU seconds of a process (all its threads), from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

type Msg = { type: string; [k: string]: unknown };

/** A forked benchmark role with a message inbox. */
export interface Role {
  readonly proc: ChildProcess;
  next(type: string, timeoutMs?: number): Promise<Msg>;
  send(m: Msg): void;
  kill(): void;
}

export function forkRole(script: string, args: string[]): Role {
  const proc = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: Msg[] = [];
  const waiters: Array<() => void> = [];
  proc.on('message', (m: Msg) => {
    inbox.push(m);
    for (const w of waiters.splice(0)) w();
  });
  return {
    proc,
    async next(type, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type);
        if (i !== -1) return inbox.splice(i, 1)[0]!;
        if (Date.now() > end || proc.exitCode !== null)
          throw new Error(`role ${args.join(' ')}: no "${type}" message`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    send(m) {
      if (proc.connected) proc.send(m);
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/**
 * A role run by the native helper (bench/native.c): its stdout lines `ready`, `sending` and
 * `result <n> <p50> <p99>` become messages; `begin`/`end` messages are written to its stdin.
 */
export function spawnNativeRole(binary: string, args: string[]): Role {
  const proc = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const inbox: Msg[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const [type = '', n, p50, p99] = l.trim().split(' ');
    inbox.push(type === 'result' ? { type, count: Number(n), p50: Number(p50), p99: Number(p99) } : { type });
  });
  proc.stdin!.on('error', () => undefined); // the process may be killed while we write
  return {
    proc,
    async next(type, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type);
        if (i !== -1) return inbox.splice(i, 1)[0]!;
        if (Date.now() > end || proc.exitCode !== null)
          throw new Error(`native ${args[0]}: no "${type}" line`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    send(m) {
      if (m.type === 'begin' || m.type === 'end') proc.stdin!.write(`${m.type}\n`);
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** A proxy subject process that prints a line matching `readyLine` once listening. */
export interface Subject {
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnSubject(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  readyLine: RegExp,
): Promise<Subject> {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.on('line', (l) => {
      if (readyLine.test(l)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`${cmd} exited with ${code} before it was ready`)));
  });
  proc.stdout!.resume();
  return {
    proc,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
