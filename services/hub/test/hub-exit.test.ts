/**
 * A process that exits while a hub still runs (never closed: a program that exits early, a test
 * that failed half-way) exits: with native forwarding, libzmq's proxy runs on a libuv worker
 * thread that never returns by itself, and the process waited for it at exit for good.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const SCRIPT = fileURLToPath(new URL('./helpers/exit-running.js', import.meta.url));
/** Hang guard for the child's exit (it takes well under a second when it works). */
const GUARD_MS = 60_000;

async function exitsWithHubRunning(forwarding: string, how: string): Promise<number | null> {
  const child = spawn(process.execPath, [SCRIPT, forwarding, how], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const guard = setTimeout(() => child.kill('SIGKILL'), GUARD_MS);
  const code = await exited;
  clearTimeout(guard);
  assert.equal(out, 'started\n', 'the hub started before the exit');
  return code;
}

describe('exit with a hub still running', () => {
  for (const forwarding of ['native', 'counted', 'zmtp'])
    for (const how of ['exit', 'sigint'])
      it(`${forwarding} forwarding, process.exit() from ${how === 'exit' ? 'the program' : 'a SIGINT handler'}: the process ends`, async () => {
        assert.equal(await exitsWithHubRunning(forwarding, how), 0, 'exit code 0, not killed by the guard');
      });
});
