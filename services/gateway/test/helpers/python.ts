import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Pinned version of the independent client library (PyPI `websockets`). */
export const WEBSOCKETS_VERSION = '15.0.1';

/**
 * Path of a Python interpreter with `websockets` installed, in a venv OUTSIDE the repository
 * (`<tmpdir>/zeek-relay-venv-websockets-<version>`). Created on first use with `python3 -m venv`
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
  const venv = join(tmpdir(), `zeek-relay-venv-websockets-${WEBSOCKETS_VERSION}`);
  const python = join(venv, 'bin', 'python');
  if (existsSync(python)) return python;
  const scratch = mkdtempSync(join(tmpdir(), 'zeek-relay-venv-'));
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
