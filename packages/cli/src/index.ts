/**
 * @zeek-relay/cli — the `zeek-relay` command. Programmatic pieces: the simulator (also at
 * `@zeek-relay/cli/simulator`), argument parsing and output formatting.
 */
export * from './simulator/index.js';
export { buildProgram, exitCodeOf } from './program.js';
export { CLI_ERROR_CODES, CliError, type CliErrorCode } from './errors.js';
export { argToJson, parseArg, ARG_TYPES } from './args.js';
export { formatData, formatEventJson, formatEventLine } from './format.js';
export {
  configBanner,
  layoutConfig,
  zeek80Config,
  zeek81Config,
  type ZeekConfigEndpoints,
} from './up/zeek-config.js';
export { DEFAULT_HOST } from './defaults.js';
