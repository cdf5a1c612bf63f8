/** `zeek-relay publish <topic> <event> [args…]`: publish one event (or several) with typed arguments. */
import type { Command } from 'commander';
import { EXIT_CODES } from '@zeek-relay/runtime/exit-codes';
import { ARG_TYPES } from '../arg-types.js';
import { addConnectOptions, connectionOptions, type ConnectFlags } from './connect-options.js';
import { parsePositive } from './options.js';

interface PublishFlags extends ConnectFlags {
  repeat: number;
}

/** Registers the command; `envToken` is ZR_TOKEN read by main.ts. */
export function registerPublish(program: Command, envToken: string | undefined): void {
  addConnectOptions(
    program
      .command('publish')
      .description('Publish an event with typed arguments')
      .argument('<topic>', 'topic, e.g. zeek/event/my_topic or zeek.cluster.manager')
      .argument('<event>', 'fully qualified event name, e.g. Test::ping')
      .argument(
        '[args...]',
        `arguments as type:value (${ARG_TYPES.join(', ')}) or bare values (type inferred)`,
      ),
  )
    .option('--repeat <n>', 'publish the event n times', parsePositive, 1)
    .addHelpText(
      'after',
      '\nExamples:\n  zeek-relay publish zeek/event/my_topic Test::ping string:hello count:42\n' +
        '  zeek-relay publish zeek.cluster.manager Test::conn addr:10.0.0.1 port:443/tcp time:2024-05-01T12:00:00Z interval:1.5s\n' +
        '  zeek-relay publish t Test::v \'json:{"@data-type":"vector","data":[{"@data-type":"count","data":1}]}\'',
    )
    .action(async (topic: string, name: string, rawArgs: string[], flags: PublishFlags) => {
      // Loaded here, not at start-up: only this command needs the codec and the client.
      const { parseArg } = await import('../args.js');
      const args = rawArgs.map(parseArg); // argument errors before connecting
      const { ZeekClient } = await import('@zeek-relay/client');
      const client = await ZeekClient.connect({
        ...connectionOptions(flags, [], envToken),
        reconnect: false,
      });
      let rejected = 0;
      client.on('serverError', (e) => {
        rejected++;
        process.stderr.write(`${e.code}: ${e.message}\n`);
      });
      for (let i = 0; i < flags.repeat; i++) client.publish(topic, { name, args });
      await client.flush();
      // Zeek reports rejected events asynchronously; give an error reply a moment to arrive.
      await new Promise((r) => setTimeout(r, 200));
      await client.close();
      process.stderr.write(
        `Published ${flags.repeat} × ${name} on ${topic}${rejected ? `, ${rejected} rejected by the server` : ''}.\n`,
      );
      if (rejected > 0) process.exitCode = EXIT_CODES.FAILED;
    });
}
