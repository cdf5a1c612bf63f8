#!/usr/bin/env node
/**
 * `zeek-relay` entry point: parses the command line and runs one command. Errors from commands
 * (typed `ZR_*` codes) are printed as one line, without a stack, unless ZR_DEBUG is set.
 */
import { CommanderError } from 'commander';
import { readCliEnvironment } from './config.js';
import { buildProgram, exitCodeOf } from './program.js';

const program = buildProgram(readCliEnvironment());
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) {
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? `${e.code}: ` : '';
    process.stderr.write(`zeek-relay: ${code}${String(e.message ?? err)}\n`);
  }
  process.exitCode = exitCodeOf(err);
}
