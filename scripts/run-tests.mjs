#!/usr/bin/env node
// Runs every compiled test file (`dist/**/test/**/*.test.js`) with the node:test runner, one
// `node --test` process per file, two at a time (ZR_TEST_CONCURRENCY). Usage:
//   node scripts/run-tests.mjs [substring …]   only files whose path contains one of them
//
// What the runner guarantees, so a busy machine never turns into a hung or unreadable suite:
// - a default per-test timeout (`--test-timeout`, ZR_TEST_TIMEOUT_MS, 10 min; tests that need
//   longer, e.g. a cold Go build, say so with their own `{ timeout }`);
// - a per-file hang guard (ZR_TEST_FILE_TIMEOUT_MS, 45 min): a file still running then is asked
//   what it still waits on (SIGUSR2: scripts/test-guard.mjs prints its open handles; `ps` lists the
//   processes of its group), interrupted (SIGINT: node:test names the tests still running and
//   prints its summary) and, ZR_TEST_KILL_GRACE_MS (15 s) later, killed with its whole process
//   group; the verdict names the tests that hung;
// - a file whose tests all finished but whose process does not exit (a socket, timer or child
//   a test never stopped) is interrupted by scripts/test-guard.mjs after ZR_TEST_EXIT_GUARD_MS
//   (60 s) with the list of what is still open, and fails; if even its exit blocks, its group is
//   killed ZR_TEST_KILL_GRACE_MS later;
// - the test file runs in the `node --test` process itself (`--test-isolation=none`), so that an
//   interrupted run names the test, not only the file; scripts/test-guard.mjs is that process's
//   entry and imports the file (ZR_TEST_FILE);
// - a runner stopped by SIGINT/SIGTERM/SIGHUP kills the files it runs (each has a process group of
//   its own, which the signal does not reach) and removes its scratch directory;
// - each file's output is printed in one piece when the file ends (no interleaving);
// - every file runs with TMPDIR set to a fresh directory of its own; afterwards that directory
//   must be empty: anything a test file left behind (ipc sockets, CURVE keys, logs) fails the
//   run, naming the file and the leftovers;
// - compiled files whose source is gone (`tsc -b` never deletes them) are pruned first
//   (scripts/stale-dist.mjs), so a deleted or renamed test does not keep running from dist/.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { clearTimeout, setTimeout } from 'node:timers';
import { join, relative } from 'node:path';
import { pruneStaleDist } from './stale-dist.mjs';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'services', 'test'];
const filters = process.argv.slice(2);
const concurrency = Number(process.env.ZR_TEST_CONCURRENCY ?? '2');
const testTimeoutMs = Number(process.env.ZR_TEST_TIMEOUT_MS ?? 10 * 60_000);
const fileTimeoutMs = Number(process.env.ZR_TEST_FILE_TIMEOUT_MS ?? 45 * 60_000);
/** After SIGINT, how long a hung file may take to print its summary and exit before SIGKILL. */
const killGraceMs = Number(process.env.ZR_TEST_KILL_GRACE_MS ?? 15_000);
/** What scripts/test-guard.mjs prints before it interrupts a file that did not exit. */
const EXIT_GUARD_MARK = 'test-guard: every test finished but the process did not exit';
const guardEntry = new URL('./test-guard.mjs', import.meta.url).pathname;

/** @param {string} dir @param {string[]} out */
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js') && p.includes('/dist/')) out.push(p);
  }
  return out;
}

for (const f of pruneStaleDist(root, roots))
  console.log(`run-tests: pruned ${relative(root, f)} (its source is gone)`);

const files = roots
  .flatMap((r) => walk(join(root, r), []))
  .map((p) => relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files found (did the build run?)');
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'zr-test-run-'));
// Each file's TMPDIR is a /tmp of its own: world-writable and sticky like /tmp (mkdtemp makes 0700),
// so processes a test starts as another user (uid 1000, as in the images) can use it too.
chmodSync(scratch, 0o755);
const cacheDir =
  process.env.ZR_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'zeek-relay');

/** @param {number} pid @param {NodeJS.Signals} sig */
function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** The processes of a group, one line each (pid, seconds running, command line). */
function processGroup(pgid) {
  try {
    const ps = execFileSync('ps', ['-o', 'pid=,etimes=,args=', '-g', String(pgid)], { encoding: 'utf8' });
    return ps.trimEnd().replace(/^\s*/gm, '  ') + '\n';
  } catch {
    return '  (ps failed)\n';
  }
}

/** @param {number} ms */
function duration(ms) {
  return ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** The tests node:test reported as still running when it was interrupted. */
function interrupted(out) {
  const section = /Interrupted while running:\n([\s\S]*?)\n(?:✖|ℹ)/.exec(out)?.[1] ?? '';
  return [...section.matchAll(/^\s*\S+ (.+) \(\S+:\d+:\d+\)$/gm)].map((m) => m[1]);
}

/** Process groups of the files running now. */
const running = new Set();
// Each file runs in a process group of its own, which a signal to the runner does not reach: when
// the runner is stopped (Ctrl-C, a CI job's timeout), it ends those groups and its scratch directory.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.once(sig, () => {
    for (const pid of running) signal(-pid, 'SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
    console.log(`\nrun-tests: stopped by ${sig}; killed the files still running`);
    process.exit(1);
  });

/**
 * Runs one file in its own process group; resolves with its exit status and collected output.
 * @param {string} file
 * @returns {Promise<{ file: string, code: number | null, hung: boolean, out: string, ms: number, leftovers: string[] }>}
 */
function runFile(file) {
  const started = Date.now();
  const tmp = join(scratch, String(files.indexOf(file)));
  mkdirSync(tmp);
  chmodSync(tmp, 0o1777);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--test',
        '--test-isolation=none',
        `--test-timeout=${testTimeoutMs}`,
        '--test-reporter=spec',
        guardEntry,
      ],
      {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          TMPDIR: tmp,
          ZR_TEST_FILE: join(root, file),
          // npm 11 (Node 24) keeps a compile cache in the temporary directory unless told where.
          NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(cacheDir, 'node-compile-cache'),
          FORCE_COLOR: process.stdout.isTTY ? '1' : '0',
        },
      },
    );
    running.add(child.pid);
    let out = '';
    let hung = false;
    let kill;
    const collect = (d) => {
      out += d;
      // The exit guard interrupted the file; if its exit blocks too (a native module's teardown
      // waiting on a thread that still runs), the group goes after the grace.
      if (kill === undefined && out.includes(EXIT_GUARD_MARK))
        kill = setTimeout(() => signal(-child.pid, 'SIGKILL'), killGraceMs);
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    const guard = setTimeout(() => {
      hung = true;
      out += `\nrun-tests: ${file} still running after ${duration(fileTimeoutMs)}; its processes:\n`;
      out += processGroup(child.pid);
      signal(child.pid, 'SIGUSR2');
      kill = setTimeout(() => {
        signal(child.pid, 'SIGINT');
        kill = setTimeout(() => signal(-child.pid, 'SIGKILL'), killGraceMs);
      }, 1000);
    }, fileTimeoutMs);
    child.once('exit', (code) => {
      running.delete(child.pid);
      clearTimeout(guard);
      clearTimeout(kill);
      // Whatever the file started and did not stop goes too (it would hold ports and /tmp).
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // nothing left
      }
      const leftovers = readdirSync(tmp);
      rmSync(tmp, { recursive: true, force: true });
      resolve({ file, code, hung, out, ms: Date.now() - started, leftovers });
    });
  });
}

const results = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const file = files[next++];
    const r = await runFile(file);
    results.push(r);
    const verdict = r.hung
      ? `HUNG (still running after ${duration(fileTimeoutMs)}; in: ${interrupted(r.out).join('; ') || 'no test (a hook or the file itself)'})`
      : r.code !== 0
        ? 'FAILED'
        : r.leftovers.length > 0
          ? `LEFT FILES in TMPDIR: ${r.leftovers.join(', ')}`
          : 'ok';
    process.stdout.write(
      `\n━━ ${file} — ${verdict}, ${(r.ms / 1000).toFixed(1)} s (${results.length}/${files.length})\n${r.out}`,
    );
  }
}
const t0 = Date.now();
await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));

rmSync(scratch, { recursive: true, force: true });
const failed = results.filter((r) => r.code !== 0 || r.hung);
const untidy = results.filter((r) => r.leftovers.length > 0);
const count = (re) => results.reduce((n, r) => n + Number(re.exec(r.out)?.[1] ?? 0), 0);
console.log(
  `\nrun-tests: ${files.length} files in ${((Date.now() - t0) / 1000).toFixed(0)} s; ` +
    `tests ${count(/^ℹ tests (\d+)/m)}, pass ${count(/^ℹ pass (\d+)/m)}, fail ${count(/^ℹ fail (\d+)/m)}, ` +
    `skipped ${count(/^ℹ skipped (\d+)/m)}`,
);
for (const r of failed)
  console.log(
    `run-tests: ${r.hung ? 'HUNG' : 'FAILED'}: ${r.file}${r.hung ? ` (in: ${interrupted(r.out).join('; ') || '?'})` : ''}`,
  );
for (const r of untidy) console.log(`run-tests: LEFT FILES in TMPDIR: ${r.file}: ${r.leftovers.join(', ')}`);
process.exit(failed.length > 0 || untidy.length > 0 ? 1 : 0);
