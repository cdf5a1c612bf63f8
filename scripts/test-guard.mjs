// The entry of every test file's process (run-tests.mjs runs `node --test scripts/test-guard.mjs`
// with the file in ZR_TEST_FILE): it imports the test file, so that a file that does not end says
// what keeps it alive instead of hanging the suite quietly:
// - on SIGUSR2 (sent by the runner when a file outlives its hang guard) it prints what the event
//   loop still waits on: child processes, servers, sockets, timers, and libuv's own list of
//   handles (libzmq sockets are `poll` handles there);
// - once every test and every `after` hook of the file has finished (its own root `after` hook is
//   registered after the file's, so it runs last), a process that still has not exited after
//   ZR_TEST_EXIT_GUARD_MS (default 60 s) prints the same list and is interrupted (exit status 1):
//   something a test started was never stopped. Tests that stop what they start exit at once, so
//   the guard waits on an event that comes; the timer is unref'd and never keeps a process alive.
import { after } from 'node:test';
import { setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';

const exitGuardMs = Number(process.env.ZR_TEST_EXIT_GUARD_MS ?? 60_000);

/** One line per JavaScript-visible handle (what `process._getActiveHandles()` holds). */
function jsHandles() {
  /** @type {unknown[]} */
  const handles = /** @type {{ _getActiveHandles(): unknown[] }} */ (
    /** @type {unknown} */ (process)
  )._getActiveHandles();
  return handles.flatMap((h) => {
    const o = /** @type {Record<string, any>} */ (h);
    const kind = o?.constructor?.name ?? typeof h;
    if (kind === 'ChildProcess') return [`child process ${o.pid}: ${(o.spawnargs ?? []).join(' ')}`];
    if (kind === 'Server') return [`server ${JSON.stringify(o.address?.())}`];
    if (kind === 'Socket' || kind === 'TLSSocket') {
      if (o === process.stdout || o === process.stderr || o === process.stdin) return [];
      if (o.remoteAddress === undefined) return [`${kind.toLowerCase()} (a pipe)`];
      return [`${kind.toLowerCase()} ${o.localAddress}:${o.localPort} → ${o.remoteAddress}:${o.remotePort}`];
    }
    return [kind];
  });
}

/** libuv's referenced, active handles by type (`poll` = libzmq sockets and monitors, …). */
function uvHandles() {
  /** @type {Array<{ type: string, is_active?: boolean, is_referenced?: boolean, pid?: number }>} */
  const list = /** @type {any} */ (process.report.getReport()).libuv ?? [];
  const counts = new Map();
  for (const h of list) {
    if (!h.is_active || !h.is_referenced || h.type === 'loop') continue;
    counts.set(h.type, (counts.get(h.type) ?? 0) + 1);
  }
  return [...counts].map(([type, n]) => `${type} ×${n}`).join(', ');
}

/** What keeps this process alive, one item per line. */
function describeOpen(why) {
  const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  return [
    `test-guard: ${why} (pid ${process.pid}); still open:`,
    ...jsHandles().map((l) => `  ${l}`),
    `  timers: ${timers}`,
    `  libuv handles (referenced, active): ${uvHandles() || 'none'}`,
  ].join('\n');
}

process.on('SIGUSR2', () => {
  process.stderr.write(`${describeOpen('asked by the runner: this file did not end in time')}\n`);
});

// `fork()` hands a child `process.execArgv` unless told otherwise: without this, a helper process a
// test forks would get this process's `--test…` options and run as a test file itself.
const runnerOptions = /^--test(?:-|$)/;
process.execArgv.splice(
  0,
  process.execArgv.length,
  ...process.execArgv.filter((a) => !runnerOptions.test(a)),
);

const file = process.env.ZR_TEST_FILE;
if (file === undefined) throw new Error('test-guard: ZR_TEST_FILE names no test file');
await import(pathToFileURL(file).href);

after(() => {
  const t = setTimeout(() => {
    process.stderr.write(
      `${describeOpen(`every test finished but the process did not exit within ${exitGuardMs} ms`)}\n`,
    );
    process.exitCode = 1;
    // node:test answers SIGINT with its summary (which tests failed, and why), then exits.
    process.kill(process.pid, 'SIGINT');
  }, exitGuardMs);
  t.unref();
});
