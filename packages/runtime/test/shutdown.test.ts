/**
 * `onShutdown` in real processes with real signals and pipes: every path ends the process, with
 * the exit code of `EXIT_CODES`. Nothing here waits on a clock: each step waits for the child's
 * own report (stderr lines) or its exit event; the node:test timeout is only a hang guard.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES } from '../src/index.js';

const STOPPER = fileURLToPath(new URL('./helpers/stopper.js', import.meta.url));

interface Stopper {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Resolves once the child wrote `line` on stderr. */
  said(line: string): Promise<void>;
  readonly stderr: () => string;
}

function start(graceMs: number, mode: string): Stopper {
  const child = spawn(process.execPath, [STOPPER, String(graceMs), mode], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout!.resume();
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    exited,
    stderr: () => err,
    async said(line) {
      while (!err.split('\n').includes(line)) {
        const more = once(child.stderr!, 'data');
        const gone = exited.then(() => {
          throw new Error(`exited before "${line}"; stderr: ${err}`);
        });
        await Promise.race([more, gone]);
      }
    },
  };
}

/** Hang guard per test (a busy machine is slow, never wrong). */
const GUARD = { timeout: 180_000 };

describe('onShutdown', () => {
  test('a signal runs the close once and exits 0', GUARD, async () => {
    const s = start(60_000, 'wait');
    await s.said('ready');
    s.child.kill('SIGTERM');
    await s.said('closing');
    s.child.stdin!.write('go\n');
    assert.equal(await s.exited, EXIT_CODES.OK);
    assert.doesNotMatch(s.stderr(), /abort/);
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    test(`a second ${signal} during the close stops native threads and exits 5`, GUARD, async () => {
      const s = start(60_000, 'never');
      await s.said('ready');
      s.child.kill(signal);
      await s.said('closing');
      s.child.kill(signal);
      assert.equal(await s.exited, EXIT_CODES.SHUTDOWN_FORCED);
      assert.match(s.stderr(), /^abort$/m);
    });
  }

  test('a close longer than the grace period is cut short: abort, exit 5', GUARD, async () => {
    const s = start(100, 'never');
    await s.said('ready');
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, EXIT_CODES.SHUTDOWN_FORCED);
    assert.match(s.stderr(), /closing\n[^]*abort/);
  });

  test('an uncaught error closes and exits 4', GUARD, async () => {
    const s = start(60_000, 'fast');
    await s.said('ready');
    s.child.stdin!.write('throw\n');
    assert.equal(await s.exited, EXIT_CODES.FAILED);
    assert.match(s.stderr(), /^closing$/m);
  });

  test('a closed stdout (EPIPE) is a request to stop: close, exit 0', GUARD, async () => {
    const s = start(60_000, 'chatty');
    await s.said('ready');
    s.child.stdout!.destroy();
    assert.equal(await s.exited, EXIT_CODES.OK);
    assert.match(s.stderr(), /^closing$/m);
  });
});
