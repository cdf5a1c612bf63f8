/**
 * `zeek-relay up`: hub, gateway and log sink in one process on 127.0.0.1 with Zeek's default
 * ports, the Zeek configuration lines to use them, and a live status until Ctrl-C.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_ZEEK_VERSION, parseZeekVersion, ZEEK_LINES } from '@zeek-relay/runtime/zeek-version';
import { parseHost, parsePort, parseSeconds } from '../commands/options.js';
import { DEFAULT_HOST, DEFAULT_PORTS } from '../defaults.js';

export interface UpFlags {
  host: string;
  xpubPort: number;
  xsubPort: number;
  gatewayPort: number;
  logPort: number;
  httpPort: number;
  logDir: string;
  logFormat: string;
  zeekVersion: string;
  logLevel: string;
  eventStats: boolean;
  statusInterval: number;
}

export const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Registers the command on `program`. */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Run hub, gateway and log sink together on this machine (what `npm start` runs)')
    .option('--host <address>', 'address every service binds to', parseHost, DEFAULT_HOST)
    .option(
      '--xpub-port <port>',
      "hub XPUB (the nodes' connect_xsub_endpoint)",
      parsePort,
      DEFAULT_PORTS.xpub,
    )
    .option(
      '--xsub-port <port>',
      "hub XSUB (the nodes' connect_xpub_endpoint)",
      parsePort,
      DEFAULT_PORTS.xsub,
    )
    .option('--gateway-port <port>', 'WebSocket API v1', parsePort, DEFAULT_PORTS.gateway)
    .option('--log-port <port>', 'log sink PULL', parsePort, DEFAULT_PORTS.logs)
    .option('--http-port <port>', 'hub HTTP port (/nodes, /metrics)', parsePort, DEFAULT_PORTS.hubHttp)
    .option('--log-dir <dir>', 'where the log sink writes Zeek logs', './logs')
    .option('--log-format <format>', 'tsv (Zeek default) or json', 'tsv')
    .option(
      '--zeek-version <version>',
      `Zeek version of the nodes (${ZEEK_LINES.join(', ')} or e.g. 8.2.2): log number/escape formatting, the gateway's ack; also given to the hub`,
      DEFAULT_ZEEK_VERSION,
    )
    .option('--log-level <level>', `service log level on stderr (${LEVELS.join(', ')})`, 'warn')
    .option('--no-event-stats', 'do not count events (the counter subscribes to every topic)')
    .option('--status-interval <seconds>', 'status line period when not a terminal', parseSeconds, 5)
    .action(async (flags: UpFlags) => {
      if (flags.logFormat !== 'tsv' && flags.logFormat !== 'json') {
        program.error(
          `error: option '--log-format <format>' argument '${flags.logFormat}' is invalid. Expected tsv or json.`,
          { exitCode: 2 },
        );
      }
      if (parseZeekVersion(flags.zeekVersion) === undefined) {
        program.error(
          `error: option '--zeek-version <version>' argument '${flags.zeekVersion}' is invalid. Expected ${ZEEK_LINES.join(', ')} or a full version such as 8.2.2.`,
          { exitCode: 2 },
        );
      }
      const level = LEVELS.find((l) => l === flags.logLevel);
      if (level === undefined) {
        program.error(
          `error: option '--log-level <level>' argument '${flags.logLevel}' is invalid. Expected one of ${LEVELS.join(', ')}.`,
          {
            exitCode: 2,
          },
        );
      }
      const logDir = resolve(flags.logDir);
      mkdirSync(logDir, { recursive: true });
      // Loaded here, not at start-up: only `up` needs the services (the CLI starts fast).
      const { runUp } = await import('./run-up.js');
      await runUp(flags, logDir, level ?? 'warn');
    });
}
