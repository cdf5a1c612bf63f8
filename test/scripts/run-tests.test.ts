// scripts/run-tests.mjs on a small made-up repository whose test files hang on purpose: a file that
// never ends is reported HUNG with the test it hung in, what it still held open and its processes,
// and is killed with its whole process group; a file whose tests pass but which leaves a server
// open fails with that server named; a test past its own timeout fails naming the timeout. The
// runner ends every time (the hang guards here are the subject, so they are short).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { repoRoot } from '../helpers/k8s/index.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, content: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), content);
}

/** A test file, as its source and its compiled output (the runner prunes output without a source). */
function testFile(name: string, body: string): void {
  const code = `import { after, test } from 'node:test';\nimport { createServer } from 'node:net';\nimport { spawn } from 'node:child_process';\n${body}`;
  write(`packages/p/test/${name}.test.ts`, code);
  write(`packages/p/dist/test/${name}.test.js`, code);
}

/** A child process that sleeps until killed, and a listening server: what a hung test holds. */
const HOLD = `
const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log('sleeper pid ' + sleeper.pid);
const server = createServer();
await new Promise((r) => server.listen(0, '127.0.0.1', r));
`;

function repo(): void {
  dir = mkdtempSync(join(tmpdir(), 'zr-run-tests-'));
  write('package.json', '{"type":"module"}');
  write('packages/p/tsconfig.json', '{}');
  mkdirSync(join(dir, 'services'));
  mkdirSync(join(dir, 'test'));
  mkdirSync(join(dir, 'scripts'));
  for (const f of ['run-tests.mjs', 'stale-dist.mjs', 'test-guard.mjs'])
    copyFileSync(join(repoRoot(), 'scripts', f), join(dir, 'scripts', f));
  testFile('passes', `test('passes', () => {});\n`);
  testFile(
    'hangs',
    `test('finishes first', () => {});\ntest('waits for a promise nobody resolves', async () => {${HOLD}  await new Promise(() => {});\n});\n`,
  );
  testFile('leaks', `test('passes but leaves a server listening', async () => {${HOLD}});\n`);
  // Leaks a server, and its exit blocks for good (as a native module's teardown can, waiting on a
  // thread that still runs): only a kill ends it.
  testFile(
    'stuck-exit',
    `test('passes but leaves a server listening and cannot exit', async () => {${HOLD}  process.on('exit', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));\n});\n`,
  );
  // A helper process a test forks (fork() passes on process.execArgv).
  write('packages/p/test/helper.ts', '');
  write(
    'packages/p/dist/test/helper.js',
    "console.log('helper execArgv ' + JSON.stringify(process.execArgv));\n",
  );
  testFile(
    'forks',
    `import { fork } from 'node:child_process';\ntest('forks a helper', async () => {\n  const c = fork(new URL('./helper.js', import.meta.url).pathname);\n  await new Promise((r) => c.once('exit', r));\n});\n`,
  );
  // A root `after` hook that cleans up for longer than the exit guard: the guard starts after it.
  testFile(
    'slow-cleanup',
    `after(() => new Promise((r) => setTimeout(r, 2500)));\ntest('passes', () => {});\n`,
  );
}

function runTests(env: Record<string, string>, ...filters: string[]): { status: number | null; out: string } {
  // Without the outer runner's NODE_TEST_CONTEXT, which would make the inner `node --test` skip.
  const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
  const r = spawnSync(process.execPath, [join(dir, 'scripts', 'run-tests.mjs'), ...filters], {
    encoding: 'utf8',
    env: { ...outer, ZR_CACHE_DIR: join(dir, 'cache'), ...env },
    // Hang guard of this test itself; the runner's own limits below are far shorter.
    timeout: 300_000,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** True while a process with this pid runs (a killed one not yet reaped by its new parent is a zombie, `Z`). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Resolves once `pid` no longer runs; rejects after the hang guard. SIGKILL is delivered
 * asynchronously, so a process killed a moment ago may still be on its way out.
 */
async function gone(pid: number, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (alive(pid)) {
    if (Date.now() > end) throw new Error(`${what} (${pid}) still runs`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function sleeperPids(out: string): number[] {
  return [...out.matchAll(/sleeper pid (\d+)/g)].map((m) => Number(m[1]));
}

/** Processes (pid, process group) whose command line contains `text`, and the members of their groups. */
function processesOf(text: string): { leaders: number[]; members: number[] } {
  const all = readdirSync('/proc').flatMap((d) => {
    if (!/^\d+$/.test(d)) return [];
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') return [];
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ');
      return [{ pid: Number(d), pgrp: Number(fields[2]), cmd }];
    } catch {
      return [];
    }
  });
  const leaders = all.filter((p) => p.cmd.includes(text)).map((p) => p.pid);
  return { leaders, members: all.filter((p) => leaders.includes(p.pgrp)).map((p) => p.pid) };
}

describe('run-tests.mjs hang guards', () => {
  it('names the test a hung file hangs in, what it holds, and kills its processes; a leaking file fails', async () => {
    repo();
    // 10 s: long enough for the file to reach its hanging test on a loaded machine.
    const r = runTests({
      ZR_TEST_FILE_TIMEOUT_MS: '10000',
      ZR_TEST_EXIT_GUARD_MS: '1000',
      ZR_TEST_KILL_GRACE_MS: '2000',
    });
    assert.equal(r.status, 1, r.out);
    assert.match(
      r.out,
      /━━ packages\/p\/dist\/test\/hangs\.test\.js — HUNG \(still running after 10 s; in: waits for a promise nobody resolves\)/,
    );
    assert.match(
      r.out,
      /run-tests: HUNG: packages\/p\/dist\/test\/hangs\.test\.js \(in: waits for a promise/,
    );
    // What it held: the runner's process list and the guard's handle list name the sleeper and the server.
    assert.match(r.out, /its processes:\n(?:.*\n)*\s*\d+\s+\d+ \S*node -e setInterval/);
    assert.match(
      r.out,
      /asked by the runner[^\n]*\n(?:\s+.*\n)*\s+child process \d+: \S*node -e setInterval/,
    );
    assert.match(r.out, /asked by the runner[^\n]*\n(?:\s+.*\n)*\s+server \{"address":"127\.0\.0\.1"/);
    assert.match(r.out, /━━ packages\/p\/dist\/test\/leaks\.test\.js — FAILED/);
    assert.match(
      r.out,
      /every test finished but the process did not exit within 1000 ms[^\n]*\n(?:\s+.*\n)*\s+server /,
    );
    assert.match(r.out, /━━ packages\/p\/dist\/test\/passes\.test\.js — ok/);
    assert.match(r.out, /━━ packages\/p\/dist\/test\/stuck-exit\.test\.js — FAILED/);
    assert.match(r.out, /run-tests: FAILED: packages\/p\/dist\/test\/stuck-exit\.test\.js/);
    assert.match(r.out, /━━ packages\/p\/dist\/test\/slow-cleanup\.test\.js — ok/);
    // The forked helper runs as a plain script, not as one more test file with the runner's options.
    assert.match(r.out, /━━ packages\/p\/dist\/test\/forks\.test\.js — ok[^\n]*\nhelper execArgv \[\]\n/);
    const pids = sleeperPids(r.out);
    assert.equal(pids.length, 3, r.out);
    for (const pid of pids) await gone(pid, 'the sleeper killed with its file');
  });

  it('a test past its own timeout fails naming the timeout, then the file ends', async () => {
    repo();
    const r = runTests({ ZR_TEST_TIMEOUT_MS: '1000', ZR_TEST_EXIT_GUARD_MS: '1000' }, 'hangs');
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /━━ packages\/p\/dist\/test\/hangs\.test\.js — FAILED/);
    assert.match(r.out, /waits for a promise nobody resolves[^\n]*\n\s+'test timed out after 1000ms'/);
    assert.match(r.out, /did not exit within 1000 ms[^\n]*\n(?:\s+.*\n)*\s+server /);
    for (const pid of sleeperPids(r.out)) await gone(pid, 'the sleeper killed with its file');
  });
  it('a runner stopped by SIGTERM kills the files it runs, with their children, and leaves no scratch', async () => {
    repo();
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
    const runner = spawn(process.execPath, [join(dir, 'scripts', 'run-tests.mjs'), 'hangs'], {
      env: { ...outer, ZR_CACHE_DIR: join(dir, 'cache'), TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    runner.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    runner.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = once(runner, 'exit');
    // The file's process and the child its test started (the file's group has two members).
    const marker = join(dir, 'scripts', 'test-guard.mjs');
    let file = processesOf(marker);
    while (file.members.length < 2) {
      await new Promise((r) => setTimeout(r, 50));
      file = processesOf(marker);
    }
    runner.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 1, out);
    assert.match(out, /run-tests: stopped by SIGTERM; killed the files still running/);
    for (const pid of file.members) await gone(pid, "a process of the file's group");
    assert.deepEqual(readdirSync(tmp), [], 'the scratch directory is gone');
  });
});
