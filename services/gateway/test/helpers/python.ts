import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pinned version of the independent client library (PyPI `websockets`). */
export const WEBSOCKETS_VERSION = '15.0.1';

/**
 * Path of a Python interpreter with `websockets` installed, in a venv OUTSIDE the repository, in
 * zeek-relay's cache beside the Go toolchains (`~/.cache/zeek-relay/python/websockets-<version>`,
 * `ZR_CACHE_DIR` or `XDG_CACHE_HOME` move it), never in the tests' temporary directory. Created on first use with `python3 -m venv`
 * and `pip install websockets==<version>` (needs python3 with venv/pip and access to PyPI, as CI
 * has); reused afterwards. Built in a scratch directory and renamed, so concurrent runs are safe.
 */
/** `python3` from PATH, or undefined when there is none (the caller skips with a clear reason). */
export async function findPython(): Promise<string | undefined> {
  try {
    await run('python3', ['--version']);
    return 'python3';
  } catch (err) {
    void err;
    return undefined;
  }
}

export async function pythonWithWebsockets(): Promise<string> {
  const cache =
    process.env['ZR_CACHE_DIR'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'zeek-relay');
  const dir = join(cache, 'python');
  mkdirSync(dir, { recursive: true });
  const venv = join(dir, `websockets-${WEBSOCKETS_VERSION}`);
  const python = join(venv, 'bin', 'python');
  if (existsSync(python)) return python;
  const scratch = mkdtempSync(join(dir, 'venv-'));
  try {
    await run('python3', ['-m', 'venv', scratch]);
    await run(
      join(scratch, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', `websockets==${WEBSOCKETS_VERSION}`],
      {
        timeout: 180_000,
      },
    );
    try {
      renameSync(scratch, venv);
    } catch (err) {
      // Another run created it first: use theirs.
      if (!existsSync(python)) throw err;
      rmSync(scratch, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  return python;
}

/** Runs a Python script with the venv's interpreter; returns stdout. */
export async function runPython(script: string, args: string[]): Promise<string> {
  const python = await pythonWithWebsockets();
  const { stdout } = await run(python, [script, ...args], { timeout: 60_000 });
  return stdout;
}
