/**
 * The `zeek-relay` command tree (commander). Usage errors exit with code 2 and say which flag or
 * argument was wrong; runtime failures print one line with the error code and exit with the code
 * @zeek-relay/runtime's `EXIT_CODES` gives them (3: a service unreachable or not starting).
 */
import { Command, CommanderError } from 'commander';
import { EXIT_CODES } from '@zeek-relay/runtime/exit-codes';
import { registerCurveSecret } from './commands/curve-secret.js';
import { registerNodes } from './commands/nodes.js';
import { registerPublish } from './commands/publish.js';
import { registerSimulate } from './commands/simulate.js';
import { registerSubscribe } from './commands/subscribe.js';
import type { CliEnvironment } from './config.js';
import { registerUp } from './up/up.js';

/** Builds the program; `main.ts` parses `process.argv` with it. */
export function buildProgram(env: CliEnvironment): Command {
  const program = new Command('zeek-relay')
    .description(
      'Zeek cluster communication without the cluster: hub, gateway and log sink, a Zeek node simulator, and a WebSocket API client',
    )
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride();
  program.configureHelp({ sortSubcommands: false });
  registerUp(program);
  registerSimulate(program);
  registerSubscribe(program, env.token);
  registerPublish(program, env.token);
  registerNodes(program);
  registerCurveSecret(program);
  // Commander's own exits become CommanderErrors; sub-commands inherit the override.
  for (const c of program.commands) c.exitOverride().showHelpAfterError('(add --help for usage)');
  return program;
}

/**
 * Exit code (@zeek-relay/runtime's `EXIT_CODES`) for an error raised while parsing or running a
 * command: `USAGE` for commander's, the error's own `exitCode` (CliError), `START_FAILED` when
 * the WebSocket client could not connect, `FAILED` otherwise.
 */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help'
    )
      return EXIT_CODES.OK;
    return EXIT_CODES.USAGE;
  }
  const e = err as { exitCode?: unknown; code?: unknown };
  if (typeof e.exitCode === 'number') return e.exitCode;
  return e.code === 'ZR_CLIENT_CONNECT_FAILED' ? EXIT_CODES.START_FAILED : EXIT_CODES.FAILED;
}
