/** `zeek-relay subscribe [prefix…]`: print events from a WebSocket API v1 server. */
import type { Command } from 'commander';
import { addConnectOptions, connectionOptions, type ConnectFlags } from './connect-options.js';
import { parseCount, parseSeconds } from './options.js';

interface SubscribeFlags extends ConnectFlags {
  json: boolean;
  count?: number;
  duration?: number;
}

/** Registers the command; `envToken` is ZR_TOKEN read by main.ts. */
export function registerSubscribe(program: Command, envToken: string | undefined): void {
  addConnectOptions(
    program
      .command('subscribe')
      .description('Print events whose topic starts with one of the prefixes (default: all)')
      .argument('[prefixes...]', 'topic prefixes, e.g. zeek/ or zeek.cluster.manager'),
  )
    .option('--json', 'one JSON object per event (args as Broker JSON v1 values)', false)
    .option('--count <n>', 'exit after this many events', parseCount)
    .option('--duration <seconds>', 'exit after this long', parseSeconds)
    .action(async (prefixes: string[], flags: SubscribeFlags) => {
      // Loaded here, not at start-up: only this command and publish need the client.
      const { ZeekClient } = await import('@zeek-relay/client');
      const { formatEventJson, formatEventLine } = await import('../format.js');
      const topics = prefixes.length > 0 ? prefixes : [''];
      const client = await ZeekClient.connect({
        ...connectionOptions(flags, topics, envToken),
        reconnect: true,
      });
      const err = (t: string): boolean => process.stderr.write(`${t}\n`);
      err(
        `Subscribed to ${topics.map((t) => JSON.stringify(t)).join(', ')} at ${flags.url} (endpoint ${client.ack?.endpoint}). Ctrl-C stops.`,
      );
      client.on('disconnected', (code, reason) =>
        err(`Connection lost (${code}${reason ? ` ${reason}` : ''}); reconnecting…`),
      );
      client.on('connected', (ack) => err(`Reconnected (endpoint ${ack.endpoint}).`));
      client.on('serverError', (e) => err(`${e.code}: ${e.message}`));
      const stop = (): void => void client.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const timer = flags.duration !== undefined ? setTimeout(stop, flags.duration * 1000) : undefined;
      let n = 0;
      try {
        if (flags.count === 0) return;
        for await (const ev of client.events()) {
          process.stdout.write(`${flags.json ? formatEventJson(ev) : formatEventLine(ev)}\n`);
          if (flags.count !== undefined && ++n >= flags.count) break;
        }
      } finally {
        clearTimeout(timer);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await client.close();
      }
    });
}
