import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pythonVenv, pythonVenvDir } from '@zeek-relay/fixtures';

const run = promisify(execFile);

/** Pinned version of the independent client library (PyPI `websockets`). */
export const WEBSOCKETS_VERSION = '15.0.1';

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

/**
 * Path of a Python interpreter with `websockets` installed, in a venv OUTSIDE the repository
 * (zeek-relay's cache, `pythonVenvDir` of `@zeek-relay/fixtures`). Created on first use by `pythonVenv` of
 * `@zeek-relay/fixtures` (needs python3 with venv/pip and PyPI, as CI has); reused afterwards.
 */
export async function pythonWithWebsockets(): Promise<string> {
  return pythonVenv(pythonVenvDir(`websockets-${WEBSOCKETS_VERSION}`), [`websockets==${WEBSOCKETS_VERSION}`]);
}

/** Runs a Python script with the venv's interpreter; returns stdout. */
export async function runPython(script: string, args: string[]): Promise<string> {
  const python = await pythonWithWebsockets();
  const { stdout } = await run(python, [script, ...args], { timeout: 60_000 });
  return stdout;
}
