/** Flags shared by the commands that talk to a WebSocket API v1 server. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConnectionOptions, TlsOptions } from '@zeek-relay/client';
import { DEFAULT_HOST, DEFAULT_PORTS } from '../defaults.js';

export interface ConnectFlags {
  url: string;
  token?: string;
  appName?: string;
  ca?: string;
  insecure: boolean;
}

/** Adds `--url`, `--token`, `--app-name`, `--ca`, `--insecure`. */
export function addConnectOptions(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      'WebSocket API v1 server (gateway or Zeek)',
      `ws://${DEFAULT_HOST}:${DEFAULT_PORTS.gateway}`,
    )
    .option('--token <token>', 'bearer token (zeek-relay gateway with auth); also ZR_TOKEN')
    .option('--app-name <name>', 'X-Application-Name header', 'zeek-relay-cli')
    .option('--ca <file>', 'PEM CA bundle to trust for wss://')
    .option('--insecure', 'do not verify the server certificate (wss://)', false);
}

/** Turns the flags into client options (`token` falls back to the given environment value). */
export function connectionOptions(
  flags: ConnectFlags,
  topics: readonly string[],
  envToken: string | undefined,
): ConnectionOptions {
  const tls: TlsOptions = {
    ...(flags.ca !== undefined ? { ca: readFileSync(flags.ca) } : {}),
    ...(flags.insecure ? { rejectUnauthorized: false } : {}),
  };
  const token = flags.token ?? envToken;
  return {
    url: flags.url,
    topics,
    tls,
    ...(token !== undefined && token !== '' ? { token } : {}),
    ...(flags.appName !== undefined && flags.appName !== '' ? { applicationName: flags.appName } : {}),
  };
}
